"""Updating rows of tensors at run-time indices one index after another, as TensorFlow's CPU kernels
do (the sparse optimizer updates, ``Scatter*``): a row listed twice is updated twice, the second
update seeing the first.

XLA's scatter combines duplicate indices in no particular order, so the indices are applied in
rounds: round ``k`` applies the ``k``-th occurrence of every row (those name distinct rows, so it is
one gather, the update, one scatter), and there are as many rounds as the most repeated row occurs:
one when the indices are unique. Indices out of range are TensorFlow's run-time error on CPU: constant
ones are ours at compile time (:func:`check_constant_rows`); those computed at run time are skipped,
as a compiled step cannot fail (TensorFlow's GPU scatter kernels skip them too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tfc.effects import constant_value
from tfc.frontend import api as tnp
from tfc.frontend.control import while_loop
from tfc.frontend.tensor import Tensor
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

RowUpdate = Callable[[list[Tensor], list[Tensor]], list[Tensor]]
"""``update(rows of each table, rows of each per-index operand) -> new rows of each table``."""


def update_rows(tables: Sequence[Tensor], rows: Tensor, per_index: Sequence[Tensor], update: RowUpdate) -> list[Tensor]:
    """``tables`` (each ``[R, ...]``) with ``update`` applied at ``rows`` (``[n]``) in order.

    ``per_index`` operands (each ``[n, ...]``) give the update its values for each index.
    """
    tables = list(tables)
    count = rows.shape[0]
    if count == 0 or any(t.type.num_elements == 0 for t in tables):
        return tables
    known = constant_value(rows.value)
    if count == 1 or (known is not None and len(np.unique(known)) == count):
        return _apply(tables, rows, list(per_index), update)
    return _apply_in_rounds(tables, rows, list(per_index), update)


def check_constant_rows(indices, size: int | None, what: str) -> None:
    """Constant ``indices`` (an array, or None when computed at run time) must lie in ``[0, size)``."""
    if indices is None or size is None:
        return
    outside = np.asarray(indices)[(indices < 0) | (indices >= size)]
    if outside.size:
        raise ShapeError(f"{what} {outside.tolist()[:8]} out of range [0, {size}) (TensorFlow fails at run time)")


def scatter_rows(table: Tensor, rows: Tensor, values: Tensor, kind: str = "set") -> Tensor:
    """``table`` with row ``rows[i]`` set to (``kind="set"``) or increased by (``"add"``) ``values[i]``;
    rows out of range are skipped."""
    index_vectors = tnp.reshape(rows, rows.shape + (1,))
    attributes = {
        "update_window_dims": tuple(range(1, table.ndim)),
        "inserted_window_dims": (0,),
        "scatter_dims_to_operand_dims": (0,),
        "index_vector_dim": 1,
        "kind": kind,
    }
    return tnp.emit("tfc.scatter", [table, index_vectors, values], attributes, [table.type])


def _apply(tables: list[Tensor], rows: Tensor, per_index: list[Tensor], update: RowUpdate, targets: Tensor | None = None) -> list[Tensor]:
    """One round: gather ``rows``, update them, scatter the new rows to ``targets`` (default ``rows``;
    an out-of-range target leaves its row out)."""
    current = [tnp.take(t, rows, axis=0) for t in tables]
    new = update(current, per_index)
    targets = rows if targets is None else targets
    return [scatter_rows(t, targets, tnp.astype(n, t.dtype)) for t, n in zip(tables, new)]


def _apply_in_rounds(tables: list[Tensor], rows: Tensor, per_index: list[Tensor], update: RowUpdate) -> list[Tensor]:
    """Sort the indices (stably) so each row's occurrences are adjacent and numbered, then apply
    occurrence ``k`` of every row in round ``k``."""
    order, sorted_rows, occurrence = _occurrences(rows)
    per_index = [tnp.take(p, order, axis=0) for p in per_index]
    rounds = tnp.add(tnp.max(occurrence), 1)
    skipped = tnp.astype(tables[0].shape[0], rows.dtype)

    def body(state):
        round_, current = state
        targets = tnp.where(tnp.equal(occurrence, round_), sorted_rows, skipped)
        return tnp.add(round_, 1), tuple(_apply(list(current), sorted_rows, per_index, update, targets))

    return list(while_loop(lambda state: tnp.less(state[0], rounds), body, (tnp.astype(0, DType.i32), tuple(tables)))[1])


def _occurrences(rows: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(order, rows sorted stably, how many earlier sorted positions hold the same row) as [n] tensors."""
    count = rows.shape[0]
    positions = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.i32, (count,))])
    sorted_rows, order = tnp.emit_results("tfc.sort", [rows, positions], {"dimension": 0, "descending": False})
    starts = tnp.concatenate([tnp.to_tensor(np.array([True])), tnp.not_equal(sorted_rows[1:], sorted_rows[:-1])])
    run = tnp.subtract(tnp.cumsum(tnp.astype(starts, DType.i32)), 1)
    run_starts = scatter_rows(tnp.zeros_like(positions), tnp.where(starts, run, count), positions)
    return order, sorted_rows, tnp.subtract(positions, tnp.take(run_starts, run, axis=0))
