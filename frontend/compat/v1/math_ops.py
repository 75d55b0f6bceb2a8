"""TF1's math functions: elementwise, comparisons, matmul, casts and reductions (TF1 argument names
and their deprecated spellings: ``reduction_indices=``, ``keep_dims=``, ``dimension=``)."""

from __future__ import annotations

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .ops import add, axis_list, like, pick, to_tensor
from .tensor import Tensor, true_divide


def binary_function(op_type: str, doc: str, default_name: str | None = None):
    """``op_type(x, y)``, its node named ``name``, else ``default_name`` (TensorFlow's: ``tf.add`` names its AddV2 "Add")."""
    def fn(x, y, name=None):
        anchor = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else to_tensor(x)
        return add(op_type, [like(x, anchor), like(y, anchor)], name=name or default_name or op_type)

    fn.__doc__ = doc
    return fn


def unary_function(op_type: str, doc: str):
    def fn(x, name=None):
        return add(op_type, [to_tensor(x)], name=name or op_type)

    fn.__doc__ = doc
    return fn


add_ = binary_function("AddV2", "x + y", "Add")
subtract = binary_function("Sub", "x - y")
multiply = binary_function("Mul", "x * y")
floordiv = binary_function("FloorDiv", "x // y", "floordiv")
floormod = mod = binary_function("FloorMod", "x % y (the sign of y)")
realdiv = binary_function("RealDiv", "x / y for floats")
pow_ = binary_function("Pow", "x ** y")
maximum = binary_function("Maximum", "elementwise max")
minimum = binary_function("Minimum", "elementwise min")
squared_difference = binary_function("SquaredDifference", "(x - y) ** 2")
equal = binary_function("Equal", "x == y")
not_equal = binary_function("NotEqual", "x != y")
less = binary_function("Less", "x < y")
less_equal = binary_function("LessEqual", "x <= y")
greater = binary_function("Greater", "x > y")
greater_equal = binary_function("GreaterEqual", "x >= y")
logical_and = binary_function("LogicalAnd", "x and y")
logical_or = binary_function("LogicalOr", "x or y")
logical_not = unary_function("LogicalNot", "not x")
negative = unary_function("Neg", "-x")
def abs_(x, name=None):
    """|x|; the magnitude of a complex ``x`` (TensorFlow's ComplexAbs, of the real dtype)."""
    x = to_tensor(x)
    if x.dtype.is_complex:
        return add("ComplexAbs", [x], {"Tout": x.dtype.real_dtype}, name=name or "Abs")
    return add("Abs", [x], name=name or "Abs")
sign = unary_function("Sign", "-1, 0 or 1")
square = unary_function("Square", "x ** 2")
sqrt = unary_function("Sqrt", "square root")
rsqrt = unary_function("Rsqrt", "1 / sqrt(x)")
reciprocal = unary_function("Reciprocal", "1 / x")
exp = unary_function("Exp", "e ** x")
log = unary_function("Log", "natural logarithm")
log1p = unary_function("Log1p", "log(1 + x)")
tanh = unary_function("Tanh", "hyperbolic tangent")
sigmoid = unary_function("Sigmoid", "1 / (1 + exp(-x))")
floor = unary_function("Floor", "round down")
ceil = unary_function("Ceil", "round up")
round_ = unary_function("Round", "round half to even")
sin = unary_function("Sin", "sine")
cos = unary_function("Cos", "cosine")


def divide(x, y, name=None):
    """``x / y`` (integers divide as floats, as Python 3)."""
    anchor = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else to_tensor(x)
    return true_divide(like(x, anchor), like(y, anchor), name or "truediv")


truediv = divide


def div(x, y, name=None):
    """TF1's ``tf.div``: floor division for integers, true division for floats."""
    x = to_tensor(x)
    return add("FloorDiv" if x.dtype.is_int else "RealDiv", [x, like(y, x)], name=name or "div")


def cast(x, dtype, name=None):
    """``x`` converted to ``dtype`` (no op when it already is)."""
    x, dtype = to_tensor(x), as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return add("Cast", [x], {"DstT": dtype}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, DType.f32, name)


def to_double(x, name="ToDouble"):
    return cast(x, DType.f64, name)


def to_int32(x, name="ToInt32"):
    return cast(x, DType.i32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, DType.i64, name)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product; batched (``BatchMatMulV2``) when either operand has rank above 2."""
    a = to_tensor(a)
    b = like(b, a)
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    if a.shape.ndims == 2 and b.shape.ndims == 2:
        return add("MatMul", [a, b], {"transpose_a": ta, "transpose_b": tb}, name=name or "MatMul")
    return add("BatchMatMulV2", [a, b], {"adj_x": ta, "adj_y": tb}, name=name or "MatMul")


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape."""
    inputs = [to_tensor(i) for i in inputs]
    if len(inputs) == 1:
        return inputs[0]
    return add("AddN", [inputs], name=name or "AddN")


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    t = to_tensor(t)
    return add("ClipByValue", [t, like(clip_value_min, t), like(clip_value_max, t)], name=name or "clip_by_value")


def _reduction(op_type: str, doc: str):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        x = to_tensor(input_tensor)
        axis = pick(axis, reduction_indices, "axis", "reduction_indices")
        keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
        if axis is None:
            axis = _all_axes(x)
        return add(op_type, [x, axis_list(axis, name="Const")], {"keep_dims": keepdims}, name=name or op_type)

    fn.__doc__ = doc
    return fn


def _all_axes(x: Tensor):
    if x.shape.ndims is not None:
        return list(range(x.shape.ndims))
    rank = add("Rank", [x])
    return add("Range", [to_tensor(0, DType.i32), rank, to_tensor(1, DType.i32)], name="range")


reduce_sum = _reduction("Sum", "Sum over ``axis`` (every axis by default).")
reduce_mean = _reduction("Mean", "Mean over ``axis``.")
reduce_max = _reduction("Max", "Max over ``axis``.")
reduce_min = _reduction("Min", "Min over ``axis``.")
reduce_prod = _reduction("Prod", "Product over ``axis``.")
reduce_any = _reduction("Any", "Logical or over ``axis``.")
reduce_all = _reduction("All", "Logical and over ``axis``.")


def _arg_reduction(op_type: str):
    def fn(input, axis=None, name=None, dimension=None, output_type=DType.i64):
        x = to_tensor(input)
        axis = pick(axis, dimension, "axis", "dimension")
        axis = 0 if axis is None else axis
        return add(op_type, [x, axis_list(axis, name="dimension")], {"output_type": as_dtype(output_type)},
                   name=name or op_type)

    return fn


argmax = _arg_reduction("ArgMax")
argmin = _arg_reduction("ArgMin")

__all__ = [name for name in dir() if not name.startswith("_") and name not in ("annotations", "as_dtype", "DType", "Tensor", "binary_function",
                                                                             "unary_function")]
