"""TensorFlow's inverse trigonometric and hyperbolic ops: Asin, Acos, Atan, Sinh, Cosh, Asinh,
Acosh, Atanh, on real floats and on complex numbers.

Each is one core op (a CHLO op in XLA), which keeps accuracy where a composition of exp, log and
sqrt would lose it: near zero, near the ends of the domain, and for large operands.
"""

from __future__ import annotations

from ..dialect import same_as_first, tf_op
from .math import emit

_CORE_OPS = {
    "Asin": "asin",
    "Acos": "acos",
    "Atan": "atan",
    "Sinh": "sinh",
    "Cosh": "cosh",
    "Asinh": "asinh",
    "Acosh": "acosh",
    "Atanh": "atanh",
}


def _core(name: str):
    return lambda ctx, x: emit(name, x)


for _tf_name, _core_name in _CORE_OPS.items():
    tf_op(_tf_name, same_as_first, _core(_core_name), outputs=(("y", 1),))
