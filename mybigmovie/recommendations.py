"""What to recommend to one member: the application service shared by the web and the workers.

``Recommender`` holds the newest trained model (hot-swapped by ``recommender.artifact.ModelHolder``
when a retraining publishes one) and answers None for everything while none exists yet; callers
then fall back to damped-mean popularity from the movies read model, which is also the
recommender's own answer for a member with no ratings.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from recommender import ranking
from recommender.artifact import ModelHolder
from recommender.foldin import fold_in
from recommender.model import Model
from recommender.onboarding import pick_titles
from recommender.tv import show_item_id

Ratings = dict[int, float]  # item id (a movie id, or a show's tv.show_item_id) -> the member's stars


def taste(movie_ratings: dict[int, float], show_ratings: dict[int, float] | None = None,
          episode_ratings: dict[str, float] | None = None) -> Ratings:
    """Everything a member rated, as the model's items: movies as they are, shows by their item id,
    and a show whose episodes they rated but not the show itself by those episodes' mean."""
    episodes: dict[int, list[float]] = {}
    for key, stars in (episode_ratings or {}).items():
        episodes.setdefault(int(key.split(":")[0]), []).append(stars)
    shows = {show: sum(stars) / len(stars) for show, stars in episodes.items()} | dict(show_ratings or {})
    return {**movie_ratings, **{show_item_id(show): stars for show, stars in shows.items()}}


@dataclass(frozen=True)
class ModelStatus:
    state: str  # "none", "training" or "ready"
    message: str

    @property
    def busy(self) -> bool:
        return self.state == "training"


class Recommender:
    """The trained model, hot-swapped by ``recommender.artifact.ModelHolder`` when a new one is
    published; every method answers None while there is no model yet."""

    # Written by whoever retrains, removed when done: {"done": steps, "total": steps}.
    TRAINING_MARKER = "TRAINING"

    def __init__(self, model_dir: Path, check_every: float = 5.0) -> None:
        self.model_dir = model_dir
        self._holder = ModelHolder(model_dir, check_every=check_every)
        # Every title's score for a member, kept per (model, the member's ratings): a member browsing
        # pays one fold-in and one pass over the catalog, not one per page. Bounded in bytes.
        self._scored: OrderedDict[tuple[str, frozenset], np.ndarray] = OrderedDict()
        self._scored_bytes = 0
        self._ranked: dict[tuple, list[int]] = {}  # a pool's order for a member, by the same kind of key

    def model(self) -> Model | None:
        return self._holder.get()

    def wait_for_swap(self, timeout: float = 10.0) -> None:
        """Block until a model load in flight has finished (for the CLI and tests)."""
        self._holder.wait_idle(timeout)

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
        if "status" not in model._cache:  # once per model: counting its ratings is a pass over every title
            model._cache["status"] = ModelStatus("ready", f"Lists are ordered for you by a model trained on "
                                                          f"{int(model.item_counts.sum()):,} ratings{_when(model.version)}.")
        return model._cache["status"]

    def _training(self) -> tuple[int, int] | None:
        try:
            progress = json.loads((self.model_dir / self.TRAINING_MARKER).read_text())
            return int(progress.get("done", 0)), int(progress.get("total", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return None

    @staticmethod
    def _fold_in(model: Model, ratings: Ratings):
        items = list(ratings)
        return fold_in(model, items, [ratings[i] for i in items])

    def scores(self, ratings: Ratings, ids: list[int]) -> list[float] | None:
        """Predicted liking of ``ids`` for a member with ``ratings`` (titles the model does not know last)."""
        if (model := self.model()) is None:
            return None
        return self._scores_of(model, ratings, ids).tolist()

    def ranked(self, ratings: Ratings, ids: list[int], shows: bool = False) -> list[int] | None:
        """Positions into ``ids`` (movie ids, or show ids with ``shows``), the member's best first;
        ties keep the order of ``ids``, and titles the model does not know come last."""
        if (model := self.model()) is None:
            return None
        key = (model.version, frozenset(ratings.items()), tuple(ids), shows)
        if (order := self._ranked.get(key)) is None:
            items = [show_item_id(show) for show in ids] if shows else ids
            order = self._ranked[key] = np.argsort(-self._scores_of(model, ratings, items), kind="stable").tolist()
            if len(self._ranked) > 256:  # the pools members page through; a few KB each
                self._ranked.pop(next(iter(self._ranked)))
        return order

    def _scores_of(self, model: Model, ratings: Ratings, ids: list[int]) -> np.ndarray:
        index = model.item_index(np.asarray(ids, dtype=model.item_ids.dtype))
        return np.where(index >= 0, self._every_score(model, ratings)[index], -np.inf)

    SCORED_BYTES = 16 * 2**20  # 160 members' scores at 25k titles, 40 at 100k

    def _every_score(self, model: Model, ratings: Ratings) -> np.ndarray:
        key = (model.version, frozenset(ratings.items()))
        if (every := self._scored.get(key)) is not None:
            self._scored.move_to_end(key)
            return every
        every = ranking.scores(model, self._fold_in(model, ratings))
        every.flags.writeable = False  # shared by every page of this member's until they rate again
        self._scored[key] = every
        self._scored_bytes += every.nbytes
        while self._scored_bytes > self.SCORED_BYTES and len(self._scored) > 1:
            self._scored_bytes -= self._scored.popitem(last=False)[1].nbytes
        return every

    def top(self, ratings: Ratings, k: int, exclude: set[int]) -> list[int] | None:
        """The member's best ``k`` titles, leaving out what they rated and ``exclude``."""
        if (model := self.model()) is None:
            return None
        every = self._every_score(model, ratings).copy()
        return [item for item, _ in ranking.best(model, every, k, exclude={*exclude, *ratings})]

    def to_ask(self, k: int, exclude: set[int]) -> list[int] | None:
        """Titles a new member should rate first: likely seen, and telling about their taste."""
        if (model := self.model()) is None:
            return None
        return pick_titles(model, k, exclude=exclude)

    def because(self, ratings: Ratings, movie_id: int, k: int) -> list[int] | None:
        """The member's rated movies that most explain ``movie_id``'s place in their list."""
        if (model := self.model()) is None:
            return None
        items = list(ratings)
        return [item for item, _ in ranking.explain(model, (items, [ratings[i] for i in items]), movie_id, top=k)]

    def show_scores(self, ratings: Ratings, show_ids: list[int]) -> list[float] | None:
        """Predicted liking of the shows ``show_ids`` (read-model ids) for a member with ``ratings``."""
        return self.scores(ratings, [show_item_id(show) for show in show_ids])

    def similar(self, movie_id: int, k: int) -> list[int] | None:
        if (model := self.model()) is None:
            return None
        return [item for item, _ in ranking.similar(model, movie_id, k)] or None


def trained_at(version: str) -> datetime | None:
    """When a model was trained, from its version ("20261125T153000123456Z", UTC); None if not a date."""
    try:
        return datetime.strptime(version[:15], "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _when(version: str) -> str:
    """ " on 25 Nov 2026" from a model version ("" if not a date)."""
    trained = trained_at(version)
    return f" on {trained.day} {trained:%b %Y}" if trained else ""
