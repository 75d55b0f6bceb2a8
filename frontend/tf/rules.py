"""The rewrite-rule table of the ``tf.*`` level: TensorFlow's no-op nodes and arithmetic identities.

Applied by ``simplify`` (with the core table) and by ``tf-fuse``, through the driver and the one
floating-point policy of :mod:`tfc.patterns`: by default every rule is exact for every input, and
the rules marked ``exact=False`` (reassociating constants, ``x + 0.0``) need ``fast-math``. TensorFlow
broadcasts, so a rule that drops a constant checks that the constant does not broadcast ``x`` to a
larger shape.
"""

from __future__ import annotations

import numpy as np

from tfc.attributes import DenseElementsAttr, DTypeAttr
from tfc.effects import constant_value
from tfc.ir import Operation, Value
from tfc.patterns import (
    PatternDriver,
    Rule,
    forward_inputs,
    is_additive_identity,
    is_one,
    is_subtractive_identity,
    is_zero,
    operand_when_other_is,
    register_rules,
    rewritable,
)
from tfc.types import TensorType

# (x . c2) . c1 -> x . (c2 . c1): the ops an op combines with, and how the constants combine.
_PUSH_DOWN = {
    "tf.Mul": (("tf.Mul",), np.multiply),
    "tf.AddV2": (("tf.AddV2", "tf.Add"), np.add),
    "tf.Add": (("tf.AddV2", "tf.Add"), np.add),
}


def push_down_constant(op: Operation, driver: PatternDriver):
    """``(x . c2) . c1`` -> ``x . (c2 . c1)`` when ``c2 . c1`` does not broadcast x to a larger shape
    and the inner op has no other user (a float reassociation: equal to rounding, so fast-math)."""
    inner_names, combine = _PUSH_DOWN[op.name]
    out = op.results[0].type
    for index in (0, 1):
        c1, inner_value = constant_value(op.operands[index]), op.operands[1 - index]
        inner = getattr(inner_value, "op", None)
        if c1 is None or inner is None or inner.name not in inner_names or len(inner_value.uses) != 1 or not rewritable(inner):
            continue
        for x, c2 in _run_time_and_constant(inner.operands):
            combined = np.asarray(combine(c2, c1)).astype(out.dtype.numpy)
            if x.type.dtype == out.dtype and x.type.is_static and out.is_static and np.broadcast_shapes(x.type.shape, combined.shape) == out.shape:
                ctype = TensorType(out.dtype, combined.shape)
                attrs = {"dtype": DTypeAttr(out.dtype), "value": DenseElementsAttr.from_array(combined)}
                const = driver.create(op, "tf.Const", [], attrs, ctype, f"{op.results[0].name_hint or 'c'}_c")
                return [driver.create(op, op.name, [x, const.result], dict(op.attributes)).result]
    return None


def _run_time_and_constant(operands) -> list[tuple[Value, np.ndarray]]:
    """(run-time operand, constant value) pairs among two operands."""
    found = []
    for index in (0, 1):
        c, x = constant_value(operands[index]), operands[1 - index]
        if c is not None and constant_value(x) is None:
            found.append((x, c))
    return found


RULES: tuple[Rule, ...] = (
    # TensorFlow's no-op nodes
    Rule("tf.Identity", "Identity(x)", "x", forward_inputs),  # copies its input
    Rule("tf.IdentityN", "IdentityN(xs)", "xs", forward_inputs),  # copies each input
    Rule("tf.Snapshot", "Snapshot(x)", "x", forward_inputs),  # a copy
    # arithmetic identities with splat constants that do not broadcast x (exact: tfc.patterns' policy)
    Rule("tf.Mul", "x * 1", "x", operand_when_other_is(0, 1, is_one)),  # exact for floats too
    Rule("tf.Mul", "1 * x", "x", operand_when_other_is(1, 0, is_one)),
    Rule("tf.AddV2", "x + 0", "x", operand_when_other_is(0, 1, is_additive_identity)),  # 0 is -0.0 for floats
    Rule("tf.AddV2", "0 + x", "x", operand_when_other_is(1, 0, is_additive_identity)),
    Rule("tf.Add", "x + 0", "x", operand_when_other_is(0, 1, is_additive_identity)),
    Rule("tf.Add", "0 + x", "x", operand_when_other_is(1, 0, is_additive_identity)),
    Rule("tf.Sub", "x - 0", "x", operand_when_other_is(0, 1, is_subtractive_identity)),  # +0.0 for floats
    Rule("tf.RealDiv", "x / 1", "x", operand_when_other_is(0, 1, is_one)),
    Rule("tf.Div", "x / 1", "x", operand_when_other_is(0, 1, is_one)),
    # fast-math only
    Rule("tf.AddV2", "x + 0.0", "x", operand_when_other_is(0, 1, is_zero), exact=False),  # -0.0 + 0.0 is +0.0
    Rule("tf.AddV2", "0.0 + x", "x", operand_when_other_is(1, 0, is_zero), exact=False),
    Rule("tf.Add", "x + 0.0", "x", operand_when_other_is(0, 1, is_zero), exact=False),
    Rule("tf.Add", "0.0 + x", "x", operand_when_other_is(1, 0, is_zero), exact=False),
    Rule("tf.Mul", "(x * c2) * c1", "x * (c2 * c1)", push_down_constant, exact=False),  # reassociation
    Rule("tf.AddV2", "(x + c2) + c1", "x + (c2 + c1)", push_down_constant, exact=False),
    Rule("tf.Add", "(x + c2) + c1", "x + (c2 + c1)", push_down_constant, exact=False),
)

register_rules(RULES)

__all__ = ["RULES", "push_down_constant"]
