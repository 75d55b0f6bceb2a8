"""TensorFlow's optimizer kernels, ``(Resource)(Sparse)Apply<Optimizer>``: update a variable and its
slot variables (accumulators, moments) from a gradient.

Each optimizer is one update rule, written once on whole tensors after TensorFlow's CPU kernels
(``training_ops.cc``): the dense ops apply it to the variables, the sparse ops to the rows their
``indices`` name, one index after another as TensorFlow does (:mod:`.indexed_rows`). Inputs are
found by their TensorFlow names. A TF1 op (ref variables) returns its variable; a resource op returns
nothing. ``use_locking`` changes nothing here: a step's variable updates never interleave.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from tfc.frontend.tensor import Tensor
from tfc.registry import ShapeError
from tfc.types import ResourceType, TensorType

from ..dialect import attr_dtype, tf_op
from ..op_schema import op_defs
from . import optimizer_rules as rules
from .indexed_rows import check_constant_rows, update_rows
from .state import assign, read_static

FORMS = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply")


@dataclass(frozen=True)
class Optimizer:
    """An update rule and the op forms TensorFlow registers for it."""

    name: str
    slots: tuple[str, ...]
    """The slot variables' input names, in TensorFlow's order after ``var``."""
    update: Callable[[dict, dict], dict]
    """``update(attrs, inputs by name) -> new values by variable name`` (only those that change)."""
    forms: tuple[str, ...] = FORMS
    complex: bool = False
    """Whether TensorFlow has kernels for complex variables (else only real floating-point ones)."""
    nonempty_rows: bool = False
    """Whether TensorFlow's sparse kernel rejects a variable whose rows have no elements."""


OPTIMIZERS = (
    Optimizer("GradientDescent", (), rules.gradient_descent, ("Apply", "ResourceApply"), complex=True),
    Optimizer("ProximalGradientDescent", (), rules.proximal_gradient_descent, nonempty_rows=True),
    Optimizer("Momentum", ("accum",), rules.momentum, complex=True),
    Optimizer("KerasMomentum", ("accum",), rules.keras_momentum, ("ResourceApply", "ResourceSparseApply"), complex=True),
    Optimizer("Adam", ("m", "v"), rules.adam, ("Apply", "ResourceApply"), complex=True),
    Optimizer("AdamWithAmsgrad", ("m", "v", "vhat"), rules.adam_with_amsgrad, ("ResourceApply",)),
    Optimizer("AdaMax", ("m", "v"), rules.adamax, ("Apply", "ResourceApply")),
    Optimizer("RMSProp", ("ms", "mom"), rules.rmsprop, complex=True),
    Optimizer("CenteredRMSProp", ("mg", "ms", "mom"), rules.centered_rmsprop, complex=True),
    Optimizer("Adagrad", ("accum",), rules.adagrad, complex=True, nonempty_rows=True),
    Optimizer("AdagradV2", ("accum",), rules.adagrad_v2, complex=True, nonempty_rows=True),
    Optimizer("AdagradDA", ("gradient_accumulator", "gradient_squared_accumulator"), rules.adagrad_da, nonempty_rows=True),
    Optimizer("Adadelta", ("accum", "accum_update"), rules.adadelta, complex=True),
    Optimizer("Ftrl", ("accum", "linear"), rules.ftrl, nonempty_rows=True),
    Optimizer("FtrlV2", ("accum", "linear"), rules.ftrl, nonempty_rows=True),
    Optimizer("ProximalAdagrad", ("accum",), rules.proximal_adagrad, nonempty_rows=True),
    Optimizer("AddSign", ("m",), rules.add_sign, ("Apply", "ResourceApply")),
    Optimizer("PowerSign", ("m",), rules.power_sign, ("Apply", "ResourceApply")),
)

_GRADIENT_NAMES = {"delta": "grad"}  # the dense GradientDescent ops call their gradient delta


@functools.cache
def input_names(op: str) -> tuple[str, ...]:
    """The op's input names by TensorFlow's OpDef, its gradient always called ``grad``."""
    return tuple(_GRADIENT_NAMES.get(arg.name, arg.name) for arg in op_defs()[op].input_arg)


@dataclass(frozen=True)
class _Form:
    """One registered op: an optimizer in one of its forms."""

    op: str
    optimizer: Optimizer
    sparse: bool

    @property
    def variables(self) -> tuple[str, ...]:
        return ("var", *self.optimizer.slots)

    def infer(self, ctx, *types):
        names = input_names(self.op)
        if len(types) != len(names):
            raise ShapeError(f"expects {len(names)} inputs ({', '.join(names)}), got {len(types)}")
        named = dict(zip(names, types))
        dtype = attr_dtype(ctx)
        if not (dtype.is_float or (dtype.is_complex and self.optimizer.complex)):
            kinds = "a floating-point or complex type" if self.optimizer.complex else "a floating-point type"
            raise ShapeError(f"T = {dtype.value} is not supported (expected {kinds}, as TensorFlow's kernels)")
        shape = _check_variables(named, self.variables, dtype)
        _check_scalars(named, self.variables)
        _check_gradient(named, shape, self.sparse)
        if self.sparse and shape is not None:
            check_constant_rows(ctx.constant(names.index("indices")), shape[0], "indices")
            if self.optimizer.nonempty_rows and 0 in shape[1:]:
                raise ShapeError(f"var's rows must not be empty (TensorFlow's kernel requires it), got shape {_text(shape)}")
        return [named["var"]] if not self.op.startswith("Resource") else []

    def decompose(self, ctx, *tensors):
        named = dict(zip(input_names(self.op), tensors))
        handles = {name: named.pop(name) for name in self.variables}
        values = {name: read_static(handle) for name, handle in handles.items()}
        if self.sparse:
            new = self._sparse_update(ctx.attrs, values, named)
        else:
            new = self.optimizer.update(ctx.attrs, {**named, **values})
        for name, value in new.items():
            assign(handles[name], value)
        return [handles["var"]] if ctx.result_types else []

    def _sparse_update(self, attrs: dict, values: dict, named: dict) -> dict:
        """The update applied to the rows ``indices`` names, in order (see indexed_rows)."""
        changed: list[str] = []

        def update(rows: list[Tensor], per_index: list[Tensor]) -> list[Tensor]:
            inputs = {**named, **dict(zip(self.variables, rows)), "grad": per_index[0]}
            new = self.optimizer.update(attrs, inputs)
            changed[:] = [name for name in self.variables if name in new]
            return [new.get(name, row) for name, row in zip(self.variables, rows)]

        tables = update_rows([values[n] for n in self.variables], named["indices"], [named["grad"]], update)
        return {name: table for name, table in zip(self.variables, tables) if name in changed}


def _check_variables(named: dict, variables: tuple[str, ...], dtype) -> tuple | None:
    """The variables are handles of ``dtype`` values, all of one shape: that shape (None if unknown)."""
    shape = None
    for name in variables:
        handle = named[name]
        if not isinstance(handle, ResourceType):
            raise ShapeError(f"'{name}' must be a variable, got {handle}")
        value = handle.value_type
        if value is None:
            continue
        if value.dtype is not dtype:
            raise ShapeError(f"'{name}' holds {value.dtype.value} values, but T = {dtype.value}")
        if value.shape is None:
            continue
        if shape is not None and not TensorType(dtype, shape).is_compatible(value):
            raise ShapeError(f"var and {name} do not have the same shape: {_text(shape)} vs {_text(value.shape)}")
        shape = value.shape if shape is None else shape
    return shape


def _check_scalars(named: dict, variables: tuple[str, ...]) -> None:
    for name, t in named.items():
        if name in variables or name in ("grad", "indices"):
            continue
        if t.shape is not None and t.shape != ():
            raise ShapeError(f"'{name}' must be a scalar, got {t}")


def _check_gradient(named: dict, shape: tuple | None, sparse: bool) -> None:
    grad = named["grad"]
    if not sparse:
        if shape is not None and grad.shape is not None and not TensorType(grad.dtype, shape).is_compatible(grad):
            raise ShapeError(f"var and grad do not have the same shape: {_text(shape)} vs {_text(grad.shape)}")
        return
    indices = named["indices"]
    if shape is not None and len(shape) == 0:
        raise ShapeError("var must be at least 1-dimensional")
    if indices.shape is not None and len(indices.shape) != 1:
        raise ShapeError(f"indices must be 1-dimensional, got {indices}")
    if shape is None or grad.shape is None or indices.shape is None:
        return
    want = (indices.shape[0], *shape[1:])
    if not TensorType(grad.dtype, want).is_compatible(grad):
        raise ShapeError(f"grad must have shape {_text(want)} (one row of var per index), got {_text(grad.shape)}")


def _text(shape) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _register(optimizer: Optimizer, form: str) -> None:
    op = f"{form}{optimizer.name}"
    rule = _Form(op, optimizer, "Sparse" in form)
    if form.startswith("Resource"):
        tf_op(op, rule.infer, rule.decompose, stateful=True, outputs=(), ref_inputs=tuple(range(len(rule.variables))))
    else:
        tf_op(op, rule.infer, rule.decompose, stateful=True, outputs=(("out", 1),), ref_inputs=tuple(range(len(rule.variables))))


for _optimizer in OPTIMIZERS:
    for _form in _optimizer.forms:
        _register(_optimizer, _form)
