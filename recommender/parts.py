"""Plain containers for the two trained heads of a model."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RatingPart:
    """Biased MF: rating ~ mean + b_u + b_i + p_u . q_i.

    The fold-in of a user solves (G / noise_var + n**exponent * prior_precision) x
    = F^T t / noise_var + n**exponent * prior_precision @ prior_mean for x = [p_u, b_u],
    the same equation training solves for every user (see foldin.py).
    """

    global_mean: float
    user_factors: np.ndarray
    user_bias: np.ndarray
    item_factors: np.ndarray
    item_bias: np.ndarray
    prior_mean: np.ndarray
    prior_precision: np.ndarray
    noise_var: float = 1.0
    reg_exponent: float = 0.0


@dataclass
class ImplicitPart:
    """Weighted MF of "user rated item" (Hu, Koren & Volinsky 2008).

    A title the user dismissed ("not interested") is a zero with confidence
    1 + dismissal_alpha (see implicit.py); 0 means dismissals were not trained on.
    """

    user_factors: np.ndarray
    item_factors: np.ndarray
    gramian: np.ndarray  # item_factors^T item_factors, cached for fold-in
    reg: float
    alpha: float
    dismissal_alpha: float = 0.0
