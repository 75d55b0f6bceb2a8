"""Variables and the optimizer update ops of TF1 (ref variables) and TF2 (resource variables).

Both kinds become one mechanism: a ``tfc.variable`` handle named after the variable, read and
assigned in program order; ``lift-variables`` then makes them function arguments and results.
A TF1 ``Assign``/``Apply*`` returns the variable itself (its ref output), so later readers see the update.
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.frontend.tensor import Tensor
from tfc.frontend.tracing import current_trace
from tfc.location import NameLoc
from tfc.registry import ShapeError
from tfc.types import ResourceType, TensorType

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
        assign(handle, update(ctx, lambda: read(handle), *operands))
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
for _name, _update in (("Assign", _SET), ("AssignAdd", _ADD), ("AssignSub", _SUB)):
    tf_op(_name, _ref_result, _update, stateful=True, outputs=(("output_ref", 1),), ref_inputs=(0,))
for _name, _update in (("AssignVariableOp", _SET), ("AssignAddVariableOp", _ADD), ("AssignSubVariableOp", _SUB)):
    tf_op(_name, _no_result, _update, stateful=True, outputs=(), ref_inputs=(0,))


# ---- optimizer updates -----------------------------------------------------------------------------
def _gradient_descent(ctx, handle, alpha, delta):
    assign(handle, tnp.subtract(read(handle), tnp.multiply(alpha, delta)))
    return [handle] if ctx.result_types else []


def _momentum(ctx, var, accum, lr, grad, momentum):
    new_accum = tnp.add(tnp.multiply(read(accum), momentum), grad)
    assign(accum, new_accum)
    if ctx.attrs.get("use_nesterov"):
        step = tnp.add(tnp.multiply(grad, lr), tnp.multiply(tnp.multiply(new_accum, momentum), lr))
    else:
        step = tnp.multiply(new_accum, lr)
    assign(var, tnp.subtract(read(var), step))
    return [var] if ctx.result_types else []


def _adam(ctx, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    lr_t = tnp.divide(tnp.multiply(lr, tnp.sqrt(tnp.subtract(1, beta2_power))), tnp.subtract(1, beta1_power))
    new_m = tnp.add(read(m), tnp.multiply(tnp.subtract(grad, read(m)), tnp.subtract(1, beta1)))
    new_v = tnp.add(read(v), tnp.multiply(tnp.subtract(tnp.square(grad), read(v)), tnp.subtract(1, beta2)))
    assign(m, new_m)
    assign(v, new_v)
    if ctx.attrs.get("use_nesterov"):
        direction = tnp.add(tnp.multiply(grad, tnp.subtract(1, beta1)), tnp.multiply(new_m, beta1))
    else:
        direction = new_m
    assign(var, tnp.subtract(read(var), tnp.divide(tnp.multiply(lr_t, direction), tnp.add(tnp.sqrt(new_v), epsilon))))
    return [var] if ctx.result_types else []


tf_op("ApplyGradientDescent", _ref_result, _gradient_descent, stateful=True, outputs=(("out", 1),), ref_inputs=(0,))
tf_op("ResourceApplyGradientDescent", _no_result, _gradient_descent, stateful=True, outputs=(), ref_inputs=(0,))
tf_op("ApplyMomentum", _ref_result, _momentum, stateful=True, outputs=(("out", 1),), ref_inputs=(0, 1))
tf_op("ResourceApplyMomentum", _no_result, _momentum, stateful=True, outputs=(), ref_inputs=(0, 1))
tf_op("ApplyAdam", _ref_result, _adam, stateful=True, outputs=(("out", 1),), ref_inputs=(0, 1, 2))
tf_op("ResourceApplyAdam", _no_result, _adam, stateful=True, outputs=(), ref_inputs=(0, 1, 2))


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
