"""Write tests/data/toolkit/wals.npz: a known rank-3 matrix observed at about 60% of its entries,
initial factors, and what a plain numpy (float64) weighted ALS reaches from them, to check
``tfc.toolkit.WALSMatrixFactorization`` against.

The reference solves each row's normal equations on the dense matrix, with the weights written out
entry by entry (W_ij = w0 + R_i C_j where observed, w0 elsewhere, the matrix 0 there), so it shares
no shortcut (gramian, scatter-adds) with tfc's version. Run: ``python scripts/generate_wals_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "toolkit" / "wals.npz"
NUM_ROWS, NUM_COLS, RANK = 20, 15, 3
UNOBSERVED_WEIGHT, REGULARIZATION, SWEEPS = 0.1, 0.05, 8


def dense_weights(mask, row_weights, col_weights, w0):
    return np.where(mask, w0 + np.outer(row_weights, col_weights), w0)


def solve_rows(matrix, weights, other, lam):
    """Each row's exact minimizer of sum_j W_ij (A_ij - u.v_j)^2 + lam |u|^2 given the other factors."""
    k = other.shape[1]
    new = np.empty((matrix.shape[0], k))
    for i in range(matrix.shape[0]):
        lhs = (other * weights[i][:, None]).T @ other + lam * np.eye(k)
        new[i] = np.linalg.solve(lhs, (weights[i] * matrix[i]) @ other)
    return new


def objective(matrix, weights, u, v, lam):
    return float((weights * (matrix - u @ v.T) ** 2).sum() + lam * ((u**2).sum() + (v**2).sum()))


def main() -> None:
    rng = np.random.default_rng(14)
    truth = rng.standard_normal((NUM_ROWS, RANK)) @ rng.standard_normal((RANK, NUM_COLS))
    mask = rng.random((NUM_ROWS, NUM_COLS)) < 0.6
    row_weights = rng.uniform(0.5, 2.0, NUM_ROWS)
    col_weights = rng.uniform(0.5, 2.0, NUM_COLS)
    row_init = (rng.standard_normal((NUM_ROWS, RANK)) / np.sqrt(RANK)).astype(np.float32)
    col_init = (rng.standard_normal((NUM_COLS, RANK)) / np.sqrt(RANK)).astype(np.float32)
    matrix = np.where(mask, truth, 0.0)
    weights = dense_weights(mask, row_weights, col_weights, UNOBSERVED_WEIGHT)
    u, v = row_init.astype(np.float64), col_init.astype(np.float64)
    losses = []
    for _ in range(SWEEPS):
        u = solve_rows(matrix, weights, v, REGULARIZATION)
        v = solve_rows(matrix.T, weights.T, u, REGULARIZATION)
        losses.append(objective(matrix, weights, u, v, REGULARIZATION))
    rows, cols = np.nonzero(mask)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, rows=rows.astype(np.int32), cols=cols.astype(np.int32), values=truth[rows, cols].astype(np.float32),
             truth=truth, row_weights=row_weights.astype(np.float32), col_weights=col_weights.astype(np.float32),
             row_init=row_init, col_init=col_init, unobserved_weight=UNOBSERVED_WEIGHT, regularization=REGULARIZATION,
             sweeps=SWEEPS, row_factors=u, col_factors=v, losses=np.array(losses))
    print(f"wrote {OUT}: {rows.size} observed entries, objective after {SWEEPS} sweeps {losses[-1]:.6f}")


if __name__ == "__main__":
    main()
