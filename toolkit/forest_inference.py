"""Inference through a forest held as fixed-size arrays, as compiled programs.

A forest of T trees with at most M nodes each is four arrays: ``feature`` [T, M] int32 and
``threshold`` [T, M] float32 (the split: a sample goes left when ``x[feature] <= threshold``),
``left_child`` [T, M] int32 (the left child's index, the right child's is one more; -1 marks a
leaf) and ``value`` [T, M, O] float32 (each node's class probabilities or regression mean). Every
tree routes every sample at once: ``max_depth`` steps of a ``tfc.fori_loop`` over [T, n] node
indices, each step one gather per array, so no Python loop runs over samples, trees or nodes.
"""

from __future__ import annotations

import numpy as np

import tfc

LOG_FLOOR = 1e-7  # a probability of 0 costs -log(1e-7) in the loss, not infinity


def route(x, feature, threshold, left_child, max_depth: int):
    """[T, n] int32: the node each sample ends at in each tree (a leaf, or the deepest node grown)."""
    num_trees, num_nodes = feature.shape
    num_points, num_features = x.shape
    tree_offsets = np.arange(num_trees, dtype=np.int32).reshape(-1, 1) * num_nodes
    row_offsets = np.arange(num_points, dtype=np.int32).reshape(1, -1) * num_features
    flat_x = tfc.reshape(x, (-1,))
    flat_feature, flat_threshold = tfc.reshape(feature, (-1,)), tfc.reshape(threshold, (-1,))
    flat_left = tfc.reshape(left_child, (-1,))

    def step(_, node):
        at = node + tree_offsets
        left = tfc.take(flat_left, at)
        value = tfc.take(flat_x, row_offsets + tfc.take(flat_feature, at))
        child = tfc.where(value <= tfc.take(flat_threshold, at), left, left + 1)
        return tfc.where(left >= 0, child, node)

    start = tfc.zeros((num_trees, num_points), tfc.int32)
    return tfc.fori_loop(0, max_depth, step, start)


def forest_values(x, feature, threshold, left_child, value, max_depth: int):
    """[n, O]: the trees' leaf values averaged (class probabilities, or regression outputs)."""
    num_trees, num_nodes, num_outputs = value.shape
    node = route(x, feature, threshold, left_child, max_depth)
    tree_offsets = np.arange(num_trees, dtype=np.int32).reshape(-1, 1) * num_nodes
    leaves = tfc.take(tfc.reshape(value, (num_trees * num_nodes, num_outputs)), node + tree_offsets)
    return tfc.mean(leaves, 0)


@tfc.compile
def predict(x, feature, threshold, left_child, value, max_depth: int, regression: bool):
    """(predictions [n]: class ids int32, or [n, O] values for regression; the averaged values [n, O])."""
    values = forest_values(x, feature, threshold, left_child, value, max_depth)
    return (values if regression else tfc.argmax(values, 1)), values


@tfc.compile
def classification_metrics(x, labels, feature, threshold, left_child, value, max_depth: int):
    """(correct predictions, summed negative log-likelihood of the labels) over the batch."""
    probabilities = forest_values(x, feature, threshold, left_child, value, max_depth)
    onehot = tfc.one_hot(labels, value.shape[2])
    correct = tfc.sum(tfc.astype(tfc.equal(tfc.argmax(probabilities, 1), labels), tfc.float32))
    likelihood = tfc.sum(probabilities * onehot, 1)
    return correct, -tfc.sum(tfc.log(tfc.maximum(likelihood, LOG_FLOOR)))


@tfc.compile
def regression_metrics(x, targets, feature, threshold, left_child, value, max_depth: int):
    """The squared error summed over the batch's samples and outputs."""
    error = forest_values(x, feature, threshold, left_child, value, max_depth) - targets
    return tfc.sum(error * error)
