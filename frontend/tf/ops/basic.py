"""Graph plumbing ops: Const, Placeholder, Identity, IdentityN, NoOp, StopGradient, and MatMul (with SparseMatMul)/AddV2
(the seed example's ops, so the importer works end to end before the larger families)."""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.frontend.autodiff import stop_gradient
from tfc.frontend.tensor import constant as traced_constant
from tfc.frontend.tracing import current_trace
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, broadcast, same_as_first, tf_op
from ..graphdef import tensor_type_from_attrs


def _const_type(ctx):
    value = ctx.attrs.get("value")
    if value is None:
        raise ShapeError("needs a 'value' tensor attribute")
    return TensorType(DType.from_numpy(value.dtype), tuple(value.shape))


tf_op(
    "Const",
    _const_type,
    lambda ctx: traced_constant(current_trace(), ctx.attrs["value"]),
    constant_like=True,
)


def _placeholder_type(ctx):
    return tensor_type_from_attrs(attr_dtype(ctx, "dtype"), ctx.attrs.get("shape"))


# A Placeholder that survives to legalization was not fed: the importer turns fed ones into arguments.
tf_op("Placeholder", _placeholder_type, stateful=True)


def _identity_n_types(ctx, *types):
    return list(types)


tf_op("Identity", same_as_first, lambda ctx, x: x)
tf_op("StopGradient", same_as_first, lambda ctx, x: stop_gradient(x))  # tf.gradients (TfcGradients) must not pass it
tf_op("Snapshot", same_as_first, lambda ctx, x: x)
tf_op("IdentityN", _identity_n_types, lambda ctx, *xs: list(xs), outputs=(("output", lambda attrs: len(attrs.get("T", ()))),))
tf_op("NoOp", lambda ctx: [], lambda ctx: [], outputs=())


def _matmul_type(ctx, a, b):
    if a.shape is None or b.shape is None:
        return TensorType(a.dtype, None)
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise ShapeError(f"MatMul needs rank-2 operands, got {a} and {b}")
    m = a.shape[1] if ctx.attrs.get("transpose_a") else a.shape[0]
    k_a = a.shape[0] if ctx.attrs.get("transpose_a") else a.shape[1]
    k_b = b.shape[1] if ctx.attrs.get("transpose_b") else b.shape[0]
    n = b.shape[0] if ctx.attrs.get("transpose_b") else b.shape[1]
    if k_a is not None and k_b is not None and k_a != k_b:
        raise ShapeError(f"MatMul contracting dimensions differ: {a} and {b}")
    return TensorType(a.dtype, (m, n))


def _matmul(ctx, a, b):
    if ctx.attrs.get("transpose_a"):
        a = tnp.transpose(a)
    if ctx.attrs.get("transpose_b"):
        b = tnp.transpose(b)
    return tnp.matmul(a, b)


def _sparse_matmul_type(ctx, a, b):
    """SparseMatMul: MatMul of f32 or bf16 operands (sparsity flags are only hints), an f32 product."""
    return _matmul_type(ctx, a.with_dtype(DType.f32), b.with_dtype(DType.f32))


tf_op("MatMul", _matmul_type, _matmul)
tf_op("SparseMatMul", _sparse_matmul_type, lambda ctx, a, b: _matmul(ctx, tnp.astype(a, DType.f32), tnp.astype(b, DType.f32)),
      outputs=(("product", 1),))
tf_op("AddV2", broadcast, lambda ctx, x, y: tnp.add(x, y))
