"""Stochastic dual coordinate ascent (Shalev-Shwartz & Zhang), as TensorFlow contrib's
``SDCAOptimizer`` runs it for linear models, compiled as one tfc program.

The problem (contrib's normalization, W the sum of example weights ω):

    P(w) = (Σ ω_i ℓ(y_i, w·x_i) + λ2/2 ||w||² + λ1 ||w||₁) / W

Each example has a dual variable α_i; v = (1/λ2) Σ ω_i α_i x_i and w = shrink(v, λ1/λ2) (proximal
SDCA for the L1 term). An epoch visits every example once, in a seeded order, and moves its α_i to
the maximum of the dual along that coordinate with contrib's closed forms ("hinge_loss",
"smooth_hinge_loss", "squared_loss") or Newton steps ("logistic_loss"). The dual

    D(α) = (Σ ω_i (-ℓ*_i(-α_i)) - λ2/2 ||w||²) / W

is never above P(w), so the duality gap P - D bounds the distance to the optimum; training stops
once it is at most ``tolerance`` · |P|. Margin losses take labels 0/1 (contrib turns them into ∓1);
their duals carry the label's sign, as contrib's do.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import tfc
from tfc.frontend.tensor import emit

LOSSES = ("hinge_loss", "logistic_loss", "squared_loss", "smooth_hinge_loss")
MARGIN_LOSSES = ("hinge_loss", "logistic_loss", "smooth_hinge_loss")
SMOOTHING = 1.0  # contrib's smooth hinge gamma
NEWTON_STEPS = 12  # the logistic dual's Newton solve converges quadratically; contrib uses 10
ORDERS = 8  # distinct seeded example orders, cycled over the epochs


class SDCAResult(NamedTuple):
    """What :func:`minimize` reaches."""

    weights: np.ndarray
    """[d] the primal weights w = shrink(v)."""
    duals: np.ndarray
    """[n] one dual variable per example (signed like the label for margin losses)."""
    primal: float
    """P(w), the regularized primal objective."""
    dual: float
    """D(α); primal - dual is the duality gap."""
    epochs: int
    """Epochs run (fewer than asked when the gap fell below the tolerance)."""
    unshrunk: np.ndarray
    """[d] v = (1/λ2) Σ ω α x, the weights before the L1 shrinkage: the state to continue from."""


# ---- the loss functions: primal loss, dual term, coordinate step --------------------------------
def _shrink(v, shrinkage):
    """Soft thresholding: the proximal step of the L1 term."""
    return tfc.sign(v) * tfc.maximum(tfc.abs(v) - shrinkage, 0.0)


def _primal_losses(loss: str, y, z):
    """ℓ(y, z) per example (y in ±1 for margin losses)."""
    if loss == "squared_loss":
        return 0.5 * tfc.square(z - y)
    margin = y * z
    if loss == "hinge_loss":
        return tfc.maximum(1.0 - margin, 0.0)
    if loss == "smooth_hinge_loss":
        quadratic = tfc.square(tfc.maximum(1.0 - margin, 0.0)) / (2.0 * SMOOTHING)
        return tfc.where(margin <= 1.0 - SMOOTHING, 1.0 - margin - SMOOTHING / 2.0, quadratic)
    return tfc.maximum(-margin, 0.0) + tfc.log1p(tfc.exp(-tfc.abs(margin)))


def _dual_terms(loss: str, y, alpha):
    """-ℓ*(-α) per example: the dual's per-example part."""
    if loss == "squared_loss":
        return y * alpha - 0.5 * tfc.square(alpha)
    a = y * alpha
    if loss == "hinge_loss":
        return a
    if loss == "smooth_hinge_loss":
        return a - SMOOTHING / 2.0 * tfc.square(a)
    inside = tfc.logical_and(a > 0.0, a < 1.0)
    safe = tfc.where(inside, a, tfc.zeros_like(a) + 0.5)
    entropy = -safe * tfc.log(safe) - (1.0 - safe) * tfc.log(1.0 - safe)
    return tfc.where(inside, entropy, tfc.zeros_like(a))


def _logistic_dual(y, alpha, wx, q):
    """The new dual of the logistic loss: with yα = (1 + tanh t)/2, Newton on the increasing
    g(t) = 2t + y·wx + q((1 + tanh t)/2 - yα) from t = 0 (its inflection point, so the iterates
    move monotonically to the root)."""
    old = y * alpha
    t = tfc.zeros_like(wx)
    for _ in range(NEWTON_STEPS):
        th = tfc.tanh(t)
        g = 2.0 * t + y * wx + q * (0.5 * (1.0 + th) - old)
        t = t - g / (2.0 + 0.5 * q * (1.0 - th * th))
    return y * 0.5 * (1.0 + tfc.tanh(t))


def _new_dual(loss: str, y, alpha, wx, q):
    """contrib's ``ComputeUpdatedDual``; q = partitions · ω · ||x||² / λ2."""
    if loss == "squared_loss":
        return alpha + (y - alpha - wx) / (1.0 + q)
    if loss == "logistic_loss":
        return _logistic_dual(y, alpha, wx, q)
    if loss == "hinge_loss":
        candidate = alpha + (y - wx) / q
    else:
        candidate = alpha + (y - wx - SMOOTHING * alpha) / (q + SMOOTHING)
    return y * tfc.clip(y * candidate, 0.0, 1.0)


def _objectives(loss: str, x, y, omega, alpha, v, l1, l2):
    """(P(w), D(α)) for w = shrink(v, l1/l2)."""
    w = _shrink(v, l1 / l2)
    total = tfc.sum(omega)
    squared = tfc.sum(w * w)
    primal = tfc.sum(omega * _primal_losses(loss, y, tfc.matmul(x, w))) + 0.5 * l2 * squared + l1 * tfc.sum(tfc.abs(w))
    dual = tfc.sum(omega * _dual_terms(loss, y, alpha)) - 0.5 * l2 * squared
    return primal / total, dual / total


# ---- the compiled program -------------------------------------------------------------------------
def _set(vector, i, value):
    """``vector`` with entry ``i`` replaced: one dynamic_update_slice, O(1) rather than a masked select."""
    return emit("tfc.dynamic_update_slice", [vector, tfc.reshape(value, (1,)), i])


def _epoch(loss: str, x, y, omega, norms, order, alpha, v, l1, l2, partitions):
    """One pass over the examples in ``order``: each dual to its coordinate optimum, v along."""
    shrinkage = l1 / l2

    def visit(state):
        j, alpha, v = state
        i = order[j]
        xi, yi, wi, ai = x[i], y[i], omega[i], alpha[i]
        q = tfc.maximum(partitions * wi * norms[i] / l2, 1e-300)
        new = _new_dual(loss, yi, ai, tfc.sum(xi * _shrink(v, shrinkage)), q)
        v = v + ((new - ai) * wi / l2) * xi
        return j + 1, _set(alpha, i, new), v

    start = tfc.astype(np.int32(0), tfc.int32)
    _, alpha, v = tfc.while_loop(lambda s: s[0] < x.shape[0], visit, (start, alpha, v))
    return alpha, v


@tfc.compile
def _sdca(x, y, omega, alpha, v, orders, l1, l2, partitions, max_epochs, tolerance, loss: str):
    """Epochs of SDCA until ``max_epochs`` or a relative duality gap at most ``tolerance``.
    Returns (v, α, primal, dual, epochs run)."""
    norms = tfc.sum(x * x, 1)

    def epoch(state):
        e, alpha, v, _, _, _ = state
        order = orders[tfc.remainder(e, orders.shape[0])]
        alpha, v = _epoch(loss, x, y, omega, norms, order, alpha, v, l1, l2, partitions)
        primal, dual = _objectives(loss, x, y, omega, alpha, v, l1, l2)
        return e + 1, alpha, v, primal, dual, primal - dual <= tolerance * tfc.abs(primal)

    def going(state):
        return tfc.logical_and(state[0] < max_epochs, tfc.logical_not(state[-1]))

    primal, dual = _objectives(loss, x, y, omega, alpha, v, l1, l2)
    start = (tfc.astype(np.int32(0), tfc.int32), alpha, v, primal, dual, primal - dual <= tolerance * tfc.abs(primal))
    e, alpha, v, primal, dual, _ = tfc.while_loop(going, epoch, start)
    return v, alpha, primal, dual, e


@tfc.compile
def _weights(v, l1, l2):
    return _shrink(v, l1 / l2)


# ---- the array-level entry point ------------------------------------------------------------------
def minimize(x, y, loss: str = "hinge_loss", l1: float = 0.0, l2: float = 1.0, epochs: int = 100, tolerance: float | None = 1e-6,
             example_weights=None, duals=None, unshrunk=None, num_loss_partitions: int = 1, seed: int = 0) -> SDCAResult:
    """Run SDCA on ``x`` [n, d] and labels ``y`` [n] (0/1 for margin losses, real for
    "squared_loss"); ``duals``/``unshrunk`` continue an earlier run (both or neither). A bias is a
    column of ones in ``x``, regularized like the others (as in contrib). ``tolerance=None`` runs
    every epoch.

    >>> result = minimize(x, labels, "hinge_loss", l2=1.0, epochs=50, tolerance=1e-6)  # doctest: +SKIP
    >>> result.weights, result.primal - result.dual     # doctest: +SKIP
    """
    x, y, omega = check_problem(x, y, loss, example_weights)
    l1, l2 = check_regularization(l1, l2)
    epochs, partitions = _count(epochs, "epochs", 0), _count(num_loss_partitions, "num_loss_partitions", 1)
    if tolerance is None:  # every epoch runs (a batch's gap means little when v holds other batches' duals)
        tolerance = -np.inf
    elif isinstance(tolerance, bool) or not isinstance(tolerance, int | float | np.floating) or not np.isfinite(tolerance):
        raise ValueError(f"tolerance must be a finite number or None, got {tolerance!r}")
    alpha, v = _start(x, duals, unshrunk)
    orders = example_orders(x.shape[0], seed)
    v, alpha, primal, dual, ran = _sdca(x, y, omega, alpha, v, orders, np.float64(l1), np.float64(l2), np.float64(partitions),
                                        np.int32(epochs), np.float64(tolerance), loss)
    weights = np.asarray(_weights(v, np.float64(l1), np.float64(l2)))
    return SDCAResult(weights, np.asarray(alpha), float(primal), float(dual), int(ran), np.asarray(v))


def example_orders(n: int, seed: int) -> np.ndarray:
    """[ORDERS, n] int32 seeded permutations of the examples; epoch e visits them in row e % ORDERS."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(ORDERS)]).astype(np.int32)


def signed_labels(y: np.ndarray, loss: str) -> np.ndarray:
    """Labels as the loss sees them: 0/1 become -1/+1 for margin losses (contrib's ``ConvertLabel``)."""
    return 2.0 * y - 1.0 if loss in MARGIN_LOSSES else y


def check_problem(x, y, loss: str, example_weights=None) -> tuple:
    """(x [n, d] float64, labels as the loss sees them [n], example weights [n]); ValueError naming
    the argument that is wrong."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    x = finite_array(x, "x", 2)
    y = finite_array(y, "y", 1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels, but x has {x.shape[0]} rows")
    if loss in MARGIN_LOSSES and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"{loss} needs labels 0 or 1, got {sorted(set(np.unique(y).tolist()) - {0.0, 1.0})[:5]}")
    omega = np.ones_like(y) if example_weights is None else finite_array(example_weights, "example_weights", 1)
    if omega.shape != y.shape or (omega < 0).any() or omega.sum() <= 0:
        raise ValueError(f"example_weights must be [{y.shape[0]}] non-negative numbers with a positive sum")
    return x, signed_labels(y, loss), omega


def check_regularization(l1, l2) -> tuple[float, float]:
    """l1 >= 0 and l2 > 0 (SDCA's dual needs a strongly convex regularizer)."""
    for name, value in (("l1", l1), ("l2", l2)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} regularization must be a non-negative finite number, got {value!r}")
    if l2 <= 0:
        raise ValueError(f"SDCA needs l2 regularization > 0, got {l2!r}")
    return float(l1), float(l2)


def finite_array(value, name: str, rank: int) -> np.ndarray:
    """``value`` as a non-empty float64 array of ``rank``; TypeError/ValueError naming ``name`` otherwise."""
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be numbers, got dtype {array.dtype}")
    if array.ndim != rank or array.shape[0] == 0 or (rank == 2 and array.shape[1] == 0):
        raise ValueError(f"{name} must be a non-empty rank-{rank} array, got shape {list(array.shape)}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite: it holds NaN or infinity")
    return array


def _count(value, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    return int(value)


def _start(x: np.ndarray, duals, unshrunk) -> tuple[np.ndarray, np.ndarray]:
    if (duals is None) != (unshrunk is None):
        raise ValueError("give both duals and unshrunk (from an earlier SDCAResult) or neither")
    if duals is None:
        return np.zeros(x.shape[0]), np.zeros(x.shape[1])
    alpha, v = finite_array(duals, "duals", 1), finite_array(unshrunk, "unshrunk", 1)
    if alpha.shape[0] != x.shape[0] or v.shape[0] != x.shape[1]:
        raise ValueError(f"duals must be [{x.shape[0]}] and unshrunk [{x.shape[1]}], got {list(alpha.shape)} and {list(v.shape)}")
    return alpha, v


class SDCAOptimizer:
    """TensorFlow contrib's ``tf.contrib.linear_optimizer.SDCAOptimizer``: how a linear model trains
    with SDCA. It keeps contrib's arguments; ``example_id_column`` names the feature that identifies
    each example (its dual variable is kept under that id across batches). As in contrib, the L2
    regularization used is at least 1.0. ``num_table_shards`` is accepted and has no effect (tfc keeps
    the duals in one array, not sharded hash tables).

    >>> optimizer = SDCAOptimizer("example_id", symmetric_l2_regularization=2.0)
    >>> optimizer.minimize(x, labels, "logistic_loss", epochs=20).weights   # doctest: +SKIP
    """

    def __init__(self, example_id_column, num_loss_partitions=1, num_table_shards=None, symmetric_l1_regularization=0.0,
                 symmetric_l2_regularization=1.0, adaptive=False, partitioner=None):
        if example_id_column is not None and not isinstance(example_id_column, str):
            raise TypeError(f"example_id_column must be a feature name (str) or None, got {example_id_column!r}")
        check_regularization(symmetric_l1_regularization, max(symmetric_l2_regularization, 1.0))
        if symmetric_l2_regularization < 0:
            raise ValueError(f"symmetric_l2_regularization must be non-negative, got {symmetric_l2_regularization!r}")
        if adaptive or partitioner is not None:
            raise NotImplementedError("SDCAOptimizer: adaptive sampling and partitioner are not supported by tfc (pass adaptive=False)")
        self.example_id_column = example_id_column
        self.num_loss_partitions = _count(num_loss_partitions, "num_loss_partitions", 1)
        self.num_table_shards = num_table_shards
        self.symmetric_l1_regularization = float(symmetric_l1_regularization)
        self.symmetric_l2_regularization = float(symmetric_l2_regularization)
        self.adaptive = adaptive

    def get_name(self) -> str:
        return "SDCAOptimizer"

    def regularization(self) -> tuple[float, float]:
        """(l1, l2) as SDCA uses them: contrib's algorithmic minimum of 1.0 on l2."""
        return self.symmetric_l1_regularization, max(self.symmetric_l2_regularization, 1.0)

    def minimize(self, x, y, loss: str, epochs: int = 100, tolerance: float | None = 1e-6, example_weights=None,
                 duals=None, unshrunk=None, seed: int = 0) -> SDCAResult:
        """:func:`minimize` with this optimizer's regularization and partitions."""
        l1, l2 = self.regularization()
        return minimize(x, y, loss, l1, l2, epochs, tolerance, example_weights, duals, unshrunk, self.num_loss_partitions, seed)
