"""Specialize an exported program whose inputs have ``?`` dims to one call's input shapes.

``shape-inference`` refines forward, from operands to results. A traced program also has values
whose size only their users know: a scalar broadcast to ``?x2`` before it is added to ``x @ w``
gets its ``?`` from ``x``, which ``tfc.broadcast_in_dim`` cannot see. Elementwise ops have
same-shaped operands and results, so each dim one of them knows is given to all of them; the
two steps alternate until nothing changes.

Before (``x: tensor<4x3xf32>``)::

    %2 = "tfc.broadcast_in_dim"(%c) : (tensor<f32>) -> tensor<?x2xf32>
    %3 = "tfc.subtract"(%0, %2) : (tensor<4x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>

After::

    %2 = "tfc.broadcast_in_dim"(%c) : (tensor<f32>) -> tensor<4x2xf32>
    %3 = "tfc.subtract"(%0, %2) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>

Two more steps join the loop. A ``tfc.broadcast_in_dim`` that maps a ``?`` operand dim to a ``?``
result dim gets the operand's size: the tracer broadcasts an unknown dim against another unknown dim
only as the same size (``tfc.frontend.shapes.broadcast_shapes``). And the sizes a traced program
reads at run time fold to constants: ``tfc.get_dimension_size`` of a now known dim, the integer
arithmetic on them (exact, so folding changes no result), then each op whose shape is an operand
becomes the static op the program traced at those shapes has: ``tfc.dynamic_reshape``,
``tfc.dynamic_iota`` and ``tfc.dynamic_broadcast_in_dim`` with a constant shape become
``tfc.reshape``, ``tfc.iota`` and ``tfc.broadcast_in_dim``; ``tfc.real_dynamic_slice`` with constant
bounds a ``tfc.slice``, and one from run-time starts to ``starts + sizes`` (a loop reading row ``t``)
the ``tfc.dynamic_slice`` of those sizes. A ``?`` still left is an error naming its op.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.backends.interp.interpreter import Interpreter
from tfc.builder import Builder
from tfc.diagnostics import TfcError
from tfc.effects import constant_value, is_pure
from tfc.ir import Module, Operation, Value
from tfc.passmanager import PassManager
from tfc.registry import Trait, lookup
from tfc.types import FunctionType, TensorType

MAX_ROUNDS = 32
MAX_FOLDED_ELEMENTS = 64
"""Integer results up to this size fold (shape vectors and sizes; not an integer program's data)."""


STATIC_FORMS = {"tfc.dynamic_reshape": ("tfc.reshape", 1), "tfc.real_dynamic_slice": ("tfc.slice", 3), "tfc.dynamic_iota": ("tfc.iota", 1),
                "tfc.dynamic_broadcast_in_dim": ("tfc.broadcast_in_dim", 1)}
"""Ops whose last operands give their shape or bounds: (the op they are once those are constants, how many)."""


class SpecializeError(TfcError):
    """A value of the specialized program whose shape the call's shapes do not decide."""


def specialize(module: Module, entry: str, arg_types: Sequence[TensorType], platform: str) -> None:
    """Retype ``entry``'s leading parameters to ``arg_types``, refine every type from them, then
    rewrite for ``platform`` (``backend-lowering``), in place."""
    function = module.function(entry)
    traced = traced_broadcasts(module)  # as traced: before the arguments take the call's shapes
    types = [*arg_types, *(a.type for a in function.args[len(arg_types):])]
    for argument, new in zip(function.args, types):
        argument.type = new
    function.set_type(FunctionType(tuple(types), function.type.results))
    for _ in range(MAX_ROUNDS):
        PassManager("shape-inference").run(module)
        if not unify_elementwise(module) + follow_broadcasts(traced) + fold_sizes(module):
            break
    PassManager("shape-inference").run(module)
    PassManager("dce").run(module)
    require_static(module)
    function.set_type(FunctionType(tuple(types), tuple(v.type for v in function.return_op.operands)))
    PassManager(f"backend-lowering{{platform={platform}}}").run(module)


def unify_elementwise(module: Module) -> int:
    """Give every operand and result of each elementwise op the dims any of them knows; returns how
    many values changed."""
    changed = 0
    for op in module.walk():
        opdef = lookup(op.name)
        if opdef is None or not opdef.has(Trait.ELEMENTWISE):
            continue
        values = [v for v in (*op.operands, *op.results) if isinstance(v.type, TensorType) and v.type.shape is not None]
        ranks = {len(v.type.shape) for v in values}
        if len(ranks) != 1:
            continue
        merged = [next((d for d in dims if d is not None), None) for dims in zip(*(v.type.shape for v in values))]
        for value in values:
            if any(d is None and m is not None for d, m in zip(value.type.shape, merged)):
                value.type = TensorType(value.type.dtype, tuple(merged))
                changed += 1
    return changed


def traced_broadcasts(module: Module) -> list:
    """Each ``tfc.broadcast_in_dim`` with the (operand, result) dim pairs that were both ``?`` as traced."""
    found = []
    for op in module.walk():
        if op.name != "tfc.broadcast_in_dim":
            continue
        source, target = op.operands[0].type.shape, op.result.type.shape
        if source is None or target is None:
            continue
        pairs = [(i, d) for i, d in enumerate(op.attr("broadcast_dimensions")) if source[i] is None and target[d] is None]
        if pairs:
            found.append((op, pairs))
    return found


def follow_broadcasts(traced: list) -> int:
    """Give a broadcast's ``?`` result dims the sizes of the ``?`` operand dims they were traced from."""
    changed = 0
    for op, pairs in traced:
        if op.parent is None:
            continue
        source, shape = op.operands[0].type.shape, list(op.result.type.shape)
        for i, d in pairs:
            if shape[d] is None and source[i] is not None:
                shape[d] = source[i]
        if tuple(shape) != op.result.type.shape:
            op.result.type = op.result.type.with_shape(tuple(shape))
            changed += 1
    return changed


def fold_sizes(module: Module) -> int:
    """Fold the sizes the program reads at run time now that shapes are known; returns how many ops changed."""
    interpreter, changed = Interpreter(None), 0
    for op in list(module.walk()):
        if op.parent is None:
            continue
        values = _folded(op, interpreter)
        if values is None:
            continue
        for old, new in zip(op.results, values):
            old.replace_all_uses_with(new)
        op.erase()
        changed += 1
    return changed


def _folded(op: Operation, interpreter: Interpreter) -> list[Value] | None:
    """The values replacing ``op`` (built before it), or None to keep it."""
    if op.name == "tfc.get_dimension_size":
        shape = op.operands[0].type.shape
        dim = None if shape is None else shape[op.attr("dimension")]
        return None if dim is None else [_constant(op, np.array(dim, np.int32))]
    if op.name in STATIC_FORMS:
        static, count = STATIC_FORMS[op.name]
        operands, bounds = op.operands[: len(op.operands) - count], [constant_value(v) for v in op.operands[len(op.operands) - count :]]
        if op.name == "tfc.real_dynamic_slice" and bounds[0] is None and operands[0].type.is_static:
            return _as_dynamic_slice(op)
        if any(b is None for b in bounds) or not all(v.type.is_static for v in operands):
            return None
        if op.name == "tfc.real_dynamic_slice":
            names = ("start_indices", "limit_indices", "strides")
            return [_build(op, static, operands, {k: tuple(int(v) for v in b) for k, b in zip(names, bounds)}, None)]
        result = TensorType(op.result.type.dtype, tuple(int(d) for d in bounds[0]))
        return [_build(op, static, operands, {k: a.value for k, a in op.attributes.items()}, result)]
    return _evaluated(op, interpreter)


def _as_dynamic_slice(op: Operation) -> list[Value] | None:
    """A ``tfc.real_dynamic_slice`` from run-time starts to ``starts + sizes`` (constant sizes, unit
    strides: what ``tfc.frontend.api.dynamic_slice`` records) as the ``tfc.dynamic_slice`` of those sizes."""
    _, starts, limits, strides = op.operands
    add = getattr(limits, "op", None)
    if add is None or add.name != "tfc.add" or add.operands[0] is not starts or constant_value(strides) is None or (constant_value(strides) != 1).any():
        return None
    sizes, scalars = constant_value(add.operands[1]), _start_scalars(op, starts)
    if sizes is None or scalars is None:
        return None
    return [_build(op, "tfc.dynamic_slice", [op.operands[0], *scalars], {"slice_sizes": tuple(int(d) for d in sizes)}, None)]


def _start_scalars(op: Operation, starts: Value) -> list[Value] | None:
    """The i32 scalars a start vector was concatenated from (reshaped scalars or one-element constants)."""
    owner = getattr(starts, "op", None)
    parts = list(owner.operands) if owner is not None and owner.name == "tfc.concatenate" else [starts]
    scalars = []
    for part in parts:
        source, value = getattr(part, "op", None), constant_value(part)
        if value is not None:
            scalars += [_constant(op, np.array(v, np.int32)) for v in value.reshape(-1)]
        elif source is not None and source.name == "tfc.reshape" and source.operands[0].type.shape == ():
            scalars.append(source.operands[0])
        else:
            return None
    return scalars


def _evaluated(op: Operation, interpreter: Interpreter) -> list[Value] | None:
    """A small integer op on constants, evaluated (integer arithmetic is exact: no result changes)."""
    if op.regions or not op.operands or not is_pure(op) or lookup(op.name) is None or lookup(op.name).reference is None:
        return None
    for result in op.results:
        t = result.type
        if not isinstance(t, TensorType) or not t.is_static or not t.dtype.is_int or t.num_elements > MAX_FOLDED_ELEMENTS:
            return None
    arrays = [constant_value(v) for v in op.operands]
    if any(a is None for a in arrays):
        return None
    try:
        values = interpreter.evaluate(op, arrays, {})
    except Exception:  # noqa: BLE001 - a reference that rejects these values stays for run time
        return None
    return [_constant(op, np.asarray(v, result.type.dtype.numpy)) for v, result in zip(values, op.results)]


def _constant(op: Operation, array: np.ndarray) -> Value:
    return _build(op, "tfc.constant", (), {"value": DenseElementsAttr.from_array(array)}, None)


def _build(op: Operation, name: str, operands, attributes: dict, result_type) -> Value:
    """Op ``name`` inserted before ``op``, at its location and with its result's name."""
    builder = Builder(op.parent, op.location, op.parent.ops.index(op))
    types = None if result_type is None else [result_type]
    return builder.create(name, list(operands), attributes, types, name_hint=op.results[0].name_hint).result


def require_static(module: Module) -> None:
    """SpecializeError naming the first op whose result still has a ``?`` dim."""
    for op in module.walk():
        for result in op.results:
            t = result.type
            if isinstance(t, TensorType) and not t.is_static:
                raise SpecializeError(f"'{op.name}' at {op.location} still has an unknown dim after specialization: {t} "
                                      "(an op traced with an unknown dim whose size its operands do not decide)")


__all__ = ["SpecializeError", "fold_sizes", "follow_broadcasts", "require_static", "specialize", "traced_broadcasts", "unify_elementwise"]
