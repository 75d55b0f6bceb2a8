"""Each training run is one compiled program: the whole loop is one ``tfc.while`` in its IR, and the
iteration count is a run-time argument, so fitting longer does not retrace."""

import numpy as np

from tfc.toolkit import GMM, KMeansClustering, gmm_em, kmeans_init, kmeans_training

POINTS = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
CENTERS = POINTS[:4]


def _whiles(lowered) -> int:
    return lowered.as_text().count('"tfc.while"')


def test_every_loop_is_one_while_in_one_program():
    tolerance, steps = np.float32(-1), np.int32(5)
    assert _whiles(kmeans_training.lloyd.lower(POINTS, CENTERS, steps, tolerance, "squared_euclidean")) == 1
    offsets = np.arange(16, dtype=np.int32)
    assert _whiles(kmeans_training.mini_batch.lower(POINTS, CENTERS, offsets, steps, tolerance, "cosine", 2)) == 1
    first, uniforms = kmeans_init.draws(64, 4, 3, seed=0)
    assert _whiles(kmeans_init.kmeans_plus_plus.lower(POINTS, first, uniforms, "squared_euclidean")) == 1
    covariances = np.stack([np.eye(3, dtype=np.float32)] * 4)
    weights = np.full(4, 0.25, np.float32)
    assert _whiles(gmm_em.expectation_maximization.lower(POINTS, CENTERS, covariances, weights, steps, "wmc", "full")) == 1


def test_fitting_longer_does_not_retrace():
    KMeansClustering(4, use_mini_batch=False).fit(POINTS, max_iterations=2)
    GMM(4, covariance_type="diag").fit(POINTS, steps=2)
    traced = len(kmeans_training.lloyd.retrace_reasons), len(gmm_em.expectation_maximization.retrace_reasons)
    KMeansClustering(4, use_mini_batch=False).fit(POINTS, max_iterations=9)
    GMM(4, covariance_type="diag").fit(POINTS, steps=7)
    assert (len(kmeans_training.lloyd.retrace_reasons), len(gmm_em.expectation_maximization.retrace_reasons)) == traced
