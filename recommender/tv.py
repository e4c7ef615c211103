"""TV shows as items of the same model as movies.

A show becomes one item with its own id range. Users rate shows directly or
rate episodes; a user's episode ratings of a show turn into one show rating
(their own show rating wins when both exist), so shows are trained, folded
in, ranked and explained exactly like movies.
"""
from __future__ import annotations

import numpy as np

SHOW_ID_BASE = 1_000_000_000  # movie ids stay far below this


def show_item_id(tconst) -> int:
    """Item id of a show from its IMDb id ("tt0903747" -> 1_000_903_747)."""
    return SHOW_ID_BASE + int(str(tconst).lstrip("t"))


def is_show(item_ids) -> np.ndarray:
    """True where an item id is a show."""
    return np.asarray(item_ids) >= SHOW_ID_BASE


def show_ratings(show_users, show_items, show_values, episode_users, episode_items,
                 episode_values, damping: float = 2.0):
    """(users, items, ratings) with one rating per (user, show).

    Episode ratings of a show (episode_items are the show's item id) average
    into a show rating, damped toward that show's mean episode rating so one
    rated episode says less than a season.
    """
    eu, ei = np.asarray(episode_users), np.asarray(episode_items)
    ev = np.asarray(episode_values, float)
    shows, show_idx = np.unique(ei, return_inverse=True)
    show_mean = np.bincount(show_idx, ev) / np.maximum(np.bincount(show_idx), 1)
    # (user, show) pairs by index, so string user ids and integer item ids never share an array
    users, user_idx = np.unique(eu, return_inverse=True)
    pairs, pair_idx = np.unique(user_idx.astype(np.int64) * len(shows) + show_idx, return_inverse=True)
    pair_users, pair_shows = users[pairs // len(shows)], pairs % len(shows)
    n = np.bincount(pair_idx)
    total = np.bincount(pair_idx, ev)
    from_episodes = (total + damping * show_mean[pair_shows]) / (n + damping)
    su, si, sv = np.asarray(show_users), np.asarray(show_items), np.asarray(show_values, float)
    direct = set(zip(su.tolist(), si.tolist()))
    keep = np.array([(u, i) not in direct for u, i in zip(pair_users.tolist(), shows[pair_shows].tolist())],
                    dtype=bool)
    return (np.r_[su, pair_users[keep]], np.r_[si, shows[pair_shows][keep]], np.r_[sv, from_episodes[keep]])


def imdb_stats(votes, rating_out_of_10):
    """Catalog (count, mean on the 0.5-5 star scale) for the prior from IMDb figures."""
    return np.asarray(votes, float), np.asarray(rating_out_of_10, float) / 2.0
