"""How op-suite cases are written: one :func:`case` call per (op, variant), inputs and attributes by
TensorFlow's own argument names (those of ``tf.raw_ops.<Op>``).

    case("AddV2", x=f32(2, 3), y=f32(3))                      # fed inputs (placeholders)
    case("Reshape", tensor=f32(2, 3), shape=const(i32v([3, 2])))  # a Const input (a shape must be known)
    case("Conv2D", "same", input=f32(1, 5, 5, 2), filter=f32(3, 3, 2, 4), strides=[1, 1, 1, 1], padding="SAME")

A keyword that names one of the op's inputs is an input; any other is an attribute. An input value is
an array (fed through a Placeholder), ``const(array)`` (a Const node), or a list of those (a list
input, ``N`` of them). Arrays come from :func:`f32`, :func:`i32`... (deterministic: seeded per case)
or are given. ``rtol``/``atol`` loosen the float comparison; ``check="shape"`` compares only shapes and
dtypes (random ops).

Stateful ops take variables: an input given as :func:`variable` is a variable initialized to its value,
a TF1 ref variable (``VariableV2`` + ``Assign``) or a resource variable (``VarHandleOp`` +
``AssignVariableOp``), whichever the op's input takes unless ``kind`` says. The generator runs the
initializers (op ``init``), then the op ``steps`` times with the same feeds, fetching its outputs and
every initialized variable's value after the op (``<name>/read``, read under a control dependency on
the op) in each step; the last step's values are recorded::

    case("ResourceApplyAdam", var=variable(f32(3)), m=variable(f32(3)), ..., grad=f32(3), steps=2)

An op TensorFlow's Python API does not expose (Grappler's ``_FusedConv2D``...) is declared the same
way; the generator builds its node from the OpDef, filling in the attributes' defaults.

Ops that take or return handles, or functions (TensorList*, TensorArray*, While, If, Case,
PartitionedCall...), cannot be fed or fetched alone: a :func:`composite` case builds a small graph
with TensorFlow (``build(tf, feed)`` returns the tensors to fetch; ``feed(name, value)`` makes a fed
Placeholder) and covers each op type it names in ``covers``::

    def reserve_set_stack(tf, feed):
        items = tf.raw_ops.TensorListReserve(element_shape=[2], num_elements=3, element_dtype=tf.float32)
        items = tf.raw_ops.TensorListSetItem(input_handle=items, index=1, item=feed("item", f32(2)))
        return [tf.raw_ops.TensorListStack(input_handle=items, element_dtype=tf.float32)]

    composite("TensorListSetItem", "reserve_set_stack", reserve_set_stack,
              covers=("TensorListReserve", "TensorListStack"))

Every case's graph also covers the Const and Placeholder nodes that hold its inputs.

This module needs only numpy: the generator imports TensorFlow, the families only this.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

CASES: list[Case] = []
_rng = np.random.default_rng(0)


@dataclass(frozen=True)
class Const:
    """An input given as a Const node (TensorFlow and tfc both see its value)."""

    value: np.ndarray


@dataclass(frozen=True)
class Variable:
    """An input that is a variable initialized to ``value``. ``kind``: ``"ref"`` or ``"resource"``
    (None: what the op's input takes); ``initialized=False`` leaves out its initializer and its read."""

    value: object
    kind: str | None = None
    initialized: bool = True


@dataclass
class Case:
    op: str
    variant: str
    family: str
    inputs: dict
    attrs: dict
    rtol: float | None = None
    atol: float | None = None
    check: str = "values"
    outputs: list[int] | None = None  # which outputs to fetch (default: all)
    notes: dict = field(default_factory=dict)
    steps: int = 1  # how many times a stateful case runs the op
    build: Callable | None = None  # a composite case's graph builder: build(tf, feed) -> fetched tensors
    covers: tuple[str, ...] = ()  # the op types a composite case tests besides ``op``

    @property
    def composite(self) -> bool:
        return self.build is not None

    @property
    def stateful(self) -> bool:
        return any(isinstance(v, Variable) for v in self.inputs.values())

    @property
    def id(self) -> str:
        return f"{self.op}/{self.variant}"


_family = "misc"


def family(name: str) -> None:
    """Cases declared after this belong to ``name`` (one data file per family)."""
    global _family, _rng
    _family = name


def case(op: str, variant: str = "default", *, rtol=None, atol=None, check="values", outputs=None, steps=1,
         **arguments) -> Case:
    """Declare one case; ``arguments`` are split into inputs and attributes by the generator."""
    c = Case(op, variant, _family, {}, {}, rtol, atol, check, outputs, steps=steps)
    c.notes["arguments"] = arguments
    if any(other.id == c.id for other in CASES):
        raise ValueError(f"duplicate op-suite case {c.id}")
    CASES.append(c)
    return c


def composite(op: str, variant: str, build: Callable, *, covers=(), rtol=None, atol=None, check="values") -> Case:
    """Declare a case whose graph ``build(tf, feed)`` makes (see the module docstring); it tests
    ``op`` and every op type in ``covers``."""
    c = case(op, variant, rtol=rtol, atol=atol, check=check)
    c.build, c.covers = build, tuple(covers)
    return c


def seed(name: str) -> None:
    """Restart the value generator from ``name`` (the generator calls it per case: values do not
    depend on which other cases exist)."""
    global _rng
    _rng = np.random.default_rng(zlib.crc32(name.encode()))


def _floats(shape, dtype, low, high):
    return _rng.uniform(low, high, size=shape).astype(dtype)


def f32(*shape, low=-2.0, high=2.0):
    return lambda: _floats(shape, np.float32, low, high)


def f64(*shape, low=-2.0, high=2.0):
    return lambda: _floats(shape, np.float64, low, high)


def f16(*shape, low=-2.0, high=2.0):
    return lambda: _floats(shape, np.float16, low, high)


def ints(*shape, dtype=np.int32, low=-5, high=6):
    return lambda: _rng.integers(low, high, size=shape).astype(dtype)


def i32(*shape, low=-5, high=6):
    return ints(*shape, dtype=np.int32, low=low, high=high)


def i64(*shape, low=-5, high=6):
    return ints(*shape, dtype=np.int64, low=low, high=high)


def bools(*shape):
    return lambda: _rng.random(shape) < 0.5


def c64(*shape):
    return lambda: (_floats(shape, np.float32, -2, 2) + 1j * _floats(shape, np.float32, -2, 2)).astype(np.complex64)


def const(value):
    """A Const input: ``value`` is an array, a list, or a generator such as ``f32(2, 3)``."""
    return Const(value)


def variable(value, kind: str | None = None, initialized: bool = True) -> Variable:
    """A variable input holding ``value`` (an array or a generator such as ``f32(2, 3)``)."""
    if kind not in (None, "ref", "resource"):
        raise ValueError(f"variable kind must be 'ref' or 'resource', got {kind!r}")
    return Variable(value, kind, initialized)


def i32v(values):
    return np.asarray(values, np.int32)


def i64v(values):
    return np.asarray(values, np.int64)


def materialize(value):
    """An argument with its generators called (in declaration order, from the case's seed)."""
    if isinstance(value, Const):
        return Const(materialize(value.value))
    if isinstance(value, Variable):
        return Variable(materialize(value.value), value.kind, value.initialized)
    if callable(value):
        return value()
    if isinstance(value, list) and value and all(callable(v) or isinstance(v, (np.ndarray, Const)) for v in value):
        return [materialize(v) for v in value]
    return value
