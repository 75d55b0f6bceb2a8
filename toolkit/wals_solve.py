"""Weighted alternating least squares as compiled programs: every sweep of a training run (all rows
given the columns, then all columns given the rows) inside one ``tfc.while_loop``.

The objective is contrib's ``WALSModel`` one, ``|sqrt(W) * (A - U V^T)|^2 + lam (|U|^2 + |V|^2)``
with ``W_ij = w0 + R_i C_j`` where A is observed and ``w0`` (and A_ij = 0) elsewhere. Row i's exact
minimizer solves the k x k system

    (w0 V^T V + lam I + sum_{j obs} R_i C_j v_j v_j^T) u_i = sum_{j obs} (w0 + R_i C_j) r_ij v_j

so the dense n x m matrix never appears: ``w0 V^T V`` is one gramian shared by every row, and the
per-row sums are scatter-adds over the observed (row, col, value) triples. The systems are solved
through their Cholesky factors. As in contrib, only rows (columns) that have an observation are
updated; the others keep their factors.
"""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.api import emit


def segment_sum(values, segments, num_segments: int):
    """[num_segments, ...]: the sum of the ``values`` rows whose ``segments`` id is each segment (a
    scatter-add, so nothing of size num_segments x len(values) is built)."""
    table = tfc.broadcast_to(np.float32(0.0), (num_segments, *values.shape[1:]))
    attributes = {"update_window_dims": tuple(range(1, values.ndim)), "inserted_window_dims": (0,),
                  "scatter_dims_to_operand_dims": (0,), "index_vector_dim": 1, "kind": "add"}
    return emit("tfc.scatter", [table, tfc.reshape(segments, (-1, 1)), values], attributes)


def _cholesky_solve(lhs, rhs):
    """x with lhs x = rhs for each symmetric positive definite [k, k] lhs (rhs [n, k, 1])."""
    factor = emit("tfc.cholesky", [lhs])
    half = emit("tfc.triangular_solve", [factor, rhs], {"lower": True, "transpose_a": False})
    return emit("tfc.triangular_solve", [factor, half], {"lower": True, "transpose_a": True})


def solve_side(ids, other_ids, values, pair_weights, factors, other, w0, lam):
    """New ``factors`` [n, k]: each row with an observation the exact minimizer given ``other`` [m, k];
    ``pair_weights`` [nnz] are R_i C_j of the observations (``ids`` index factors, ``other_ids`` other)."""
    count, k = factors.shape
    eye = np.eye(k, dtype=np.float32)
    gathered = tfc.take(other, other_ids, axis=0)
    gramian = w0 * tfc.matmul(tfc.transpose(other), other) + lam * eye
    outer = tfc.expand_dims(gathered, 2) * tfc.expand_dims(gathered, 1) * tfc.reshape(pair_weights, (-1, 1, 1))
    observed = segment_sum(tfc.ones_like(values), ids, count)
    present = tfc.greater(observed, 0.0)
    absent = tfc.reshape(tfc.where(present, 0.0, 1.0), (-1, 1, 1))
    lhs = segment_sum(outer, ids, count) + gramian + absent * eye  # an absent row's system stays solvable
    rhs = segment_sum(tfc.expand_dims((w0 + pair_weights) * values, 1) * gathered, ids, count)
    solved = tfc.reshape(_cholesky_solve(lhs, tfc.expand_dims(rhs, 2)), (count, k))
    return tfc.where(tfc.expand_dims(present, 1), solved, factors)


def _sweep(rows, cols, values, pair_weights, w0, lam, state):
    """One sweep: every observed row given the columns, then every observed column given the new rows."""
    row_factors, col_factors = state
    row_factors = solve_side(rows, cols, values, pair_weights, row_factors, col_factors, w0, lam)
    col_factors = solve_side(cols, rows, values, pair_weights, col_factors, row_factors, w0, lam)
    return row_factors, col_factors


@tfc.compile
def sweeps(rows, cols, values, row_weights, col_weights, row_factors, col_factors, iterations, w0, lam):
    """``iterations`` WALS sweeps from the given factors as one program; returns (row, col factors).

    ``row_weights`` [num_rows] and ``col_weights`` [num_cols] are R and C; ``w0`` the unobserved
    weight and ``lam`` the regularization (f32 scalars, so new values do not recompile)."""
    pair_weights = tfc.take(row_weights, rows, axis=0) * tfc.take(col_weights, cols, axis=0)

    def body(state):
        sweep, factors = state
        return sweep + 1, _sweep(rows, cols, values, pair_weights, w0, lam, factors)

    start = (np.int32(0), (row_factors, col_factors))
    return tfc.while_loop(lambda state: tfc.less(state[0], iterations), body, start)[1]


def _predictions(rows, cols, row_factors, col_factors):
    return tfc.sum(tfc.take(row_factors, rows, axis=0) * tfc.take(col_factors, cols, axis=0), 1)


@tfc.compile
def predict(rows, cols, row_factors, col_factors):
    """u_rows[i] . v_cols[i] for each pair, [n]."""
    return _predictions(rows, cols, row_factors, col_factors)


@tfc.compile
def objective(rows, cols, values, row_weights, col_weights, row_factors, col_factors, w0, lam):
    """(the objective with these observations, the sum of their squared errors), as contrib's
    ``WALSModel`` loss writes it: w0 (sum_obs (r - p)^2 - sum_obs p^2 + trace(U^T U V^T V))
    + sum_obs R C (r - p)^2 + lam (|U|^2 + |V|^2)."""
    predicted = _predictions(rows, cols, row_factors, col_factors)
    squared_error = tfc.square(values - predicted)
    pair_weights = tfc.take(row_weights, rows, axis=0) * tfc.take(col_weights, cols, axis=0)
    row_gramian = tfc.matmul(tfc.transpose(row_factors), row_factors)
    col_gramian = tfc.matmul(tfc.transpose(col_factors), col_factors)
    unobserved = tfc.sum(squared_error) - tfc.sum(tfc.square(predicted)) + tfc.sum(row_gramian * col_gramian)
    regularization = tfc.sum(tfc.square(row_factors)) + tfc.sum(tfc.square(col_factors))
    total = w0 * unobserved + tfc.sum(pair_weights * squared_error) + lam * regularization
    return total, tfc.sum(squared_error)
