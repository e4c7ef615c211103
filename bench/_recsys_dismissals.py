"""Part of the ranking section: does "not interested" as a training signal raise nDCG@10 on held-out data?

No log of real dismissals exists, so they are simulated from low ratings (the issue's protocol):
in the training part of the ranking split (75/25 per user, seed 42, as the main ranking table),
every rating <= LOW becomes a dismissal of that title instead of a rating. Three models, same
split, same seeds, same settings (the implicit head's chosen on validation by the ranking section):

* "dismissals only hide" — today's site: the dismissed titles are left out of training and of the
  user's list, nothing else;
* "dismissals as signal" — the same, plus the dismissals as confident zeros of the implicit head
  (confidence 1 + dismissal_alpha, recommender/implicit.py): at the alpha chosen on validation
  (when not 0), and at alpha = implicit_alpha and 10 x implicit_alpha, fixed beforehand;
* "the same titles rated instead" — reference: the low ratings kept as ratings (the main table's
  training data), to show how much those titles tell when rated.

Every model leaves the training part's titles (rated or dismissed) out of a user's top 10, and
the same users are scored (those with a training rating above LOW and a relevant held-out title).
Held-out titles are the 25 % test part, read only here; two relevance readings:
"every held-out rating" (the main table's protocol) and "held-out ratings > LOW" (a held-out rating
<= LOW is a title the user would have dismissed: recommending it is a miss). "held-out ≤ LOW in top
10" is the share of top-10 slots taken by such titles (lower is better).

dismissal_alpha is chosen on a second 75/25 per-user split of the training part only (seed 7), by
nDCG@10 on the validation ratings > LOW; 0 (off) is a candidate. The test part never chooses.
"""
from __future__ import annotations

import time

import numpy as np

from bench import _recsys_data as data
from bench._recsys_report import table
from recommender.evaluation import ranking_report
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import FAST

K = 10
LOW = 2.0  # training ratings <= LOW become dismissals (ml-100k: 1-2 stars; ml-latest-small: 0.5-2)
ALPHAS = (0.0, 1.0, 3.0, 10.0, 30.0, 100.0)
QUICK_ALPHAS = (0.0, 3.0, 30.0)
SPLIT_SEED, INNER_SEED = 42, 7


def dismissal_split(u, i, r) -> RatingsMatrix:
    """Ratings > LOW as ratings, ratings <= LOW as dismissals of users and titles that stay rated."""
    low = r <= LOW
    kept = RatingsMatrix.from_triples(u[~low], i[~low], r[~low])
    return kept.with_dismissals(u[low], i[low])


def top_lists(model, users: np.ndarray, hidden_users, hidden_items, score_table) -> dict:
    """{user: top-K item ids} for users the model knows, their hidden (user, item) pairs left out."""
    u_idx = model.user_index(users)
    assert (u_idx >= 0).all(), "every scored user must be known to the model"
    s = score_table(model, u_idx)
    row_of = np.full(len(model.user_ids), -1)
    row_of[u_idx] = np.arange(len(u_idx))
    known_user = model.user_index(hidden_users)
    rows = np.where(known_user >= 0, row_of[np.maximum(known_user, 0)], -1)
    cols = model.item_index(hidden_items)
    ok = (rows >= 0) & (cols >= 0)
    s[rows[ok], cols[ok]] = -np.inf
    top = np.argsort(-s, axis=1, kind="stable")[:, :K]
    return {x: model.item_ids[row].tolist() for x, row in zip(users.tolist(), top)}


def sets(users, items) -> dict:
    out: dict = {}
    for a, b in zip(users.tolist(), items.tolist()):
        out.setdefault(a, set()).add(b)
    return out


def measure(model, users, hidden, test, score_table) -> dict:
    """nDCG@10 etc. under both relevance readings, and the share of top-10 slots on held-out dislikes."""
    tu, ti, tr = test
    lists = top_lists(model, users, *hidden, score_table)
    every = {x: v for x, v in sets(tu, ti).items() if x in lists}
    liked = {x: v for x, v in sets(tu[tr > LOW], ti[tr > LOW]).items() if x in lists}
    disliked = sets(tu[tr <= LOW], ti[tr <= LOW])
    shown = np.mean([len(set(lists[x]) & disliked.get(x, set())) / K for x in lists])
    return {"every": ranking_report(lists, every, K), "liked": ranking_report(lists, liked, K),
            "disliked_shown": float(shown)}


def scored_users(train: RatingsMatrix, test) -> np.ndarray:
    """Users with a training rating above LOW (so every model knows them) and a held-out title."""
    tu = test[0]
    return np.intersect1d(train.user_ids, np.unique(tu))


def choose_alpha(u, i, r, settings, alphas, score_table, log) -> tuple[float, dict]:
    """dismissal_alpha by validation nDCG@10 (ratings > LOW relevant) on an inner split."""
    inner = data.stratified_split(u, 0.75, seed=INNER_SEED)
    train = dismissal_split(u[inner], i[inner], r[inner])
    valid = (u[~inner], i[~inner], r[~inner])
    users = scored_users(train, valid)
    base = fit(train, settings, seed=0)
    found = {}
    for alpha in alphas:
        model = fit(train, settings.with_(dismissal_alpha=alpha), seed=0) if alpha else base
        found[alpha] = measure(model, users, (u[inner], i[inner]), valid, score_table)["liked"]["ndcg"]
    best = max(alphas, key=lambda a: (found[a], -a))  # ties: the smaller weight
    log(f"  dismissals, validation nDCG@10 (held-out > {LOW:g}) by dismissal_alpha: "
        + ", ".join(f"{a:g}: {v:.4f}" for a, v in found.items()) + f" -> {best:g}")
    return best, found


def run_dataset(name: str, u, i, r, chosen: dict, quick: bool, score_table, log) -> dict:
    settings = FAST.with_(**chosen)
    mask = data.stratified_split(u, 0.75, seed=SPLIT_SEED)
    alpha, validation = choose_alpha(u[mask], i[mask], r[mask], settings, QUICK_ALPHAS if quick else ALPHAS,
                                     score_table, log)
    train = dismissal_split(u[mask], i[mask], r[mask])
    test = (u[~mask], i[~mask], r[~mask])
    hidden = (u[mask], i[mask])  # every training-part title, rated or dismissed, stays out of the list
    users = scored_users(train, test)
    rows = {}
    # Besides the validation's choice, the signal at weights fixed beforehand (as confident as a
    # rating, and ten times that), so the table shows what turning it on does even when
    # validation turns it off. Reported, never chosen from.
    fixed = (settings.implicit_alpha, 10 * settings.implicit_alpha)
    signal = [a for a in dict.fromkeys((alpha, *fixed)) if a > 0]
    for label, matrix, s in (
            ("dismissals only hide" + (" (validation's choice)" if alpha == 0 else ""), train,
             settings.with_(dismissal_alpha=0.0)),
            *((f"dismissals as signal, alpha {a:g}" + (" (validation's choice)" if a == alpha else ""), train,
               settings.with_(dismissal_alpha=a)) for a in signal),
            ("the same titles rated instead", RatingsMatrix.from_triples(u[mask], i[mask], r[mask]), settings)):
        start = time.perf_counter()
        model = fit(matrix, s, seed=0)
        rows[label] = (measure(model, users, hidden, test, score_table), time.perf_counter() - start)
    low = r[mask] <= LOW
    return {"dataset": name, "alpha": alpha, "validation": validation, "rows": rows, "users": len(users),
            "dismissals": int(train.n_dismissed), "low_training_ratings": int(low.sum()),
            "training_ratings": int(mask.sum())}


def run(chosen: dict, quick: bool, score_table, log) -> list[dict]:
    a = data.ml100k_all()
    out = [run_dataset("ml-100k", a[:, 0], a[:, 1], a[:, 2].astype(np.float32), chosen, quick, score_table, log)]
    if not quick:
        out.append(run_dataset("ml-latest-small", *data.ml_small(), chosen, quick, score_table, log))
    return out


def render(results: list[dict]) -> str:
    parts = []
    for res in results:
        rows = [[name, f"{m['every']['ndcg']:.4f}", f"{m['liked']['ndcg']:.4f}", f"{m['liked']['precision']:.4f}",
                 f"{m['disliked_shown']:.4f}", f"{sec:.2f}"] for name, (m, sec) in res["rows"].items()]
        parts.append(table(
            f"Dismissals — {res['dataset']}, 75/25 per user (seed {SPLIT_SEED}), training ratings ≤ {LOW:g} "
            f"as dismissals ({res['dismissals']:,} of {res['training_ratings']:,}), {res['users']} users; "
            f"dismissal_alpha {res['alpha']:g} chosen on validation"
            + (" (off)" if res["alpha"] == 0 else ""),
            ["model", "nDCG@10 (every held-out)", f"nDCG@10 (held-out > {LOW:g})", f"P@10 (> {LOW:g})",
             f"held-out ≤ {LOW:g} in top 10", "fit s"], rows))
    return "\n".join(parts)


