"""Write tests/data/toolkit/svm.npz: small problems and scikit-learn's optima for them, which
tests/toolkit/test_sdca.py, test_svm.py and test_linear.py compare tfc.toolkit's SDCA, SVM and
LogisticRegressor with (run by hand; neither tfc nor its tests import scikit-learn).

    /tmp/skenv/bin/python scripts/generate_svm_reference.py

SDCA minimizes (Σ ℓ(y_i, w·x_i) + λ2/2 ||w||²) / n with the bias a column of ones regularized like
the other weights; scikit-learn minimizes ½||w||² + C Σ ℓ, the same optimum for C = 1/λ2 when
``fit_intercept=False`` and the column of ones is part of x.

- ``svm_x`` [100, 4] (3 features and a ones column), ``svm_y`` 0/1, linearly separable with a
  margin; ``svm_l2`` and LinearSVC(loss="hinge", dual=True, C=1/λ2)'s ``svm_weights`` and its
  primal objective ``svm_primal`` in SDCA's normalization.
- ``logistic_x`` [120, 4] (ones column last), ``logistic_y`` 0/1 with label noise; ``logistic_l2``
  and LogisticRegression(C=1/λ2, fit_intercept=False)'s ``logistic_weights`` and ``logistic_primal``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "toolkit"


def separable(rng) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian points labelled by a hyperplane, those within 0.3 of it dropped."""
    x = rng.normal(size=(400, 3))
    score = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    keep = np.flatnonzero(np.abs(score) > 0.3)[:100]
    return with_ones(x[keep]), (score[keep] > 0).astype(np.float64)


def noisy(rng) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from a logistic model, so the classes overlap."""
    x = rng.normal(size=(120, 3))
    p = 1.0 / (1.0 + np.exp(-(x @ np.array([1.5, -1.0, 0.5]) - 0.5)))
    return with_ones(x), (rng.uniform(size=120) < p).astype(np.float64)


def with_ones(x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1))])


def svm_reference(x, y, l2: float) -> tuple[np.ndarray, float]:
    model = LinearSVC(loss="hinge", dual=True, C=1.0 / l2, fit_intercept=False, tol=1e-10, max_iter=1_000_000)
    w = model.fit(x, y).coef_[0]
    primal = (np.maximum(1.0 - (2 * y - 1) * (x @ w), 0.0).sum() + 0.5 * l2 * w @ w) / len(y)
    return w, primal


def logistic_reference(x, y, l2: float) -> tuple[np.ndarray, float]:
    model = LogisticRegression(C=1.0 / l2, fit_intercept=False, tol=1e-12, max_iter=100_000, solver="newton-cg")
    w = model.fit(x, y).coef_[0]
    primal = (np.logaddexp(0.0, -(2 * y - 1) * (x @ w)).sum() + 0.5 * l2 * w @ w) / len(y)
    return w, primal


def main() -> None:
    rng = np.random.default_rng(14)
    svm_x, svm_y = separable(rng)
    logistic_x, logistic_y = noisy(rng)
    svm_l2, logistic_l2 = 1.0, 2.0
    svm_weights, svm_primal = svm_reference(svm_x, svm_y, svm_l2)
    logistic_weights, logistic_primal = logistic_reference(logistic_x, logistic_y, logistic_l2)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / "svm.npz", svm_x=svm_x, svm_y=svm_y, svm_l2=svm_l2, svm_weights=svm_weights, svm_primal=svm_primal,
             logistic_x=logistic_x, logistic_y=logistic_y, logistic_l2=logistic_l2, logistic_weights=logistic_weights,
             logistic_primal=logistic_primal, sklearn_version=sklearn.__version__)
    print(f"svm: w={svm_weights} primal={svm_primal:.10f}; logistic: w={logistic_weights} primal={logistic_primal:.10f}")


if __name__ == "__main__":
    main()
