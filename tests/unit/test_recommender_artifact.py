"""Model files round-trip, and the holder swaps models under concurrent readers."""
import threading

import numpy as np

from recommender import artifact
from recommender.model import fit
from recommender.settings import FAST
from recommender.toy import two_tastes


def small_model(seed=0, **changes):
    return fit(two_tastes(), FAST.with_(sweeps=6, implicit_epochs=2, **changes), seed=seed, trained_up_to=41)


def test_round_trip_keeps_every_array_and_the_metadata(tmp_path):
    model = small_model()
    model.metrics = {"rmse": 0.9}
    path = artifact.save(model, tmp_path)
    assert path.exists() and (tmp_path / "LATEST").read_text() == model.version
    back = artifact.load_latest(tmp_path)
    assert (back.version, back.trained_up_to, back.metrics) == (model.version, 41, {"rmse": 0.9})
    assert back.training_seconds == model.training_seconds and back.settings == model.settings
    for name in ("user_factors", "user_bias", "item_factors", "item_bias", "prior_precision"):
        np.testing.assert_array_equal(getattr(back.rating, name), getattr(model.rating, name))
    np.testing.assert_array_equal(back.implicit.item_factors, model.implicit.item_factors)
    np.testing.assert_array_equal(back.item_ids, model.item_ids)


def test_model_without_implicit_head_round_trips(tmp_path):
    artifact.save(small_model(implicit_rank=0), tmp_path)
    assert artifact.load_latest(tmp_path).implicit is None


def test_empty_directory_has_no_model(tmp_path):
    assert artifact.load_latest(tmp_path) is None
    assert artifact.ModelHolder(tmp_path).get() is None


def test_prune_keeps_the_newest_and_the_served(tmp_path):
    models = [small_model(seed=s) for s in range(4)]
    for m in models:
        artifact.save(m, tmp_path)
    artifact.prune(tmp_path, keep=2)
    left = sorted(p.name for p in tmp_path.glob("model-*.npz"))
    assert left == [f"model-{m.version}.npz" for m in models[2:]]


def test_holder_hot_swaps_while_readers_keep_reading(tmp_path):
    first, second = small_model(seed=1), small_model(seed=2)
    artifact.save(first, tmp_path)
    holder = artifact.ModelHolder(tmp_path, check_every=0.0)
    seen, errors, stop = set(), [], threading.Event()

    def reader():
        while not stop.is_set():
            m = holder.get()
            try:
                assert m is not None and len(m.item_ids) == m.rating.item_factors.shape[0]
                seen.add(m.version)
            except AssertionError as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    artifact.save(second, tmp_path)
    for _ in range(200):
        if holder.get().version == second.version:
            break
        holder.wait_idle()
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert holder.get().version == second.version
    assert seen <= {first.version, second.version}


def test_holder_checks_at_most_every_n_seconds(tmp_path):
    now = [0.0]
    artifact.save(small_model(seed=1), tmp_path)
    holder = artifact.ModelHolder(tmp_path, check_every=60.0, clock=lambda: now[0])
    newer = small_model(seed=2)
    artifact.save(newer, tmp_path)
    assert holder.get().version != newer.version  # not yet time to look
    now[0] = 61.0
    holder.get()
    holder.wait_idle()
    assert holder.get().version == newer.version
