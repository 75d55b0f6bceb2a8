"""TensorFlow's gradient ops of elementwise math, as its own gradient functions emit them and
graphs saved after ``tf.gradients`` hold them: SqrtGrad, RsqrtGrad, ReciprocalGrad (and its old name
InvGrad), TanhGrad and SigmoidGrad. Each takes the forward op's output ``y`` and the incoming gradient
``dy``, of one shape.

The formulas are TensorFlow's kernels' (cwise_ops_gradients.h): Sqrt's, Rsqrt's and Reciprocal's
conjugate ``y`` for complex numbers and give 0 for a zero ``dy`` even when ``y`` is 0 or infinite;
Tanh's and Sigmoid's do neither.
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.ops.rules import merge_shapes

from ..dialect import tf_op
from .complex_parts import conjugate
from .math import emit, full_like, same_dtype


def _gradient_type(ctx, y, dy):
    """y and dy: one dtype and one shape (TensorFlow merges the two shapes, no broadcasting)."""
    same_dtype(ctx, y, dy)
    return y.with_shape(merge_shapes(y.shape, dy.shape))


def _zero_where_dy_is(dy, value):
    return tnp.where(tnp.equal(dy, full_like(dy, 0)), full_like(dy, 0), value)


def _sqrt_grad(ctx, y, dy):
    """dy / (2 sqrt(x)) = 0.5 dy / conj(y)."""
    return _zero_where_dy_is(dy, emit("divide", tnp.multiply(full_like(dy, 0.5), dy), conjugate(y)))


def _rsqrt_grad(ctx, y, dy):
    """-dy / (2 x^1.5) = -0.5 (dy conj(y)) conj(y)^2."""
    y_conj = conjugate(y)
    return _zero_where_dy_is(dy, tnp.multiply(tnp.multiply(full_like(dy, -0.5), tnp.multiply(dy, y_conj)), tnp.multiply(y_conj, y_conj)))


def _reciprocal_grad(ctx, y, dy):
    """-dy / x^2 = -dy conj(y)^2."""
    y_conj = conjugate(y)
    return _zero_where_dy_is(dy, tnp.multiply(tnp.multiply(tnp.negative(dy), y_conj), y_conj))


def _tanh_grad(ctx, y, dy):
    """dy (1 - y^2): no conjugate, for complex numbers too (TensorFlow's kernel)."""
    return tnp.multiply(dy, tnp.subtract(full_like(y, 1), tnp.multiply(y, y)))


def _sigmoid_grad(ctx, y, dy):
    """dy y (1 - y): no conjugate, for complex numbers too (TensorFlow's kernel)."""
    return tnp.multiply(dy, tnp.multiply(y, tnp.subtract(full_like(y, 1), y)))


for _name, _decompose in [("SqrtGrad", _sqrt_grad), ("RsqrtGrad", _rsqrt_grad), ("ReciprocalGrad", _reciprocal_grad),
                          ("InvGrad", _reciprocal_grad), ("TanhGrad", _tanh_grad), ("SigmoidGrad", _sigmoid_grad)]:
    tf_op(_name, _gradient_type, _decompose, outputs=(("z", 1),))
