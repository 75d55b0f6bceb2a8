"""Helpers for ``tf.*`` ops in the IR: their data and control parts, constants, and their decompositions.

A tf op's operands are its data inputs followed by one ``!tfc.token`` per control input; its results
are its outputs followed, when something waits on it, by one ``!tfc.token``. The tf-level passes
(``tf-fold``, ``tf-fuse``, ``legalize-tf``) and the remapper share these helpers.
"""

from __future__ import annotations

import numpy as np

from tfc.attributes import DenseElementsAttr, DTypeAttr
from tfc.backends.interp.interpreter import Interpreter
from tfc.effects import constant_value
from tfc.frontend.tensor import Tensor, to_tensor
from tfc.frontend.tracing import Trace, tracing
from tfc.ir import Block, Module, Operation, OpResult, Value
from tfc.registry import lookup
from tfc.types import TensorType, TokenType

from .dialect import TOKEN, DecomposeContext


def is_tf(op: Operation) -> bool:
    """A tf dialect op: trailing ``!tfc.token`` operands and results are its control edges."""
    return op.name.startswith("tf.")


def split_operands(op: Operation) -> tuple[list[Value], list[Value]]:
    """(data operands, control tokens) of a tf op: the tokens trail."""
    operands = op.operands
    n = len(operands)
    while n and isinstance(operands[n - 1].type, TokenType):
        n -= 1
    return list(operands[:n]), list(operands[n:])


def data_results(op: Operation) -> list[OpResult]:
    return [r for r in op.results if not isinstance(r.type, TokenType)]


def token_result(op: Operation) -> OpResult | None:
    return op.results[-1] if op.results and isinstance(op.results[-1].type, TokenType) else None


def make_const(value: np.ndarray, result_type: TensorType, like: Operation, name_hint: str | None, token: bool = False) -> Operation:
    """A ``tf.Const`` holding ``value`` with ``like``'s location, declared ``result_type`` (kept so
    users and function signatures see the same type) and, when asked, a control token result."""
    value = np.asarray(value).astype(result_type.dtype.numpy, copy=False)
    attrs = {"dtype": DTypeAttr(result_type.dtype), "value": DenseElementsAttr.from_array(value)}
    types = [result_type, TOKEN] if token else [result_type]
    return Operation("tf.Const", (), types, attrs, location=like.location, result_names=[name_hint] * len(types))


def walk_blocks(op: Operation):
    """Every block nested in ``op`` (function bodies, region bodies), outermost first."""
    for region in op.regions:
        for block in region.blocks:
            yield block
            for inner in block.ops:
                yield from walk_blocks(inner)


def trace_decomposition(module: Module, op: Operation, scratch: Block) -> list[Value] | None:
    """Record ``op``'s decomposition into ``scratch``; returns the produced values (or None on failure).

    The recorded ops use ``op``'s real operands: call :func:`discard` on ``scratch`` afterwards."""
    opdef = lookup(op.name)
    if opdef is None or opdef.decompose is None:
        return None
    data, _ = split_operands(op)
    trace = Trace.into_block(module, scratch, op.location)
    try:
        with tracing(trace):
            produced = opdef.decompose(DecomposeContext(op, data, data_results(op)), *[Tensor(v, trace) for v in data])
            produced = produced if isinstance(produced, (list, tuple)) else [produced]
            return [to_tensor(p, trace).value for p in produced]
    except Exception:  # noqa: BLE001 - a decomposition that cannot run here is simply not folded
        return None


def discard(scratch: Block) -> None:
    """Forget the ops recorded in ``scratch`` (drop their uses of real values)."""
    for new in scratch.ops:
        for inner in new.walk():
            inner.drop_operands()
    scratch.ops.clear()


def evaluate_on_constants(module: Module | None, ops, produced: list[Value], max_elements: int) -> list[np.ndarray] | None:
    """The values of ``produced`` when they depend on constants only, by running ``ops`` (a recorded
    decomposition, in order) on the interpreter; None when one needs a run-time value or is too big.

    This is how legalize-tf folds shape arithmetic while it decomposes, and how tf-fold folds."""
    if any(new.regions for new in ops):
        return None  # branches and loops call functions that may still be tf ops
    env: dict[Value, np.ndarray] = {}
    interpreter = Interpreter(module)

    def known(value: Value):
        if value not in env:
            found = constant_value(value)
            if found is None:
                return None
            env[value] = found
        return env[value]

    with np.errstate(all="ignore"):
        for new in ops:
            if any(too_big(r.type, max_elements) for r in new.results):
                continue
            operands = [known(v) for v in new.operands]
            if any(a is None for a in operands):
                continue
            try:
                outputs = interpreter.evaluate(new, operands, env)
            except Exception:  # noqa: BLE001 - left for run time, where TensorFlow would fail too
                return None
            env.update(zip(new.results, outputs))
    values = [known(v) for v in produced]
    return None if any(v is None or v.size > max_elements for v in values) else values


def too_big(t, max_elements: int) -> bool:
    """Not a static tensor of at most ``max_elements`` elements."""
    return not isinstance(t, TensorType) or t.num_elements is None or t.num_elements > max_elements


__all__ = [
    "data_results",
    "discard",
    "evaluate_on_constants",
    "is_tf",
    "make_const",
    "split_operands",
    "token_result",
    "too_big",
    "trace_decomposition",
    "walk_blocks",
]
