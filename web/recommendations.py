"""The site's one door to ``recommender/``: the trained model, and what the pages ask of it.

Every method answers None while no model is trained (or the recommender is not installed), and
``web.lists`` then falls back to popularity from the movies read model. Pages never see the
recommender's API, only this class, so a change there is a change here only.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from web.views import Member



@dataclass(frozen=True)
class ModelStatus:
    state: str  # "none", "training" or "ready"
    message: str

    @property
    def busy(self) -> bool:
        return self.state == "training"


class Recommender:
    """The trained model, hot-swapped by ``recommender.artifact.ModelHolder`` when a new one is
    published; every method answers None while there is no model (or no recommender installed)."""

    # Written by whoever retrains, removed when done: {"done": steps, "total": steps}.
    TRAINING_MARKER = "TRAINING"

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        try:
            from recommender.artifact import ModelHolder
        except ImportError:
            self._holder = None
        else:
            self._holder = ModelHolder(model_dir)

    def model(self):
        return self._holder.get() if self._holder else None

    @property
    def available(self) -> bool:
        return self.model() is not None

    def status(self) -> ModelStatus:
        model, training = self.model(), self._training()
        if training is not None:
            done, total = training
            meanwhile = "your lists use the current model meanwhile" if model else "lists are ordered by popularity meanwhile"
            return ModelStatus("training", f"Retraining the recommender… step {done} of {total}; {meanwhile}.")
        if model is None:
            return ModelStatus("none", "No recommender model is trained yet, so lists are ordered by how well "
                                       "liked each title is.")
        trained = _when(model.version)
        return ModelStatus("ready", f"Lists are ordered for you by a model trained on "
                                    f"{int(model.item_counts.sum()):,} ratings{trained}.")

    def _training(self) -> tuple[int, int] | None:
        try:
            progress = json.loads((self.model_dir / self.TRAINING_MARKER).read_text())
            return int(progress.get("done", 0)), int(progress.get("total", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return None

    def _fold_in(self, model, member: Member):
        from recommender.foldin import fold_in
        items = list(member.ratings)
        return fold_in(model, items, [member.ratings[i] for i in items])

    def scores(self, member: Member, ids: list[int]) -> list[float] | None:
        """Predicted liking of ``ids`` for ``member`` (titles the model does not know last)."""
        if (model := self.model()) is None:
            return None
        from recommender import ranking
        every = ranking.scores(model, self._fold_in(model, member))
        return [float(every[i]) if i >= 0 else -math.inf for i in model.item_index(np.asarray(ids))]

    def top(self, member: Member, k: int, exclude: set[int]) -> list[int] | None:
        """The member's best ``k`` titles, leaving out what they rated and ``exclude``."""
        if (model := self.model()) is None:
            return None
        from recommender import ranking
        return [item for item, _ in ranking.recommend(model, self._fold_in(model, member), k, exclude=exclude)]

    def to_ask(self, k: int, exclude: set[int]) -> list[int] | None:
        """Titles a new member should rate first: likely seen, and telling about their taste."""
        if (model := self.model()) is None:
            return None
        from recommender.onboarding import pick_titles
        return pick_titles(model, k, exclude=exclude)

    def because(self, member: Member, movie_id: int, k: int) -> list[int] | None:
        """The member's rated movies that most explain ``movie_id``'s place in their list."""
        if (model := self.model()) is None:
            return None
        from recommender import ranking
        items = list(member.ratings)
        ratings = [member.ratings[i] for i in items]
        return [item for item, _ in ranking.explain(model, (items, ratings), movie_id, top=k)]

    def similar(self, movie_id: int, k: int) -> list[int] | None:
        if (model := self.model()) is None:
            return None
        from recommender import ranking
        return [item for item, _ in ranking.similar(model, movie_id, k)] or None


def _when(version: str) -> str:
    """ " on 25 Nov 2026" from a model version like "20261125T153000123456Z" ("" if not a date)."""
    try:
        trained = datetime.strptime(version[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return ""
    return f" on {trained.day} {trained:%b %Y}"
