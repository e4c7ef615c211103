"""The training input: a compact struct of (user, item, rating) arrays, and the titles users dismissed."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Csr:
    """Rows of one side (users or items) as compressed sparse rows."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.indptr)


def to_csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int) -> Csr:
    """Group (row, col, value) triples by row; order within a row is stable."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return Csr(indptr, cols[order].astype(np.int32), values[order])


@dataclass(frozen=True)
class RatingsMatrix:
    """Ratings as parallel arrays of user index, item index and rating.

    `user_ids[u]` / `item_ids[i]` map the dense indices back to external ids
    (movie ids today; shows get ids from `recommender.tv.show_item_id`).
    `dismissed_users[n]` / `dismissed_items[n]` (dense indices) are the titles users marked
    "not interested" and did not rate (see `with_dismissals`); only the implicit head reads them.
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    user_ids: np.ndarray
    item_ids: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    dismissed_users: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    dismissed_items: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))

    @classmethod
    def from_triples(cls, users, items, ratings) -> "RatingsMatrix":
        """Build from external ids; a repeated (user, item) keeps the last rating."""
        user_ids, u = np.unique(np.asarray(users), return_inverse=True)
        item_ids, i = np.unique(np.asarray(items), return_inverse=True)
        r = np.asarray(ratings, dtype=np.float32)
        key = u.astype(np.int64) * len(item_ids) + i
        _, last = np.unique(key[::-1], return_index=True)
        keep = np.sort(len(key) - 1 - last)
        return cls(u[keep].astype(np.int32), i[keep].astype(np.int32), r[keep], user_ids, item_ids)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.ratings)

    def by_user(self) -> Csr:
        """Each user's rated items and ratings (cached)."""
        if "u" not in self._cache:
            self._cache["u"] = to_csr(self.users, self.items, self.ratings, self.n_users)
        return self._cache["u"]

    def by_item(self) -> Csr:
        """Each item's raters and ratings (cached)."""
        if "i" not in self._cache:
            self._cache["i"] = to_csr(self.items, self.users, self.ratings, self.n_items)
        return self._cache["i"]

    def subset(self, mask: np.ndarray) -> "RatingsMatrix":
        """The ratings where mask is true, keeping the same id maps (and every dismissal)."""
        return RatingsMatrix(self.users[mask], self.items[mask], self.ratings[mask],
                             self.user_ids, self.item_ids, dismissed_users=self.dismissed_users,
                             dismissed_items=self.dismissed_items)

    @property
    def n_dismissed(self) -> int:
        return len(self.dismissed_items)

    def with_dismissals(self, users, items) -> "RatingsMatrix":
        """A copy that also holds the dismissals ("not interested") of external (user, item) ids.

        Only users and items with ratings here are kept: a title nobody rated has no factors to
        learn from zeros alone, and a user with no rating has nothing to tell apart from them. A
        title the user also rated is not dismissed (the rating says more); repeats count once.
        """
        users, items = np.asarray(users), np.asarray(items)
        if len(users) == 0 or self.n_users == 0:
            return self
        u, i = self.user_index(users), self.item_index(items)
        keep = (u >= 0) & (i >= 0)
        key = np.unique(u[keep] * self.n_items + i[keep])
        mine = np.isin(self.users, np.unique(key // self.n_items))  # only the dismissing users' ratings
        key = key[~np.isin(key, self.users[mine].astype(np.int64) * self.n_items + self.items[mine])]
        return RatingsMatrix(self.users, self.items, self.ratings, self.user_ids, self.item_ids,
                             dismissed_users=(key // self.n_items).astype(np.int32),
                             dismissed_items=(key % self.n_items).astype(np.int32))

    def dismissed_by_user(self) -> Csr:
        """Each user's dismissed items (cached; values are ones)."""
        if "du" not in self._cache:
            self._cache["du"] = to_csr(self.dismissed_users, self.dismissed_items,
                                       np.ones(self.n_dismissed, np.float32), self.n_users)
        return self._cache["du"]

    def dismissed_by_item(self) -> Csr:
        """Each item's dismissing users (cached; values are ones)."""
        if "di" not in self._cache:
            self._cache["di"] = to_csr(self.dismissed_items, self.dismissed_users,
                                       np.ones(self.n_dismissed, np.float32), self.n_items)
        return self._cache["di"]

    def user_index(self, ids) -> np.ndarray:
        """Dense indices of external user ids (-1 where unknown)."""
        return index_of(self.user_ids, ids)

    def item_index(self, ids) -> np.ndarray:
        """Dense indices of external item ids (-1 where unknown)."""
        return index_of(self.item_ids, ids)


def index_of(ids: np.ndarray, query, sorter: np.ndarray | None = None) -> np.ndarray:
    """Positions of `query` ids inside `ids` (-1 where absent); ids need not be sorted."""
    query = np.asarray(query)
    if len(ids) == 0:
        return np.full(query.shape, -1, dtype=np.int64)
    if sorter is None:
        sorter = np.argsort(ids, kind="stable")
    pos = np.clip(np.searchsorted(ids, query, sorter=sorter), 0, len(ids) - 1)
    hit = sorter[pos]
    return np.where(ids[hit] == query, hit, -1).astype(np.int64)
