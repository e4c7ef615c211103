"""Train a model from a RatingsMatrix; the Model is a plain bundle of arrays."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from recommender.als import train_als
from recommender.gibbs import train_gibbs
from recommender.implicit import train_implicit
from recommender.matrix import RatingsMatrix, index_of
from recommender.parts import ImplicitPart, RatingPart
from recommender.settings import Settings


@dataclass
class Model:
    """A trained recommender: id maps, both heads, popularity and lifecycle metadata."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    rating: RatingPart
    implicit: ImplicitPart | None
    item_counts: np.ndarray
    item_rating_sums: np.ndarray
    rating_range: tuple
    settings: dict
    version: str = ""
    trained_up_to: int = 0
    metrics: dict = field(default_factory=dict)
    training_seconds: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def global_mean(self) -> float:
        return self.rating.global_mean

    def item_index(self, ids) -> np.ndarray:
        """Dense indices of external item ids (-1 where the model has no such item)."""
        if "item_sorter" not in self._cache:
            self._cache["item_sorter"] = np.argsort(self.item_ids, kind="stable")
        return index_of(self.item_ids, ids, self._cache["item_sorter"])

    def user_index(self, ids) -> np.ndarray:
        """Dense indices of external user ids (-1 for users not in training)."""
        if "user_sorter" not in self._cache:
            self._cache["user_sorter"] = np.argsort(self.user_ids, kind="stable")
        return index_of(self.user_ids, ids, self._cache["user_sorter"])


def new_version() -> str:
    """Sortable, unique-enough version label: UTC time to the microsecond."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def fit(matrix: RatingsMatrix, settings: Settings, seed: int = 0, progress=None,
        trained_up_to: int = 0) -> Model:
    """Train both heads; deterministic for a given seed. progress(done, total) is optional."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    rating_steps = settings.sweeps if settings.method == "gibbs" else settings.epochs
    implicit_steps = settings.implicit_epochs if settings.implicit_rank > 0 else 0
    total = rating_steps + implicit_steps
    report = (lambda done, _: progress(done, total)) if progress else None
    trainer = {"gibbs": train_gibbs, "als": train_als}[settings.method]
    rating = trainer(matrix, settings, rng, report)
    implicit = None
    if implicit_steps:
        shifted = (lambda done, _: progress(rating_steps + done, total)) if progress else None
        implicit = train_implicit(matrix, settings, rng, shifted)
    model = Model(
        user_ids=matrix.user_ids, item_ids=matrix.item_ids,
        rating=_as_float32(rating), implicit=implicit,
        item_counts=np.bincount(matrix.items, minlength=matrix.n_items).astype(np.float32),
        item_rating_sums=np.bincount(matrix.items, matrix.ratings, matrix.n_items).astype(np.float32),
        rating_range=(float(matrix.ratings.min()), float(matrix.ratings.max())),
        settings=settings.as_dict(), version=new_version(), trained_up_to=trained_up_to)
    model.metrics = training_metrics(model, matrix, rng)
    model.training_seconds = time.perf_counter() - start
    return model


def training_metrics(model: "Model", matrix: RatingsMatrix, rng, sample: int = 200_000) -> dict:
    """Sizes and the training RMSE (on a sample of at most `sample` ratings)."""
    pick = rng.choice(len(matrix), size=min(sample, len(matrix)), replace=False)
    err = predict(model, matrix.users[pick], matrix.items[pick]) - matrix.ratings[pick]
    return {"ratings": len(matrix), "users": matrix.n_users, "items": matrix.n_items,
            "dismissals": matrix.n_dismissed, "train_rmse": float(np.sqrt(np.mean(err.astype(np.float64) ** 2)))}


def _as_float32(part: RatingPart) -> RatingPart:
    for name in ("user_factors", "user_bias", "item_factors", "item_bias"):
        setattr(part, name, np.ascontiguousarray(getattr(part, name), dtype=np.float32))
    return part


def predict(model: Model, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Predicted ratings for dense (user, item) index pairs of trained users, clipped."""
    r = model.rating
    raw = (r.global_mean + r.user_bias[users] + r.item_bias[items]
           + np.einsum("nk,nk->n", r.user_factors[users], r.item_factors[items]))
    return np.clip(raw, *model.rating_range)


def predict_ids(model: Model, user_ids, item_ids) -> np.ndarray:
    """Predicted ratings for external ids; unknown users/items fall back to the biases known."""
    u, i = model.user_index(np.asarray(user_ids)), model.item_index(np.asarray(item_ids))
    r = model.rating
    uk, ik = u >= 0, i >= 0
    raw = np.full(len(u), r.global_mean, dtype=np.float64)
    raw[uk] += r.user_bias[u[uk]]
    raw[ik] += r.item_bias[i[ik]]
    both = uk & ik
    raw[both] += np.einsum("nk,nk->n", r.user_factors[u[both]], r.item_factors[i[both]])
    return np.clip(raw, *model.rating_range)
