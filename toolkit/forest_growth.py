"""Growing every tree of a forest at once, level by level, as compiled programs.

Level ``d`` holds the nodes ``2**d - 1 .. 2**(d+1) - 2`` of each tree (a heap layout: node m's
children are 2m+1 and 2m+2, which ``left_child`` records). Growing it has two parts:

- **statistics**: each batch's samples are routed to their level-d node in every tree
  (:func:`.forest_inference.route`) and binned per feature by the candidate thresholds; one
  segment sum (a scatter-add) of the n*T*F (sample, tree, feature) rows gives every (tree, node,
  feature, bin) its summed target channels, and cumulative sums over the bins give the sums of the
  samples with ``x[feature] <= threshold`` for every candidate. Channels are the one-hot class
  (classification) or the target (regression), plus a count; the samples' weights are the trees'
  bagging weights. The histograms add up over batches; with the integer weights of classification
  the sums are exact, so batching never changes a forest.
- **decision**: every node of the level takes the candidate that maximizes sum_c S_c^2 / n over its
  two sides (S the channel sums, n the count): the Gini impurity decrease for one-hot classes, the
  variance decrease for regression targets. Only the features in the node's random subset count; a
  node splits when the best gain is positive and both sides have samples. The children's values are
  their side's S / n (class probabilities, or the mean).

:func:`grow` runs all levels over all batches in one program (the array interface's ``fit``);
:func:`train_step` adds one batch and decides the level once it has seen ``split_after_samples``
rows (the estimator interface's step).
"""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.tensor import emit

from .forest_inference import route

MIN_RELATIVE_GAIN = 1e-5  # below this, a gain is float32 rounding (a pure node's "split")
NEG_INF = np.float32(-np.inf)  # the score of a candidate that is not a valid split


@tfc.compile
def candidate_thresholds(x, num_thresholds: int):
    """[F, K] thresholds per feature: midpoints between neighbouring sorted values at K evenly spaced
    quantiles, so each candidate separates the samples it is computed from."""
    num_points = x.shape[0]
    ordered = tfc.sort(tfc.transpose(x), 1)
    positions = np.round(np.arange(1, num_thresholds + 1) * num_points / (num_thresholds + 1)).astype(np.int32)
    positions = np.clip(positions, 1, max(num_points - 1, 1))
    return 0.5 * (tfc.take(ordered, positions - 1, 1) + tfc.take(ordered, positions, 1))


def _segment_sum(values, segments, num_segments: int):
    """[num_segments, C]: the sum of the ``values`` rows [m, C] given each segment id (a scatter-add:
    nothing of size num_segments x m is built)."""
    table = tfc.zeros((num_segments, values.shape[1]), tfc.float32)
    attributes = {"update_window_dims": (1,), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,),
                  "index_vector_dim": 1, "kind": "add"}
    return emit("tfc.scatter", [table, tfc.reshape(segments, (-1, 1)), values], attributes)


def level_histogram(x, targets, weights, tree, start, thresholds, num_slots: int, max_depth: int):
    """[T, L, F, K+1, C]: for the level starting at node ``start`` (L = num_slots nodes at most), the
    weighted target channels of each (tree, node, feature) summed per bin (bin b holds the samples
    above b candidate thresholds): one segment sum of the n*T*F (sample, tree, feature) rows."""
    feature, threshold, left_child, _ = tree
    num_trees = feature.shape[0]
    num_points, channels = targets.shape
    num_features, num_thresholds = thresholds.shape
    slot = route(x, feature, threshold, left_child, max_depth) - start
    active = tfc.logical_and(slot >= 0, tfc.logical_and(slot <= start, slot < num_slots))
    weight = tfc.where(active, weights, tfc.zeros_like(weights))
    bins = tfc.sum(tfc.astype(tfc.expand_dims(x, 2) > tfc.expand_dims(thresholds, 0), tfc.int32), 2)
    node = tfc.clip(slot, 0, num_slots - 1) + np.arange(num_trees, dtype=np.int32).reshape(-1, 1) * num_slots
    cell = (tfc.expand_dims(node, 2) * num_features + np.arange(num_features, dtype=np.int32)) * (num_thresholds + 1)
    cell = cell + tfc.expand_dims(bins, 0)
    rows = tfc.expand_dims(weight, 2) * tfc.expand_dims(targets, 0)
    rows = tfc.reshape(tfc.broadcast_to(tfc.expand_dims(rows, 2), (num_trees, num_points, num_features, channels)), (-1, channels))
    sums = _segment_sum(rows, tfc.reshape(cell, (-1,)), num_trees * num_slots * num_features * (num_thresholds + 1))
    return tfc.reshape(sums, (num_trees, num_slots, num_features, num_thresholds + 1, channels))


def split_statistics(histogram):
    """(left sums [T, L, C, F*K] of the samples at or below each candidate, node totals [T, L, C]) from
    a level's histogram: cumulative sums over the bins."""
    num_trees, num_slots, num_features, bins, channels = histogram.shape
    left = tfc.cumsum(histogram, 3)[:, :, :, : bins - 1]
    left = tfc.reshape(tfc.transpose(left, (0, 1, 4, 2, 3)), (num_trees, num_slots, channels, num_features * (bins - 1)))
    return left, tfc.sum(histogram[:, :, 0], 2)


def _side_score(sums, count):
    """sum_c S_c^2 / n, with -inf where the side is empty (not a valid split)."""
    score = tfc.sum(sums * sums, 2) / tfc.maximum(count, 1e-30)
    return tfc.where(count > 0, score, NEG_INF)


def choose_splits(left, totals, node_mask, thresholds):
    """Each level node's best split (from :func:`split_statistics`): (feature [T, L] int32, threshold [T, L], splits [T, L] bool,
    left and right values [T, L, O], the node's own value [T, L, O], whether it saw samples [T, L])."""
    num_trees, num_slots, channels = totals.shape
    outputs = channels - 1
    num_features, num_thresholds = thresholds.shape
    right = tfc.expand_dims(totals, 3) - left
    score = _side_score(left[:, :, :outputs], left[:, :, outputs]) + _side_score(right[:, :, :outputs], right[:, :, outputs])
    allowed = tfc.broadcast_to(tfc.expand_dims(node_mask, 3), (num_trees, num_slots, num_features, num_thresholds))
    allowed = tfc.reshape(allowed, (num_trees, num_slots, -1))
    score = tfc.where(allowed > 0, score, NEG_INF)
    best = tfc.argmax(score, 2)
    count = totals[:, :, outputs]
    parent = tfc.sum(totals[:, :, :outputs] * totals[:, :, :outputs], 2) / tfc.maximum(count, 1e-30)
    gain = tfc.max(score, 2) - parent
    splits = gain > MIN_RELATIVE_GAIN * (tfc.abs(parent) + count)
    pick = tfc.expand_dims(tfc.one_hot(best, num_features * num_thresholds), 2)
    left_sums, right_sums = tfc.sum(left * pick, 3), tfc.sum(right * pick, 3)
    flat_thresholds = tfc.reshape(thresholds, (-1,))
    return (tfc.astype(best // num_thresholds, tfc.int32), tfc.take(flat_thresholds, best), splits,
            _mean(left_sums), _mean(right_sums), _mean(totals), count > 0)


def _mean(sums):
    """[..., O] channel sums over the count channel (last): class probabilities or mean targets."""
    outputs = sums.shape[-1] - 1
    return sums[..., :outputs] / tfc.maximum(sums[..., outputs:], 1e-30)


def apply_level(tree, decisions, start):
    """The tree arrays with the level's splits written in (level nodes' split and value, the new
    children's values); nodes outside the level and the children of unsplit nodes are unchanged."""
    feature, threshold, left_child, value = tree
    best_feature, best_threshold, splits, left_value, right_value, node_value, seen = decisions
    num_slots = splits.shape[1]
    node = np.arange(feature.shape[1], dtype=np.int32).reshape(1, -1)
    slot = node - start
    in_level = tfc.logical_and(slot >= 0, tfc.logical_and(slot <= start, slot < num_slots))
    at = tfc.clip(slot, 0, num_slots - 1)
    split_here = tfc.logical_and(in_level, tfc.take(splits, at[0], 1))
    feature = tfc.where(split_here, tfc.take(best_feature, at[0], 1), feature)
    threshold = tfc.where(split_here, tfc.take(best_threshold, at[0], 1), threshold)
    left_child = tfc.where(split_here, 2 * node + 1, left_child)
    refresh = tfc.expand_dims(tfc.logical_and(in_level, tfc.take(seen, at[0], 1)), 2)
    value = tfc.where(refresh, tfc.take(node_value, at[0], 1), value)
    parent_slot = (node - 1) // 2 - start
    is_child = tfc.logical_and(node >= 1, tfc.logical_and(parent_slot >= 0, tfc.logical_and(parent_slot <= start, parent_slot < num_slots)))
    parent_at = tfc.clip(parent_slot, 0, num_slots - 1)[0]
    from_split = tfc.expand_dims(tfc.logical_and(is_child, tfc.take(splits, parent_at, 1)), 2)
    is_left = np.reshape((np.arange(feature.shape[1]) % 2) == 1, (1, -1, 1))
    child_value = tfc.where(is_left, tfc.take(left_value, parent_at, 1), tfc.take(right_value, parent_at, 1))
    return feature, threshold, left_child, tfc.where(from_split, child_value, value)


@tfc.compile
def grow(x, targets, weights, thresholds, node_masks, tree, batch_size: int, max_depth: int):
    """The whole growth of ``fit``: for each of max_depth levels, the histogram summed over every batch
    of ``batch_size`` rows of x (padded rows carry weight 0), then the level's decision. ``node_masks``
    [max_depth, T, L, F] are each level's per-node feature subsets. Returns the tree arrays."""
    num_trees, num_slots, num_features = node_masks.shape[1:]
    shape = (num_trees, num_slots, num_features, thresholds.shape[1] + 1, targets.shape[1])
    num_batches = x.shape[0] // batch_size
    offsets = np.arange(batch_size, dtype=np.int32)

    def batch_step(b, carried):
        histogram, tree, start = carried
        rows = b * batch_size + offsets
        histogram = histogram + level_histogram(tfc.take(x, rows), tfc.take(targets, rows), tfc.take(weights, rows, 1),
                                                tree, start, thresholds, num_slots, max_depth)
        return histogram, tree, start

    def level_step(depth, carried):
        tree, start = carried
        histogram, _, _ = tfc.fori_loop(0, num_batches, batch_step, (tfc.zeros(shape, tfc.float32), tree, start))
        decisions = choose_splits(*split_statistics(histogram), tfc.take(node_masks, depth), thresholds)
        return apply_level(tree, decisions, start), 2 * start + 1

    start = tfc.astype(np.int32(0), tfc.int32)
    tree, _ = tfc.fori_loop(0, max_depth, level_step, (tuple(tree), start))
    return tree


@tfc.compile
def train_step(x, targets, weights, thresholds, node_mask, tree, level, split_after_samples, max_depth: int):
    """One batch of the estimator's training: its histogram joins the current level's (``level`` =
    (histogram, first node of the level, rows seen)); once the level has seen ``split_after_samples``
    rows it is decided and the next level starts from an empty histogram. After max_depth levels
    nothing changes. Returns (tree arrays, level)."""
    histogram, start, seen = level
    num_slots = node_mask.shape[1]
    growing = start < 2 ** max_depth - 1
    histogram = histogram + level_histogram(x, targets, weights, tree, start, thresholds, num_slots, max_depth)
    seen = seen + np.float32(x.shape[0])
    done = tfc.logical_and(growing, seen >= split_after_samples)
    grown = apply_level(tree, choose_splits(*split_statistics(histogram), node_mask, thresholds), start)
    tree = tuple(tfc.where(done, new, old) for new, old in zip(grown, tree))
    histogram = tfc.where(done, tfc.zeros_like(histogram), histogram)
    start = tfc.where(done, 2 * start + 1, start)
    return tree, (histogram, start, tfc.where(done, tfc.zeros_like(seen), seen))
