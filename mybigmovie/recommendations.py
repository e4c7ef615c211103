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
from typing import Callable, Hashable

import numpy as np

from mybigmovie import i18n
from mybigmovie.i18n import gettext as _

from recommender import ranking
from recommender.artifact import ModelHolder
from recommender.foldin import UserState, fold_in
from recommender.model import Model
from recommender.onboarding import pick_titles
from recommender.tv import is_show, show_item_id

LIKED = 3.5  # a rating at least this is one the member would call liking the title
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


@dataclass(frozen=True, slots=True)
class Guess:
    """What the model thinks of a title for a member: the rating it predicts (to the half star) and
    the model item id of the rated title that adds most to the title's score (None: none adds)."""

    stars: float
    because: int | None


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
        # A pool's positions the model knows, their model indices, and the positions it does not
        # know (``order``), by (model, pool).
        self._pool_index: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._tops: dict[tuple, list[int]] = {}  # ``top``'s answers, by (model, ratings, exclude, k, kind)
        self._guessed: dict[tuple, dict[int, Guess]] = {}  # ``guesses``'s answers, by (model, ratings, items)
        self._states: dict[tuple, tuple[UserState, ranking.Explainer]] = {}  # members folded in, the same key
        self._statuses: dict[tuple[str, str], ModelStatus] = {}  # "ready" statuses, by (model, language)

    def model(self) -> Model | None:
        return self._holder.get()

    def wait_for_swap(self, timeout: float = 10.0) -> None:
        """Block until a model load in flight has finished (for the CLI and tests)."""
        self._holder.wait_idle(timeout)

    @property
    def available(self) -> bool:
        return self.model() is not None

    def version(self) -> str | None:
        """The version of the model serving now (None before the first): every answer is the same
        for the same member while it is."""
        model = self.model()
        return model.version if model is not None else None

    def status(self) -> ModelStatus:
        model, training = self.model(), self._training()
        if training is None and model is not None:  # the usual answer, worded once per model and language
            key = (model.version, i18n.current())
            if (said := self._statuses.get(key)) is None:
                if len(self._statuses) > 16:
                    self._statuses.clear()
                said = self._statuses[key] = self._status(model, None)
            return said
        return self._status(model, training)

    def _status(self, model: Model | None, training: tuple[int, int] | None) -> ModelStatus:
        if training is not None:
            done, total = training
            return ModelStatus("training", (_("Retraining the recommender… step %(done)s of %(total)s; your lists "
                                              "use the current model meanwhile.") if model else
                                            _("Retraining the recommender… step %(done)s of %(total)s; lists are "
                                              "ordered by popularity meanwhile.")) % {"done": done, "total": total})
        if model is None:
            return ModelStatus("none", _("No recommender model is trained yet, so lists are ordered by how well "
                                         "liked each title is."))
        if "ratings" not in model._cache:  # once per model: counting its ratings is a pass over every title
            model._cache["ratings"] = int(model.item_counts.sum())
        trained, count = trained_at(model.version), i18n.number(model._cache["ratings"])
        if trained is None:
            return ModelStatus("ready", _("Lists are ordered for you by a model trained on %(count)s ratings.")
                               % {"count": count})
        return ModelStatus("ready", _("Lists are ordered for you by a model trained on %(count)s ratings on %(day)s.")
                           % {"count": count, "day": i18n.day(trained, "d MMM y")})

    def _training(self) -> tuple[int, int] | None:
        try:
            progress = json.loads((self.model_dir / self.TRAINING_MARKER).read_text())
            return int(progress.get("done", 0)), int(progress.get("total", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return None

    def _state(self, model: Model, ratings: Ratings) -> tuple[UserState, ranking.Explainer]:
        """The member folded into ``model`` and their side of its explanations, kept per (model,
        ratings) like their scores."""
        key = (model.version, frozenset(ratings.items()))
        if (found := self._states.get(key)) is None:
            items = list(ratings)
            state = fold_in(model, items, [ratings[i] for i in items])
            found = self._states[key] = (state, ranking.explainer(model, state))
            if len(self._states) > 512:  # tens of KB each at most (a few hundred ratings)
                self._states.pop(next(iter(self._states)))
        return found

    def scores(self, ratings: Ratings, ids: list[int]) -> list[float] | None:
        """Predicted liking of ``ids`` for a member with ``ratings`` (titles the model does not know last)."""
        if (model := self.model()) is None:
            return None
        return self._scores_of(model, ratings, ids).tolist()

    def order(self, ratings: Ratings, pool: Hashable, items: Callable[[], list[int]], stop: int,
              hidden: np.ndarray | None = None) -> np.ndarray | None:
        """The first ``stop`` positions into a pool of titles in the member's order: ``items()`` gives
        the pool's model item ids (movie ids, ``show_item_id`` of shows), asked once per ``pool`` key
        (a key that changes when the pool does); ``hidden`` marks positions to leave out. Ties keep
        the pool's order, and titles the model does not know come last, in the pool's order.

        One top-N over the member's kept scores (a partial sort): a whole catalog costs well under
        a millisecond for the first pages, and a sort of ``stop`` titles for the deep ones."""
        if (model := self.model()) is None:
            return None
        indices = (model.version, pool)
        if (found := self._pool_index.get(indices)) is None:
            index = model.item_index(np.asarray(items(), dtype=model.item_ids.dtype))
            known = np.flatnonzero(index >= 0)
            found = self._pool_index[indices] = (known, index[known], np.flatnonzero(index < 0))
            if len(self._pool_index) > 64:  # one per list and filter in use
                self._pool_index.pop(next(iter(self._pool_index)))
        known, index, unknown = found
        values = self._every_score(model, ratings)[index]  # a copy: the kept scores stay as they are
        if hidden is not None:
            values[hidden[known]] = -np.inf
            unknown = unknown[~hidden[unknown]]
        if stop < len(values):
            edge = values[np.argpartition(-values, stop - 1)[stop - 1]]  # the stop-th best score
            top = np.flatnonzero(values >= edge)  # with every title tied at the edge: the pool's order picks
            known, values = known[top], values[top]
        best = np.lexsort((known, -values))  # best first; the pool's order breaks ties
        ordered = known[best][np.isfinite(values[best])][:stop]  # hidden ones are out
        if len(ordered) < stop:
            ordered = np.concatenate([ordered, unknown[:stop - len(ordered)]])
        return ordered

    def _scores_of(self, model: Model, ratings: Ratings, ids: list[int]) -> np.ndarray:
        index = model.item_index(np.asarray(ids, dtype=model.item_ids.dtype))
        return np.where(index >= 0, self._every_score(model, ratings)[index], -np.inf)

    SCORED_BYTES = 16 * 2**20  # 160 members' scores at 25k titles, 40 at 100k

    def _every_score(self, model: Model, ratings: Ratings) -> np.ndarray:
        key = (model.version, frozenset(ratings.items()))
        if (every := self._scored.get(key)) is not None:
            self._scored.move_to_end(key)
            return every
        every = ranking.scores(model, self._state(model, ratings)[0])
        every.flags.writeable = False  # shared by every page of this member's until they rate again
        self._scored[key] = every
        self._scored_bytes += every.nbytes
        while self._scored_bytes > self.SCORED_BYTES and len(self._scored) > 1:
            self._scored_bytes -= self._scored.popitem(last=False)[1].nbytes
        return every

    def top(self, ratings: Ratings, k: int, exclude: set[int], shows: bool = False) -> list[int] | None:
        """The member's best ``k`` movies (shows' item ids with ``shows``) over the whole model,
        leaving out what they rated and ``exclude`` (model item ids)."""
        if (model := self.model()) is None:
            return None
        key = (model.version, frozenset(ratings.items()), frozenset(exclude), k, shows)
        if (found := self._tops.get(key)) is None:  # the same member's home page, asked again
            kind = _items_of_kind(model, shows)  # this kind's items: a top over them only
            scores = self._every_score(model, ratings)[kind]  # a copy
            left_out = model.item_index(np.fromiter({*exclude, *ratings}, dtype=model.item_ids.dtype))
            scores[np.isin(kind, left_out)] = -np.inf
            found = self._tops[key] = [model.item_ids[kind[p]].item() for p in ranking.top_positions(scores, k)
                                       if np.isfinite(scores[p])]
            if len(self._tops) > 1024:  # k ids each
                self._tops.pop(next(iter(self._tops)))
        return found

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

    def guesses(self, ratings: Ratings, items: list[int]) -> dict[int, "Guess"] | None:
        """What the model thinks of each of ``items`` (model item ids: movie ids, or ``show_item_id``
        of shows) for a member with ``ratings``: the rating it predicts and the rated item that adds
        most to the title's place in their list (of the ones they liked, when one of those adds).
        Nothing for items the model does not know or that the member rated; None without a model or
        ratings (nothing to fold in). Kept per page asked (model, ratings, items)."""
        if (model := self.model()) is None or not ratings:
            return None
        key = (model.version, frozenset(ratings.items()), tuple(items))
        if (found := self._guessed.get(key)) is None:  # a page asked again (reloaded, paged back to)
            found = self._guessed[key] = self._guesses(model, ratings, items)
            if len(self._guessed) > 1024:  # a page's worth each: a few KB
                self._guessed.pop(next(iter(self._guessed)))
        return found

    def _guesses(self, model: Model, ratings: Ratings, items: list[int]) -> dict[int, Guess]:
        asked = [item for item in items if item not in ratings]
        idx = model.item_index(np.asarray(asked, dtype=model.item_ids.dtype))
        known = idx >= 0
        if not known.any():
            return {}
        asked, idx = [item for item, k in zip(asked, known) if k], idx[known]
        state, explainer = self._state(model, ratings)
        stars = ranking.predicted_ratings(model, state, idx)
        best, _ = ranking.strongest_reasons(model, explainer, idx, liked=LIKED)
        rated_ids = model.item_ids[state.rated]
        return {item: Guess(round(float(s) * 2) / 2, int(rated_ids[b]) if b >= 0 else None)
                for item, s, b in zip(asked, stars.tolist(), best.tolist())}

    def show_scores(self, ratings: Ratings, show_ids: list[int]) -> list[float] | None:
        """Predicted liking of the shows ``show_ids`` (read-model ids) for a member with ``ratings``."""
        return self.scores(ratings, [show_item_id(show) for show in show_ids])

    def similar(self, movie_id: int, k: int) -> list[int] | None:
        if (model := self.model()) is None:
            return None
        return [item for item, _ in ranking.similar(model, movie_id, k)] or None

    def similar_shows(self, show_id: int, k: int) -> list[int] | None:
        """The shows (read-model ids) most like the show ``show_id``, most similar first: shows only,
        whatever movies sit between them. None without a model; [] for a show the model does not know."""
        if (model := self.model()) is None:
            return None
        from recommender.tv import SHOW_ID_BASE
        key = ("similar shows", show_id)
        if (found := model._cache.get(key)) is None:  # one pass over the model per show, kept with the model
            every = ranking.similar(model, show_item_id(show_id), len(model.item_ids))
            found = model._cache[key] = tuple(item - SHOW_ID_BASE for item, _ in every if item >= SHOW_ID_BASE)[:64]
            shows = [name for name in model._cache if isinstance(name, tuple) and name[0] == "similar shows"]
            for old in shows[:-256]:  # the most recent 256 shows asked for
                model._cache.pop(old, None)
        return list(found[:k])

    def because_show(self, ratings: Ratings, show_id: int, k: int) -> list[tuple[str, int]] | None:
        """The member's rated titles that most explain the show ``show_id``'s place in their list,
        largest share first: ("movie", movie id) or ("show", show id). None without a model."""
        from recommender.tv import SHOW_ID_BASE
        items = self.because(ratings, show_item_id(show_id), k)
        if items is None:
            return None
        return [("show", item - SHOW_ID_BASE) if item >= SHOW_ID_BASE else ("movie", item) for item in items]


def _items_of_kind(model: Model, shows: bool) -> np.ndarray:
    """The dense indices of the model's shows (or movies)."""
    key = ("items of kind", shows)
    if key not in model._cache:
        model._cache[key] = np.flatnonzero(is_show(model.item_ids) == shows)
    return model._cache[key]


def trained_at(version: str) -> datetime | None:
    """When a model was trained, from its version ("20261125T153000123456Z", UTC); None if not a date."""
    try:
        return datetime.strptime(version[:15], "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


