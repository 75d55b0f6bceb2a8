"""k-means training loops, each one compiled program: full-batch Lloyd iterations and TensorFlow
contrib's mini-batch updates, the whole loop a ``tfc.while_loop`` that also stops early once the loss
changes by less than ``relative_tolerance`` (contrib's ``_LossRelativeChangeHook``: |loss - previous|
/ (1 + |previous|)). A negative tolerance never stops early.
"""

from __future__ import annotations

import numpy as np

import tfc

from . import distances


def _assign(x, centers, metric: str):
    """Each point's nearest center as a one-hot [n, k] matrix, and the total distance (the loss)."""
    d = distances.pairwise(x, centers, metric)
    nearest = tfc.one_hot(tfc.argmin(d, 1), centers.shape[0])
    return nearest, tfc.sum(tfc.min(d, 1))


def _converged(i, loss, previous, tolerance):
    change = tfc.abs(loss - previous) / (1.0 + tfc.abs(previous))
    return tfc.logical_and(i > 0, change < tolerance)


def _keep_going(max_iterations):
    return lambda state: tfc.logical_and(state[0] < max_iterations, tfc.logical_not(state[-1]))


def _start(*carried):
    """The loop's first state: iteration 0, the carried values, a previous loss of 0, not converged.
    numpy scalars, not Python literals: a weak literal the trace caches can be erased by a later
    ``astype`` of the same literal while it has no use yet."""
    return (tfc.astype(np.int32(0), tfc.int32), *carried, tfc.astype(np.float32(0), tfc.float32),
            tfc.astype(np.bool_(False), tfc.bool_))


def _finish(centers, metric: str):
    """Cosine centers are reported on the unit sphere, as contrib keeps them."""
    return distances.l2_normalize(centers) if metric == distances.COSINE else centers


def _lloyd_move(x, centers, metric: str):
    """Every center to the mean of its points (an empty cluster keeps its center); and the loss before."""
    nearest, loss = _assign(x, centers, metric)
    counts = tfc.expand_dims(tfc.sum(nearest, 0), 1)
    means = tfc.matmul(tfc.transpose(nearest), x) / tfc.maximum(counts, 1.0)
    if metric == distances.COSINE:
        means = distances.l2_normalize(means)
    return tfc.where(counts > 0, means, centers), loss


@tfc.compile
def lloyd(points, centers, max_iterations, tolerance, metric: str):
    """Full-batch Lloyd iterations (:func:`_lloyd_move`). Returns (centers, iterations run)."""
    x = distances.prepare(points, metric)

    def step(state):
        i, centers, previous, _ = state
        centers, loss = _lloyd_move(x, centers, metric)
        return i + 1, centers, loss, _converged(i, loss, previous, tolerance)

    i, centers, _, _ = tfc.while_loop(_keep_going(max_iterations), step, _start(centers))
    return _finish(centers, metric), i


def _mini_batch_update(batch, master, local, counts, metric: str):
    """contrib's ``_mini_batch_training_op``: points are assigned against the synced centers; each
    center that got points moves by (sum - n c) / (count + n), learning rate 1/count, so it stays
    the running mean of every point it has seen since the last reset."""
    nearest, loss = _assign(batch, master, metric)
    n = tfc.expand_dims(tfc.sum(nearest, 0), 1)
    sums = tfc.matmul(tfc.transpose(nearest), batch)
    total = counts + n
    local = tfc.where(n > 0, local + (sums - n * local) / tfc.maximum(total, 1.0), local)
    return local, total, loss


@tfc.compile
def mini_batch(points, centers, offsets, max_steps, tolerance, metric: str, steps_per_iteration: int):
    """``max_steps`` mini-batch steps over consecutive (wrapping) batches of ``points``, ``offsets`` being
    0..batch_size-1. Counts start at one (the initial center counts as a point). With
    ``steps_per_iteration`` > 1 the updates go to a local copy, copied to the centers that assign
    points every ``steps_per_iteration`` steps, when the counts restart from zero (contrib's
    ``_mini_batch_sync_updates_op``). Returns (the synced centers, which contrib's model reports and
    predicts with, so updates since the last sync are not in them; steps run)."""
    x = distances.prepare(points, metric)
    num_points = points.shape[0]

    def step(state):
        i, master, local, counts, previous, _ = state
        batch = tfc.take(x, tfc.remainder(i * offsets.shape[0] + offsets, num_points))
        local, counts, loss = _mini_batch_update(batch, master, local, counts, metric)
        sync = tfc.equal(tfc.remainder(i + 1, steps_per_iteration), 0)
        synced = distances.l2_normalize(local) if metric == distances.COSINE else local
        master = tfc.where(sync, synced, master)
        counts = tfc.where(tfc.logical_and(sync, steps_per_iteration > 1), tfc.zeros_like(counts), counts)
        return i + 1, master, local, counts, loss, _converged(i, loss, previous, tolerance)

    state = _start(centers, centers, tfc.ones_like(centers[:, :1]))
    i, master, _, _, _, _ = tfc.while_loop(_keep_going(max_steps), step, state)
    return _finish(master, metric), i


@tfc.compile
def lloyd_step(points, centers, metric: str):
    """One Lloyd iteration (the estimator interface's step on a batch): (new centers, the loss before it)."""
    return _lloyd_move(distances.prepare(points, metric), centers, metric)


@tfc.compile
def mini_batch_step(points, centers, counts, metric: str):
    """One mini-batch update with the counts kept between steps: (centers, counts, the batch's loss)."""
    centers, counts, loss = _mini_batch_update(distances.prepare(points, metric), centers, centers, counts, metric)
    return _finish(centers, metric), counts, loss


@tfc.compile
def assign(points, centers, metric: str):
    """(nearest center's index [n] int32, distances to every center [n, k]) for fitted centers."""
    d = distances.pairwise(distances.prepare(points, metric), centers, metric)
    return tfc.argmin(d, 1), d
