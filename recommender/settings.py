"""Training settings and the two named presets measured by the benchmark."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Settings:
    """Everything `model.fit` needs besides the data and the seed.

    method: "gibbs" (Bayesian biased MF, posterior averaged) or "als"
    (ridge-regularised biased MF, a MAP point estimate).
    """

    method: str = "gibbs"
    rank: int = 6
    # Gibbs: sweeps in total, the first `burn_in` discarded, every `thin`-th kept.
    sweeps: int = 24
    burn_in: int = 4
    thin: int = 1
    posterior_rank: int = 32  # rank of the compressed posterior-mean factors
    noise_shape: float = 2.0  # per-user noise scale ~ Gamma(a, a); 0 = one noise level
    # ALS: epochs and ridge penalties, scaled by n_ratings ** reg_exponent.
    epochs: int = 10
    reg_factors: float = 0.1
    reg_user_bias: float = 0.1
    reg_item_bias: float = 0.1
    reg_exponent: float = 1.0
    # Implicit-feedback head for ranking (0 disables it): weighted ALS over
    # "has rated", confidence 1 + implicit_alpha.
    implicit_rank: int = 32
    implicit_reg: float = 30.0
    implicit_alpha: float = 3.0
    implicit_epochs: int = 6
    # "Not interested" as a confident zero of the implicit head: a dismissed title gets preference 0
    # with confidence 1 + dismissal_alpha (an untouched one has 1); 0 = dismissals only hide titles.
    # Off: on held-out data it lowered nDCG@10 at every weight tried (bench/README-recommender.md).
    dismissal_alpha: float = 0.0
    # Ranking blend: implicit score + rating_weight * (predicted rating - mean).
    rating_weight: float = 0.02
    # Pseudo-ratings at the global mean behind the zero-rating popularity order.
    popularity_damping: float = 1000.0

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


# Fit-time budget of Surprise's SVD, RMSE below its SVD++ (see bench/README-recommender.md).
FAST = Settings(method="gibbs", rank=6, sweeps=24, burn_in=4)
# Fit-time budget of Surprise's SVD++, RMSE <= 0.900 on ml-100k.
BEST = Settings(method="gibbs", rank=6, sweeps=600, burn_in=20)
PRESETS = {"fast": FAST, "best": BEST}
