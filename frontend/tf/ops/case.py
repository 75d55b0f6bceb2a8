"""TensorFlow's n-way switch: Case and StatelessCase.

``Case(branch_index, *inputs)`` runs ``branches[branch_index](*inputs)``; an index out of
``[0, len(branches))`` runs the last branch (TensorFlow's default case). As with If, the import hook
specializes every branch function for the input types; legalization emits ``tfc.if`` ops whose
regions ``tfc.call`` the branches, so only the chosen branch runs: ``0 <= index < n - 1 ? pick : b_last``,
where ``pick`` halves the range ``[0, n - 1)`` at each ``tfc.if`` (``index < mid ? ... : ...``). So a
Case of n branches nests about log2(n) regions, not n: a Case of a thousand branches stays far
inside ``tfc.limits.MAX_REGION_DEPTH``.
"""

from __future__ import annotations

from tfc.attributes import ArrayAttr, SymbolRefAttr
from tfc.frontend import api as tnp
from tfc.frontend.control import cond as traced_cond
from tfc.registry import ShapeError
from tfc.types import DType

from ..dialect import IMPORT_HOOKS, tf_op, unknown
from .control import call, join_types, refined_types


def _branch_names(attrs) -> list[str]:
    branches = attrs.get("branches")
    names = list(branches.value) if isinstance(branches, ArrayAttr) else []
    if not names:
        raise ShapeError("needs a non-empty 'branches' list of functions")
    return names


def _specialize_case(library, operand_types, attrs, operands=()):
    """Import each branch for the input types; the results are the branches' joined types."""
    branch_types = refined_types(operand_types, operands)[1:]
    functions = [library.instantiate(name, branch_types) for name in _branch_names(attrs)]
    results = list(functions[0].type.results)
    for function in functions[1:]:
        other = list(function.type.results)
        if len(other) != len(results) or any(a.dtype != b.dtype for a, b in zip(results, other)):
            raise ShapeError(f"branches return different types: {results} and {other}")
        results = [join_types(a, b) for a, b in zip(results, other)]
    attrs = dict(attrs, branches=ArrayAttr(tuple(SymbolRefAttr(f.name) for f in functions)))
    return attrs, results


def _case_types(ctx, index, *inputs):
    if index.dtype != DType.i32 or index.shape not in (None, ()):
        raise ShapeError(f"branch_index must be an i32 scalar, got {index}")
    if not ctx.attrs.get("branches"):
        raise ShapeError("needs a non-empty 'branches' list of functions")
    if ctx.declared:
        return list(ctx.declared)
    return [unknown(d) for d in ctx.attrs.get("Tout", ())]


def _case(ctx, index, *inputs):
    names = list(ctx.attrs["branches"])
    index = tnp.reshape(index, ())
    last = len(names) - 1  # the last branch is also the default for out-of-range indices

    def pick(low: int, high: int):
        """The branch for an index known to be in [low, high): a binary search of tfc.if ops."""
        if high - low == 1:
            return call(names[low], list(inputs))
        mid = (low + high) // 2
        return traced_cond(tnp.less(index, mid), lambda: pick(low, mid), lambda: pick(mid, high))

    if last == 0:
        return list(call(names[0], list(inputs)))
    in_range = tnp.logical_and(tnp.greater_equal(index, 0), tnp.less(index, last))
    return list(traced_cond(in_range, lambda: pick(0, last), lambda: call(names[last], list(inputs))))


for _name in ("Case", "StatelessCase"):
    tf_op(_name, _case_types, _case, stateful=_name == "Case", outputs=(("output", lambda a: len(a.get("Tout", ()))),))
    IMPORT_HOOKS[f"tf.{_name}"] = _specialize_case
