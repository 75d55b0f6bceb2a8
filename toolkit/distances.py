"""Distances between points and cluster centers, traced into the programs that use them: one
matmul for all pairs, the way TensorFlow contrib's clustering ops compute them."""

from __future__ import annotations

import tfc

SQUARED_EUCLIDEAN = "squared_euclidean"
COSINE = "cosine"
METRICS = (SQUARED_EUCLIDEAN, COSINE)


def l2_normalize(x):
    """Rows of ``x`` scaled to unit length (a zero row stays zero)."""
    norms = tfc.sqrt(tfc.sum(x * x, 1, keepdims=True))
    return x / tfc.maximum(norms, 1e-12)


def prepare(points, metric: str):
    """Points as the metric sees them: cosine distance compares directions, so rows are normalized once."""
    return l2_normalize(points) if metric == COSINE else points


def pairwise(points, centers, metric: str):
    """[n, k] distances from each (prepared) point to each center.

    ||x||^2 - 2 x.c + ||c||^2 for squared_euclidean (clamped at 0 against rounding); 1 - cos(x, c) for
    cosine, whose centers are normalized here since updates move them off the unit sphere.
    """
    if metric == COSINE:
        return 1.0 - tfc.matmul(points, tfc.transpose(l2_normalize(centers)))
    cross = tfc.matmul(points, tfc.transpose(centers))
    squares = tfc.sum(points * points, 1, keepdims=True) + tfc.sum(centers * centers, 1)
    return tfc.maximum(squares - 2.0 * cross, 0.0)
