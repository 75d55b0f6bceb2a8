"""Expectation-maximization for a Gaussian mixture as one compiled program: the E and M steps of
every iteration inside one ``tfc.fori_loop``. Log densities go through a Cholesky factor (full) or
the variances (diag), responsibilities through log-sum-exp, and every covariance gets ``REG_COVAR``
on its diagonal (scikit-learn's ``reg_covar``), so a cluster that collapses onto one point stays
invertible."""

from __future__ import annotations

import math

import numpy as np

import tfc
from tfc.frontend.api import emit

FULL = "full"
DIAG = "diag"
COVARIANCE_TYPES = (FULL, DIAG)
REG_COVAR = 1e-6
_TINY_COUNT = 10 * float(np.finfo(np.float32).eps)  # keeps an empty cluster's means finite


def _log_gaussian_full(x, means, covariances):
    """[n, k] log N(x | mean_k, cov_k): with cov = L L^T, the Mahalanobis term is |L^-1 (x - mean)|^2
    and log det cov = 2 sum(log diag L)."""
    dimension = x.shape[1]
    factor = emit("tfc.cholesky", [covariances])
    diff = tfc.expand_dims(x, 0) - tfc.expand_dims(means, 1)
    solved = emit("tfc.triangular_solve", [factor, tfc.transpose(diff, (0, 2, 1))], {"lower": True, "transpose_a": False})
    mahalanobis = tfc.sum(solved * solved, 1)
    log_det = 2.0 * tfc.sum(tfc.log(tfc.sum(factor * np.eye(dimension, dtype=np.float32), 2)), 1)
    return tfc.transpose(-0.5 * (dimension * math.log(2 * math.pi) + tfc.expand_dims(log_det, 1) + mahalanobis))


def _log_gaussian_diag(x, means, variances):
    """[n, k] log N(x | mean_k, diag(var_k)), the squared distances expanded into matmuls."""
    precisions = 1.0 / variances
    mahalanobis = (tfc.matmul(x * x, tfc.transpose(precisions)) - 2.0 * tfc.matmul(x, tfc.transpose(means * precisions))
                   + tfc.sum(means * means * precisions, 1))
    log_det = tfc.sum(tfc.log(variances), 1)
    return -0.5 * (x.shape[1] * math.log(2 * math.pi) + log_det + mahalanobis)


def log_joint(x, means, covariances, weights, covariance_type: str):
    """[n, k] log(weight_k N(x | cluster k))."""
    log_gaussian = _log_gaussian_full if covariance_type == FULL else _log_gaussian_diag
    return log_gaussian(x, means, covariances) + tfc.log(weights)


def log_sum_exp(a):
    """log(sum(exp(a), 1)) along rows, shifted by each row's maximum so nothing overflows."""
    top = tfc.max(a, 1, keepdims=True)
    return tfc.log(tfc.sum(tfc.exp(a - top), 1)) + top[:, 0]


def _covariances(x, responsibilities, counts, means, covariance_type: str):
    """Each cluster's responsibility-weighted covariance around its (new) mean, plus REG_COVAR."""
    diff = tfc.expand_dims(x, 0) - tfc.expand_dims(means, 1)
    weighted = diff * tfc.expand_dims(tfc.transpose(responsibilities), 2)
    if covariance_type == DIAG:
        return tfc.sum(weighted * diff, 1) / tfc.expand_dims(counts, 1) + REG_COVAR
    scatter = tfc.matmul(tfc.transpose(weighted, (0, 2, 1)), diff)
    eye = np.eye(x.shape[1], dtype=np.float32)
    return scatter / tfc.reshape(counts, (-1, 1, 1)) + REG_COVAR * eye


def _em_step(x, params: str, covariance_type: str, state):
    """One E step (responsibilities) and one M step (the parameters ``params`` names: w, m, c)."""
    means, covariances, weights = state
    joint = log_joint(x, means, covariances, weights, covariance_type)
    responsibilities = tfc.exp(joint - tfc.expand_dims(log_sum_exp(joint), 1))
    counts = tfc.sum(responsibilities, 0) + _TINY_COUNT
    if "m" in params:
        means = tfc.matmul(tfc.transpose(responsibilities), x) / tfc.expand_dims(counts, 1)
    if "c" in params:
        covariances = _covariances(x, responsibilities, counts, means, covariance_type)
    if "w" in params:
        weights = counts / tfc.sum(counts)
    return means, covariances, weights


@tfc.compile
def expectation_maximization(points, means, covariances, weights, steps, params: str, covariance_type: str):
    """``steps`` EM iterations from the given parameters; returns (means, covariances, weights). (The
    loop starts from a numpy 0: a weak literal 0 as the counter can be erased while the body is traced.)"""
    return tfc.fori_loop(np.int32(0), steps, lambda i, state: _em_step(points, params, covariance_type, state),
                         (means, covariances, weights))


@tfc.compile
def log_likelihoods(points, means, covariances, weights, covariance_type: str):
    """(each point's log-likelihood [n], its most likely cluster [n] int32)."""
    joint = log_joint(points, means, covariances, weights, covariance_type)
    return log_sum_exp(joint), tfc.argmax(joint, 1)


@tfc.compile
def data_covariance(points, covariance_type: str):
    """The points' sample covariance [d, d] (its diagonal [d] for diag) plus REG_COVAR: every
    cluster's first covariance, as contrib's GMM starts."""
    diff = points - tfc.mean(points, 0, keepdims=True)
    scale = 1.0 / max(points.shape[0] - 1, 1)
    if covariance_type == DIAG:
        return tfc.sum(diff * diff, 0) * scale + REG_COVAR
    return tfc.matmul(tfc.transpose(diff), diff) * scale + REG_COVAR * np.eye(points.shape[1], dtype=np.float32)
