"""Variables of TF1 (ref variables) and TF2 (resource variables): creating, reading, assigning,
asking whether they are initialized and their shape.

Both kinds become one mechanism: a ``tfc.variable`` handle named after the variable, read and
assigned in program order; ``lift-variables`` then makes them function arguments and results.
A TF1 ``Assign`` returns the variable itself (its ref output), so later readers see the update.
The optimizer kernels are in :mod:`.optimizers`, partial writes (``Scatter*``...) in :mod:`.variable_writes`.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import Tensor
from tfc.frontend.tracing import current_trace
from tfc.location import NameLoc
from tfc.registry import ShapeError
from tfc.types import DType, ResourceType, TensorType

from ..dialect import attr_dtype, tf_op
from ..graphdef import tensor_type_from_attrs


def _variable_type(ctx):
    return ResourceType(tensor_type_from_attrs(attr_dtype(ctx, "dtype"), ctx.attrs.get("shape")))


def _variable(ctx):
    name = ctx.attrs.get("shared_name") or (ctx.op.location.name if isinstance(ctx.op.location, NameLoc) else "")
    if not name:
        raise ShapeError("variable has neither a shared_name nor a node name")
    trace = current_trace()
    op = trace.emit("tfc.variable", [], {"name": name}, [ctx.result_type])
    return Tensor(op.result, trace)


def read(handle: Tensor) -> Tensor:
    trace = handle.trace
    value_type = handle.type.value_type
    op = trace.emit("tfc.read_variable", [handle.value], result_types=[value_type])
    return Tensor(op.result, trace)


def read_static(handle: Tensor) -> Tensor:
    """``read``, for updates computed on the value: they need its static shape (the variable op's
    ``shape`` attribute), a clear error where it is not known."""
    value_type = handle.type.value_type
    if value_type is None or not value_type.is_static:
        raise ShapeError(f"needs the variable's static shape (its shape attribute), got {value_type}")
    return read(handle)


def assign(handle: Tensor, value) -> None:
    value = tnp.astype(tnp.to_tensor(value), handle.type.value_type.dtype)
    handle.trace.emit("tfc.assign_variable", [handle.value, value.value])


def _handle(ctx, handle):
    if not isinstance(handle, ResourceType):
        raise ShapeError(f"expects a variable, got {handle}")
    return handle


def _read_type(ctx, handle):
    if isinstance(handle, ResourceType) and handle.value_type is not None:
        return handle.value_type
    return TensorType(attr_dtype(ctx, "dtype"), None)


tf_op("VariableV2", _variable_type, _variable, stateful=True, outputs=(("ref", 1),))
tf_op("Variable", _variable_type, _variable, stateful=True, outputs=(("ref", 1),))
tf_op("VarHandleOp", _variable_type, _variable, stateful=True, outputs=(("resource", 1),))
tf_op("ReadVariableOp", _read_type, lambda ctx, h: read(h), stateful=True, outputs=(("value", 1),), ref_inputs=(0,))


def _assign(update):
    """Decomposition of an op that computes a new value from the old one and assigns it."""

    def decompose(ctx, handle, *operands):
        assign(handle, update(ctx, lambda: read_static(handle), *operands))
        return [handle] if ctx.result_types else []

    return decompose


def _ref_result(ctx, handle, *rest):
    return _handle(ctx, handle)


def _no_result(ctx, handle, *rest):
    _handle(ctx, handle)
    return []


# ``old()`` reads the variable only when the update needs it: a plain assign must not read an
# uninitialized variable.
_SET = _assign(lambda ctx, old, value: value)
_ADD = _assign(lambda ctx, old, value: tnp.add(old(), value))
_SUB = _assign(lambda ctx, old, value: tnp.subtract(old(), value))
def _same_shape(infer):
    """``infer`` after checking the value has the variable's shape, as TensorFlow's AssignAdd and
    AssignSub require (no broadcasting)."""

    def checked(ctx, handle, value):
        current = _handle(ctx, handle).value_type
        if current is not None and not current.is_compatible(TensorType(current.dtype, value.shape)):
            raise ShapeError(f"cannot update a variable of shape {list(current.shape)} with a value of shape {list(value.shape)}: shapes must be equal")
        return infer(ctx, handle, value)

    return checked


tf_op("Assign", _ref_result, _SET, stateful=True, outputs=(("output_ref", 1),), ref_inputs=(0,))
tf_op("AssignVariableOp", _no_result, _SET, stateful=True, outputs=(), ref_inputs=(0,))
for _name, _update in (("AssignAdd", _ADD), ("AssignSub", _SUB)):
    tf_op(_name, _same_shape(_ref_result), _update, stateful=True, outputs=(("output_ref", 1),), ref_inputs=(0,))
for _name, _update in (("AssignAddVariableOp", _ADD), ("AssignSubVariableOp", _SUB)):
    tf_op(_name, _same_shape(_no_result), _update, stateful=True, outputs=(), ref_inputs=(0,))


def _resource_gather_type(ctx, handle, indices):
    value = _handle(ctx, handle).value_type
    if value is None or value.shape is None or indices.shape is None:
        return TensorType(attr_dtype(ctx, "dtype"), None)
    batch_dims = ctx.attrs.get("batch_dims", 0)
    return TensorType(value.dtype, indices.shape + value.shape[batch_dims + 1 :])


def _resource_gather(ctx, handle, indices):
    if ctx.attrs.get("batch_dims", 0):
        raise ShapeError("ResourceGather with batch_dims > 0 is not supported")
    return tnp.take(read(handle), indices, axis=0)


tf_op("ResourceGather", _resource_gather_type, _resource_gather, stateful=True, ref_inputs=(0,))


# ---- questions about a variable ----------------------------------------------------------------
def _is_initialized(ctx, handle):
    trace = handle.trace
    op = trace.emit("tfc.variable_is_initialized", [handle.value], result_types=[ctx.result_type])
    return Tensor(op.result, trace)


def _bool_scalar(ctx, handle):
    _handle(ctx, handle)
    return TensorType(DType.bool, ())


def _variable_shape_type(ctx, handle):
    value = _handle(ctx, handle).value_type
    out = attr_dtype(ctx, "out_type")
    return TensorType(out, None if value is None or value.shape is None else (len(value.shape),))


def _variable_shape(ctx, handle):
    """The declared shape; the variable is read all the same, so an uninitialized one fails as in TensorFlow."""
    value = handle.type.value_type
    if value is None or not value.is_static:
        raise ShapeError(f"VariableShape needs the variable's static shape, got {value}")
    read(handle)
    return tnp.to_tensor(np.array(value.shape, ctx.result_type.dtype.numpy))


tf_op("VarIsInitializedOp", _bool_scalar, _is_initialized, stateful=True, outputs=(("is_initialized", 1),), ref_inputs=(0,))
tf_op("IsVariableInitialized", _bool_scalar, _is_initialized, stateful=True, outputs=(("is_initialized", 1),), ref_inputs=(0,))
tf_op("VariableShape", _variable_shape_type, _variable_shape, stateful=True, outputs=(("output", 1),), ref_inputs=(0,))
