"""Model files: versioned .npz + .json, a LATEST pointer, and a hot-swapping holder.

Layout of a model directory:
  model-<version>.npz   arrays      model-<version>.json   metadata
  LATEST                the version to serve (replaced atomically, last)
Every file is written to a temporary name and renamed, so a reader sees
either the old complete model or the new complete model, never a torn one.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from recommender.model import Model
from recommender.parts import ImplicitPart, RatingPart

POINTER = "LATEST"
RATING_ARRAYS = ("user_factors", "user_bias", "item_factors", "item_bias", "prior_mean", "prior_precision")
IMPLICIT_ARRAYS = ("user_factors", "item_factors", "gramian")


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _arrays(model: Model) -> dict:
    out = {"user_ids": model.user_ids, "item_ids": model.item_ids,
           "item_counts": model.item_counts, "item_rating_sums": model.item_rating_sums}
    out.update({f"rating.{n}": getattr(model.rating, n) for n in RATING_ARRAYS})
    if model.implicit is not None:
        out.update({f"implicit.{n}": getattr(model.implicit, n) for n in IMPLICIT_ARRAYS})
    return out


def _metadata(model: Model) -> dict:
    r, imp = model.rating, model.implicit
    return {"version": model.version, "trained_up_to": model.trained_up_to,
            "metrics": model.metrics, "training_seconds": model.training_seconds,
            "settings": model.settings, "rating_range": list(model.rating_range),
            "global_mean": r.global_mean, "noise_var": r.noise_var, "reg_exponent": r.reg_exponent,
            "implicit": None if imp is None else {"reg": imp.reg, "alpha": imp.alpha,
                                                   "dismissal_alpha": imp.dismissal_alpha}}


def save(model: Model, directory) -> Path:
    """Write the model's files, then point LATEST at it; returns the .npz path."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    npz = d / f"model-{model.version}.npz"
    _atomic_write(npz, lambda f: np.savez(f, **_arrays(model)))
    meta = json.dumps(_metadata(model), indent=1, default=float).encode()
    _atomic_write(d / f"model-{model.version}.json", lambda f: f.write(meta))
    _atomic_write(d / POINTER, lambda f: f.write(model.version.encode()))
    return npz


def load(directory, version: str) -> Model:
    """Load one version from a model directory."""
    d = Path(directory)
    meta = json.loads((d / f"model-{version}.json").read_text())
    with np.load(d / f"model-{version}.npz", allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    rating = RatingPart(meta["global_mean"], *(a[f"rating.{n}"] for n in RATING_ARRAYS),
                        noise_var=meta["noise_var"], reg_exponent=meta["reg_exponent"])
    imp = meta["implicit"]
    implicit = None if imp is None else ImplicitPart(
        *(a[f"implicit.{n}"] for n in IMPLICIT_ARRAYS), reg=imp["reg"], alpha=imp["alpha"],
        dismissal_alpha=imp.get("dismissal_alpha", 0.0))  # models saved before dismissals: 0
    return Model(a["user_ids"], a["item_ids"], rating, implicit, a["item_counts"],
                 a["item_rating_sums"], tuple(meta["rating_range"]), meta["settings"],
                 meta["version"], meta["trained_up_to"], meta["metrics"], meta["training_seconds"])


def latest_version(directory) -> str | None:
    """The version LATEST points at, or None."""
    try:
        return (Path(directory) / POINTER).read_text().strip() or None
    except FileNotFoundError:
        return None


def load_latest(directory) -> Model | None:
    """The model LATEST points at, or None when the directory has none yet."""
    version = latest_version(directory)
    return None if version is None else load(directory, version)


def prune(directory, keep: int = 3) -> None:
    """Delete all but the newest `keep` versions (never the one LATEST names)."""
    d = Path(directory)
    current = latest_version(d)
    versions = sorted(p.name[6:-5] for p in d.glob("model-*.json"))
    for v in versions[:-keep] if keep else versions:
        if v != current:
            for suffix in (".npz", ".json"):
                (d / f"model-{v}{suffix}").unlink(missing_ok=True)


class ModelHolder:
    """Thread-safe access to the newest model of a directory, swapped in without restarts.

    At most every `check_every` seconds `get()` stats the LATEST pointer; when
    that changed, one background thread loads the new model and swaps the
    reference (an atomic assignment), so readers never wait. The first model is
    the exception: with none to serve meanwhile, the call that notices it loads it.
    """

    def __init__(self, directory, check_every: float = 5.0, clock=time.monotonic):
        self.directory, self.check_every, self.clock = Path(directory), check_every, clock
        self._loading = threading.Lock()
        self._stamp = self._pointer_stamp()
        self._model = load_latest(self.directory)
        self._next_check = clock() + check_every

    def _pointer_stamp(self):
        try:
            st = os.stat(self.directory / POINTER)
            return st.st_mtime_ns, st.st_ino, st.st_size
        except FileNotFoundError:
            return None

    def get(self) -> Model | None:
        """The current model (None until a first one exists)."""
        now = self.clock()
        if now >= self._next_check:
            self._next_check = now + self.check_every
            stamp = self._pointer_stamp()
            if stamp != self._stamp and self._loading.acquire(blocking=False):
                if self._model is None:  # the first model: nothing to keep serving, so load it now
                    self._reload(stamp)
                else:
                    threading.Thread(target=self._reload, args=(stamp,), daemon=True).start()
        return self._model

    def _reload(self, stamp) -> None:
        try:
            model = load_latest(self.directory)
            if model is not None:
                self._model = model
            self._stamp = stamp
        except (OSError, ValueError, KeyError):
            pass  # keep serving the old model; the next check retries
        finally:
            self._loading.release()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no load is in flight (for tests and the CLI)."""
        if self._loading.acquire(timeout=timeout):
            self._loading.release()
