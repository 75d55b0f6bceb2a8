"""``x[key]`` as TensorFlow's StridedSlice: begin, end, strides and the five masks.

Integers shrink their axis, ``None`` (``tf.newaxis``) adds one, ``...`` stands for the axes not named,
a missing slice bound is a mask bit (the whole axis), as ``tf.Tensor.__getitem__`` encodes them.
"""

from __future__ import annotations

import numbers


def strided_slice_spec(key, ndims: int | None) -> tuple[list[int], list[int], list[int], dict]:
    """``(begin, end, strides, masks)`` for the index ``key`` of a tensor of rank ``ndims``."""
    items = key if isinstance(key, tuple) else (key,)
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), 0)
    for position, item in enumerate(items):
        bit = 1 << position
        if item is Ellipsis:
            masks["ellipsis_mask"] |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif item is None:
            masks["new_axis_mask"] |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif isinstance(item, slice):
            for bound, mask, values in ((item.start, "begin_mask", begin), (item.stop, "end_mask", end)):
                if bound is None:
                    masks[mask] |= bit
                values.append(0 if bound is None else _index(bound))
            strides.append(1 if item.step is None else _index(item.step))
            if strides[-1] == 0:
                raise ValueError("slice step cannot be zero")
        else:
            index = _index(item)
            masks["shrink_axis_mask"] |= bit
            begin.append(index), end.append(index + 1), strides.append(1)
            if index == -1:
                masks["end_mask"] |= bit  # x[-1]: up to the end (end = 0 would be empty)
    if ndims is not None and len(items) - sum(i is None or i is Ellipsis for i in items) > ndims:
        raise IndexError(f"too many indices ({len(items)}) for a tensor of rank {ndims}")
    return begin, end, strides, masks


def _index(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"tensor indices must be Python ints, slices, ... or None (tfc does not index by tensors yet), got {type(value).__name__}")
    return int(value)


__all__ = ["strided_slice_spec"]
