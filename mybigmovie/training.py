"""Training a model from the ratings-matrix read model and publishing it for every process.

The web and worker processes pick the new artifact up through ``recommender.artifact.ModelHolder``
without restarting (hot swap).
"""
from __future__ import annotations

import asyncio
import json
from typing import Callable

from mybigmovie.bootstrap import Services
from projections.ratings_matrix import NAME as RATINGS_MATRIX
from projections.ratings_matrix import load_ratings_matrix
from recommender import artifact
from recommender.cli import progress_marker
from recommender.model import Model, fit
from recommender.settings import PRESETS

Progress = Callable[[int, int], None]


async def train(services: Services, preset: str = "fast", include_synthetic: bool = False,
                progress: Progress | None = None, keep: int = 3) -> Model:
    """Fit on every rating the read model holds and publish the artifact; return the model."""
    if preset not in PRESETS:
        raise ValueError(f"no preset {preset!r}: choose one of {', '.join(sorted(PRESETS))}")
    await services.projector.run_once()  # train on everything the log holds right now
    trained_up_to = (await services.registry.active(RATINGS_MATRIX)).checkpoint
    matrix = await load_ratings_matrix(services.registry, include_synthetic=include_synthetic)
    if len(matrix) == 0:
        raise ValueError("there are no ratings to train on yet: import some first (mybigmovie import)")
    model_dir = services.settings.model_dir
    marker = progress_marker(model_dir)

    def report(done: int, total: int) -> None:
        marker(done, total)
        if progress:
            progress(done, total)

    try:
        model = await asyncio.to_thread(fit, matrix, PRESETS[preset], 0, report, trained_up_to)
    finally:
        (model_dir / "TRAINING").unlink(missing_ok=True)
    await asyncio.to_thread(artifact.save, model, model_dir)
    artifact.prune(model_dir, keep)
    return model


async def needs_training(services: Services, min_new_events: int = 50) -> bool:
    """True when no model exists, or the log has grown by ``min_new_events`` since the newest one."""
    directory = services.settings.model_dir
    latest = artifact.latest_version(directory)
    if latest is None:
        return True
    trained_up_to = json.loads((directory / f"model-{latest}.json").read_text())["trained_up_to"]
    return (await services.store.head()) - trained_up_to >= min_new_events
