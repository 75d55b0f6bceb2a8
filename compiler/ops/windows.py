"""Helpers for windowed ops (reduce_window, convolution): attribute access, padding and window views.

Shared by the reduction and linalg op families, which both slide windows over padded, dilated inputs.
"""

from __future__ import annotations

import numpy as np

from ..registry import ShapeError


def int_list(ctx, key: str, default=None) -> tuple[int, ...]:
    """Attribute ``key`` as a tuple of ints; ShapeError when it is missing or not a list of ints."""
    value = ctx.attrs.get(key, default)
    if value is None:
        raise ShapeError(f"requires attribute '{key}'")
    if not isinstance(value, tuple) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ShapeError(f"attribute '{key}' must be a list of integers, got {value!r}")
    return value


def int_attr(ctx, key: str) -> int:
    value = ctx.attrs.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeError(f"requires integer attribute '{key}', got {value!r}")
    return value


def positive(values, what: str) -> None:
    if any(v < 1 for v in values):
        raise ShapeError(f"{what} {list(values)} must all be positive")


# ---- windows (shared with tfc.convolution) -------------------------------------------------------
def dilated_size(size: int, dilation: int) -> int:
    """Size after inserting ``dilation - 1`` holes between elements (0 stays 0)."""
    return 0 if size == 0 else (size - 1) * dilation + 1


def window_output_size(size, window, stride, low, high, base_dilation=1, window_dilation=1):
    """Number of window positions along one dimension, as StableHLO infers it (None when ``size`` is)."""
    if size is None:
        return None
    padded = dilated_size(size, base_dilation) + low + high
    if padded < 0:
        raise ShapeError(f"padding ({low}, {high}) leaves dimension of size {size} with negative size {padded}")
    span = dilated_size(window, window_dilation)
    if padded == 0 or span > padded:
        return 0
    return (padded - span) // stride + 1


def pad_with(x: np.ndarray, low, high, interior, fill) -> np.ndarray:
    """``x`` with ``interior`` holes between elements and ``low``/``high`` edges, all ``fill``; negative edges crop."""
    spread = np.full([dilated_size(n, i + 1) for n, i in zip(x.shape, interior)], fill, dtype=x.dtype)
    spread[tuple(slice(None, None, i + 1) for i in interior)] = x
    grown = np.full([n + max(lo, 0) + max(hi, 0) for n, lo, hi in zip(spread.shape, low, high)], fill, dtype=x.dtype)
    grown[tuple(slice(max(lo, 0), max(lo, 0) + n) for n, lo in zip(spread.shape, low))] = spread
    return grown[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, lo, hi in zip(grown.shape, low, high))]


def window_view(x: np.ndarray, window, strides, dilations) -> np.ndarray:
    """Strided windows of an already padded ``x``: shape ``positions + window`` (a view, not a copy)."""
    spans = [dilated_size(w, d) for w, d in zip(window, dilations)]
    positions = [window_output_size(n, s, st, 0, 0) for n, s, st in zip(x.shape, spans, strides)]
    if 0 in positions:
        return np.zeros(tuple(positions) + tuple(window), x.dtype)
    view = np.lib.stride_tricks.sliding_window_view(x, spans) if x.ndim else x
    steps = tuple(slice(None, None, s) for s in strides) + tuple(slice(None, None, d) for d in dilations)
    return view[steps]


def padding_pairs(ctx, rank: int) -> list[tuple[int, int]]:
    """The flattened ``padding`` attribute as (low, high) pairs, one per dimension."""
    flat = int_list(ctx, "padding")
    if len(flat) != 2 * rank:
        raise ShapeError(f"padding has {len(flat)} entries, expected {2 * rank} (a low/high pair per dimension)")
    return list(zip(flat[::2], flat[1::2]))


def padding_attr(ctx, pairs):
    """StableHLO's ``padding``: an N x 2 i64 dense elements attribute."""
    array = np.asarray(pairs, np.int64).reshape(-1, 2)
    return ctx.ir.DenseIntElementsAttr.get(array, shape=array.shape)


# ---- numerics -----------------------------------------------------------------------------------
def accumulation_dtype(dtype: np.dtype) -> np.dtype:
    """A wide type to sum or multiply in: integers wrap like XLA's after the cast back, floats lose less."""
    if dtype.kind == "i":
        return np.dtype(np.int64)
    if dtype.kind == "u":
        return np.dtype(np.uint64)
    if dtype.kind == "c":
        return np.dtype(np.complex128)
    if dtype.kind == "b":
        return dtype
    return np.dtype(np.float64)
