"""``tf.math``: TensorFlow 1's math namespace (``tf.compat.v1.math``) with TF1's signatures.

Functions ``math_ops``/``nn_ops`` already define are reused; the rest add the TensorFlow op of the
same name, or compose supported ops exactly where TensorFlow's Python composes them (logsumexp,
l2_normalize, count_nonzero, the unsorted segment means...).
"""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import array_ops
from .graph import get_default_graph
from .math_ops import abs_ as abs
from .math_ops import add_ as add
from .math_ops import (
    add_n,
    argmax,
    argmin,
    cast,
    ceil,
    cos,
    divide,
    equal,
    exp,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    reciprocal,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    squared_difference,
    subtract,
    tanh,
    truediv,
    unary_function,
)
from .math_ops import pow_ as pow
from .math_ops import round_ as round
from .nn_ops import in_top_k, l2_normalize, log_softmax, softmax, softplus, softsign, top_k, zero_fraction
from .ops import add as add_node
from .ops import axis_list, check_axes, like, pick, to_tensor
from .tensor import Tensor


# ---- one TensorFlow op per function -----------------------------------------------------------------
def _scoped_unary(op_type: str, scope: str, doc: str):
    """An op inside a name scope of its own, where TensorFlow's Python wrapper opens one."""
    def fn(x, name=None):
        with get_default_graph().name_scope(name or scope):
            return add_node(op_type, [to_tensor(x)], name=op_type)

    fn.__name__ = fn.__qualname__ = scope
    fn.__doc__ = doc
    return fn


def _operands(*values) -> list[Tensor]:
    """The operands as tensors, Python numbers taking the first tensor's dtype (TensorFlow's op
    wrappers convert them to the op's one type ``T``)."""
    anchor = next((v for v in values if isinstance(v, Tensor)), None)
    anchor = anchor if anchor is not None else to_tensor(values[0])
    return [like(v, anchor) for v in values]


def _elementwise(op_type: str, *values, name=None) -> Tensor:
    return add_node(op_type, _operands(*values), name=name or op_type)


acos = unary_function("Acos", "Inverse cosine.")
acosh = unary_function("Acosh", "Inverse hyperbolic cosine.")
asin = unary_function("Asin", "Inverse sine.")
asinh = unary_function("Asinh", "Inverse hyperbolic sine.")
atan = unary_function("Atan", "Inverse tangent.")
atanh = unary_function("Atanh", "Inverse hyperbolic tangent.")
bessel_i0e = _scoped_unary("BesselI0e", "bessel_i0e", "Exponentially scaled modified Bessel function of order 0.")
bessel_i1e = _scoped_unary("BesselI1e", "bessel_i1e", "Exponentially scaled modified Bessel function of order 1.")
bessel_i0 = _scoped_unary("BesselI0", "bessel_i0", "Modified Bessel function of order 0.")
bessel_i1 = _scoped_unary("BesselI1", "bessel_i1", "Modified Bessel function of order 1.")
cosh = unary_function("Cosh", "Hyperbolic cosine.")
sinh = unary_function("Sinh", "Hyperbolic sine.")
tan = unary_function("Tan", "Tangent.")
digamma = unary_function("Digamma", "The derivative of lgamma.")
lgamma = unary_function("Lgamma", "log |Gamma(x)|.")
erf = unary_function("Erf", "The Gauss error function.")
erfc = unary_function("Erfc", "1 - erf(x), accurate where erf(x) is near 1.")
erfinv = _scoped_unary("Erfinv", "erfinv", "The inverse of erf.")
ndtri = _scoped_unary("Ndtri", "ndtri", "The inverse of the standard normal CDF.")
expm1 = unary_function("Expm1", "exp(x) - 1, accurate near 0.")
rint = unary_function("Rint", "Round half to even, keeping the float dtype.")
is_finite = unary_function("IsFinite", "Neither inf nor nan.")
is_inf = unary_function("IsInf", "+inf or -inf.")
is_nan = unary_function("IsNan", "Not a number.")
invert_permutation = unary_function("InvertPermutation", "The permutation that undoes ``x``.")


def atan2(y, x, name=None):
    """The angle of the point (x, y): arctan(y / x) in the right quadrant."""
    return _elementwise("Atan2", y, x, name=name)


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function."""
    return _elementwise("Betainc", a, b, x, name=name)


def igamma(a, x, name=None):
    """The lower regularized incomplete gamma function."""
    return _elementwise("Igamma", a, x, name=name)


def igammac(a, x, name=None):
    """The upper regularized incomplete gamma function."""
    return _elementwise("Igammac", a, x, name=name)


def polygamma(a, x, name=None):
    """The a-th derivative of digamma."""
    return _elementwise("Polygamma", a, x, name=name)


def zeta(x, q, name=None):
    """The Hurwitz zeta function."""
    return _elementwise("Zeta", x, q, name=name)


def nextafter(x1, x2, name=None):
    """The next representable value after x1 towards x2."""
    return _elementwise("NextAfter", x1, x2, name=name)


def xdivy(x, y, name=None):
    """x / y, 0 where x is 0."""
    with get_default_graph().name_scope(name or "xdivy"):
        return _elementwise("Xdivy", x, y)


def xlogy(x, y, name=None):
    """x * log(y), 0 where x is 0."""
    return _elementwise("Xlogy", x, y, name=name)


def xlog1py(x, y, name=None):
    """x * log1p(y), 0 where x is 0."""
    with get_default_graph().name_scope(name or "xlog1py"):
        return _elementwise("Xlog1py", x, y)


def truncatediv(x, y, name=None):
    """Division rounding towards zero (C's integer division)."""
    return _elementwise("TruncateDiv", x, y, name=name)


def truncatemod(x, y, name=None):
    """The remainder of truncatediv (the sign of x)."""
    return _elementwise("TruncateMod", x, y, name=name)


def multiply_no_nan(x, y, name=None):
    """x * y, 0 where y is 0 even when x is inf or nan."""
    x = to_tensor(x)
    return add_node("MulNoNan", [x, like(y, x)], name=name or "multiply_no_nan")


# Integer division casts first (TensorFlow's _TRUEDIV_TABLE); floats divide as they are.
_TRUEDIV = {DType.i8: DType.f32, DType.u8: DType.f32, DType.i16: DType.f32, DType.u16: DType.f32,
            DType.i32: DType.f64, DType.i64: DType.f64}


def divide_no_nan(x, y, name=None):
    """x / y, 0 where y is 0; integers are cast to float first, as ``truediv`` does."""
    with get_default_graph().name_scope(name or "div_no_nan") as scope:
        x, y = _operands(x, y)
        if x.dtype != y.dtype:
            raise TypeError(f"tf.math.divide_no_nan: x and y must have the same dtype, got {x.dtype} and {y.dtype}")
        target = _TRUEDIV.get(x.dtype)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return add_node("DivNoNan", [x, y], name=scope)


def logical_xor(x, y, name="LogicalXor"):
    """(x or y) and not (x and y): TensorFlow composes it from the three logical ops too."""
    x, y = to_tensor(x), to_tensor(y)
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a 0-D ``scalar`` (converted to x's dtype)."""
    x = to_tensor(x)
    scalar = like(scalar, x, "scalar")
    if scalar.shape.ndims != 0:
        raise ValueError(f"tf.math.scalar_mul: scalar must be 0-D, got shape {scalar.shape}")
    return add_node("Mul", [scalar, x], name=name or "Mul")


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    with get_default_graph().name_scope(name or "LogSigmoid") as scope:
        x = to_tensor(x)
        return add_node("Neg", [softplus(negative(x))], name=scope)


def reciprocal_no_nan(x, name=None):
    """1 / x, 0 where x is 0."""
    with get_default_graph().name_scope(name or "reciprocal_no_nan") as scope:
        x = to_tensor(x)
        return add_node("DivNoNan", [to_tensor(1, x.dtype, "one"), x], name=scope)


def polyval(coeffs, x, name=None):
    """coeffs[0] * x**(n-1) + ... + coeffs[n-1], by Horner's rule as TensorFlow evaluates it."""
    if not isinstance(coeffs, list):
        raise ValueError(f"tf.math.polyval: coeffs must be a list, got {type(coeffs).__name__}")
    with get_default_graph().name_scope(name or "polyval") as scope:
        x = to_tensor(x, name="x")
        if not coeffs:
            return array_ops.zeros_like(x, name=scope)
        coeffs = [like(c, x, f"coeff_{i}") for i, c in enumerate(coeffs)]
        p = coeffs[0]
        for c in coeffs[1:]:
            p = c + p * x
        return p


def erfcinv(x, name=None):
    """The inverse of erfc: -ndtri(x / 2) / sqrt(2), as TensorFlow composes it."""
    with get_default_graph().name_scope(name or "erfcinv"):
        x = to_tensor(x, name="start")
        return negative(ndtri(multiply(like(0.5, x), x))) * like(np.sqrt(0.5), x)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """TF1's deprecated spelling of add_n (same dtype and shape for every input)."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("tf.math.accumulate_n: inputs must be a list of at least one Tensor with the same dtype and shape")
    inputs = [to_tensor(i) for i in inputs]
    if any(i.dtype != inputs[0].dtype for i in inputs):
        raise ValueError("tf.math.accumulate_n: inputs must be a list of at least one Tensor with the same dtype and shape")
    if tensor_dtype is not None and as_dtype(tensor_dtype) != inputs[0].dtype:
        raise TypeError(f"tf.math.accumulate_n: tensor_dtype is {tensor_dtype}, but inputs are {inputs[0].dtype}")
    if len(inputs) == 1:
        return inputs[0] if name is None else array_ops.identity(inputs[0], name=name)
    return add_n(inputs, name=name)


# ---- complex parts: the identity or zeros for real inputs, as in TensorFlow -------------------------
def _real_dtype(dtype: DType) -> DType:
    return DType.f64 if dtype == DType.c128 else DType.f32


def real(input, name=None):
    """The real part (a real input is returned as it is)."""
    with get_default_graph().name_scope(name or "Real") as scope:
        x = to_tensor(input, name="input")
        if not x.dtype.is_complex:
            return x
        return add_node("Real", [x], {"Tout": _real_dtype(x.dtype)}, name=scope)


def imag(input, name=None):
    """The imaginary part (zeros for a real input)."""
    with get_default_graph().name_scope(name or "Imag") as scope:
        x = to_tensor(input, name="input")
        if not x.dtype.is_complex:
            return array_ops.zeros_like(x)
        return add_node("Imag", [x], {"Tout": _real_dtype(x.dtype)}, name=scope)


def angle(input, name=None):
    """The argument of a complex number; for reals, pi where negative and 0 elsewhere."""
    with get_default_graph().name_scope(name or "Angle") as scope:
        x = to_tensor(input)
        if x.dtype.is_complex:
            return add_node("Angle", [x], {"Tout": _real_dtype(x.dtype)}, name=scope)
        pi = multiply(like(np.pi, x), array_ops.ones_like(x))
        return add_node("Select", [less(x, like(0, x)), pi, array_ops.zeros_like(x)])  # TF1's where


def conj(x, name=None):
    """The complex conjugate (a real input is returned as it is)."""
    if isinstance(x, Tensor) and not x.dtype.is_complex:
        return x
    with get_default_graph().name_scope(name or "Conj") as scope:
        x = to_tensor(x, name="x")
        if not x.dtype.is_complex:
            return x
        return add_node("Conj", [x], name=scope)


# ---- axes: checked here so a bad one names the argument ----------------------------------------------
def _scan(op_type: str, fn: str, doc: str):
    def scan(x, axis=0, exclusive=False, reverse=False, name=None):
        x = to_tensor(x)
        check_axes(fn, x, axis)
        return add_node(op_type, [x, axis_list(axis)], {"exclusive": bool(exclusive), "reverse": bool(reverse)},
                        name=name or op_type)

    scan.__doc__ = doc
    return scan


cumsum = _scan("Cumsum", "cumsum", "Running sums along ``axis`` (``exclusive`` leaves out the element itself).")
cumprod = _scan("Cumprod", "cumprod", "Running products along ``axis``.")
cumulative_logsumexp = _scan("CumulativeLogsumexp", "cumulative_logsumexp", "Running log(sum(exp(x))) along ``axis``, stable.")


# ---- reductions that TensorFlow composes ------------------------------------------------------------
def _reduced_to_scalar(result: Tensor, axis, keepdims: bool) -> Tensor:
    """The result of reducing every axis of a tensor of unknown rank is a scalar (TensorFlow's _may_reduce_to_scalar)."""
    if axis is None and not keepdims and result.shape.ndims is None:
        return array_ops.reshape(result, [])
    return result


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) over ``axis``: the max (where finite) is taken out first so exp cannot overflow."""
    axis = pick(axis, reduction_indices, "axis", "reduction_indices")
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = to_tensor(input_tensor)
    check_axes("reduce_logsumexp", x, axis)
    with get_default_graph().name_scope(name or "ReduceLogSumExp") as scope:
        raw_max = reduce_max(x, axis, keepdims=True)
        finite = add_node("Select", [add_node("IsFinite", [raw_max]), raw_max, array_ops.zeros_like(raw_max)])
        my_max = array_ops.stop_gradient(finite)
        result = log(reduce_sum(exp(subtract(x, my_max)), axis, keepdims=keepdims))
        if not keepdims:
            my_max = array_ops.reshape(my_max, array_ops.shape(result))
        return _reduced_to_scalar(add(result, my_max, name=scope), axis, keepdims)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The mean squared deviation from the mean over ``axis`` (|x - mean|**2 for complex inputs)."""
    with get_default_graph().name_scope(name or "reduce_variance"):
        x = to_tensor(input_tensor)
        check_axes("reduce_variance", x, axis)
        if x.dtype.is_int or x.dtype == DType.bool:
            raise TypeError(f"tf.math.reduce_variance: input_tensor must be real or complex, got {x.dtype}")
        diff = subtract(x, reduce_mean(x, axis, keepdims=True))
        if diff.dtype.is_complex:
            squared = add_node("Real", [multiply(conj(diff), diff)], {"Tout": _real_dtype(diff.dtype)})
        else:
            squared = square(diff)
        return reduce_mean(squared, axis, keepdims=bool(keepdims))


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The square root of reduce_variance."""
    with get_default_graph().name_scope(name or "reduce_std"):
        x = to_tensor(input_tensor)
        check_axes("reduce_std", x, axis)
        return sqrt(reduce_variance(x, axis=axis, keepdims=keepdims))


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=DType.i64, name=None, reduction_indices=None,
                  keep_dims=None, input=None):
    """The number of non-zero (true) entries over ``axis``, as ``dtype``."""
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    input_tensor = pick(input_tensor, input, "input_tensor", "input")
    axis = pick(axis, reduction_indices, "axis", "reduction_indices")
    if input_tensor is None:
        raise ValueError("tf.math.count_nonzero: input_tensor is required")
    with get_default_graph().name_scope(name or "count_nonzero"):
        x = to_tensor(input_tensor, name="input")
        check_axes("count_nonzero", x, axis)
        nonzero = x if x.dtype == DType.bool else not_equal(x, array_ops.zeros([], x.dtype))
        counts = reduce_sum(cast(nonzero, DType.i64), axis, keepdims=keepdims)
        return cast(counts, as_dtype(dtype))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(|x|**2)) over ``axis`` (every axis by default): TensorFlow's EuclideanNorm."""
    x = to_tensor(input_tensor)
    check_axes("reduce_euclidean_norm", x, axis)
    axes = list(range(x.shape.ndims)) if axis is None and x.shape.ndims is not None else axis
    if axes is None:
        raise ValueError("tf.math.reduce_euclidean_norm: the input's rank must be known when axis is None")
    return add_node("EuclideanNorm", [x, axis_list(axes, name="Const")], {"keep_dims": bool(keepdims)}, name=name or "EuclideanNorm")


def lbeta(x, name=None):
    """log(|Beta(x)|) along the last axis: sum(lgamma(x)) - lgamma(sum(x))."""
    with get_default_graph().name_scope(name or "lbeta"):
        x = to_tensor(x, name="x")
        if x.shape.ndims == 0:
            raise ValueError("tf.math.lbeta: x must have rank at least 1 (the last axis is reduced)")
        log_prod_gamma = reduce_sum(lgamma(x), axis=[-1])
        return log_prod_gamma - lgamma(reduce_sum(x, axis=[-1]))


# ---- segments ---------------------------------------------------------------------------------------
def _segment(op_type: str, doc: str):
    def segment(data, segment_ids, name=None):
        data = to_tensor(data)
        ids = to_tensor(segment_ids, DType.i32) if not isinstance(segment_ids, Tensor) else segment_ids
        _check_segment_ids(op_type, data, ids)
        return add_node(op_type, [data, ids], name=name or op_type)

    segment.__doc__ = doc
    return segment


def _unsorted_segment(op_type: str, doc: str):
    def unsorted_segment(data, segment_ids, num_segments, name=None):
        data = to_tensor(data)
        ids = to_tensor(segment_ids, DType.i32) if not isinstance(segment_ids, Tensor) else segment_ids
        _check_segment_ids(op_type, data, ids)
        return add_node(op_type, [data, ids, _num_segments(num_segments)], name=name or op_type)

    unsorted_segment.__doc__ = doc
    return unsorted_segment


def _num_segments(num_segments) -> Tensor:
    return num_segments if isinstance(num_segments, Tensor) else to_tensor(num_segments, DType.i32, "num_segments")


def _check_segment_ids(op_type: str, data: Tensor, ids: Tensor) -> None:
    """segment_ids must be integers whose shape is a prefix of data's."""
    if not ids.dtype.is_int:
        raise TypeError(f"{op_type}: segment_ids must be int32 or int64, got {ids.dtype}")
    d, s = data.shape.dims, ids.shape.dims
    if d is None or s is None:
        return
    if len(s) > len(d) or any(a is not None and b is not None and a != b for a, b in zip(s, d)):
        raise ValueError(f"{op_type}: segment_ids of shape {ids.shape} must be a prefix of data's shape {data.shape}")


segment_sum = _segment("SegmentSum", "Sums of the rows of ``data`` with the same (sorted) segment id.")
segment_prod = _segment("SegmentProd", "Products of the rows with the same (sorted) segment id.")
segment_max = _segment("SegmentMax", "Maxima of the rows with the same (sorted) segment id.")
segment_min = _segment("SegmentMin", "Minima of the rows with the same (sorted) segment id.")
segment_mean = _segment("SegmentMean", "Means of the rows with the same (sorted) segment id.")
unsorted_segment_sum = _unsorted_segment("UnsortedSegmentSum", "Sums of the rows per segment id, ids in any order.")
unsorted_segment_prod = _unsorted_segment("UnsortedSegmentProd", "Products per segment id (1 for an empty segment).")
unsorted_segment_max = _unsorted_segment("UnsortedSegmentMax", "Maxima per segment id (the dtype's lowest for an empty segment).")
unsorted_segment_min = _unsorted_segment("UnsortedSegmentMin", "Minima per segment id (the dtype's highest for an empty segment).")


def _segment_counts(data: Tensor, ids: Tensor, num_segments: Tensor, num_segments_value) -> Tensor:
    """Each segment's row count (at least 1), shaped to broadcast against the segment sums."""
    ones = array_ops.ones(array_ops.shape(ids), dtype=data.dtype)
    n = add_node("UnsortedSegmentSum", [ones, ids, num_segments])
    if data.shape.ndims is not None and ids.shape.ndims is not None and not isinstance(num_segments_value, Tensor):
        shape = [int(num_segments_value)] + [1] * (data.shape.ndims - ids.shape.ndims)  # known statically: a Const shape
        n = array_ops.reshape(n, shape)
    else:
        extra = subtract(array_ops.rank(data), array_ops.rank(ids))
        trailing = array_ops.fill(array_ops.stack([extra]), to_tensor(1, num_segments.dtype))
        n = array_ops.reshape(n, array_ops.concat([array_ops.reshape(num_segments, [1]), trailing], 0))
    return maximum(n, like(1, n))


def _segment_average(scope: str, data, segment_ids, num_segments, name, root: bool) -> Tensor:
    with get_default_graph().name_scope(name or scope):
        data = to_tensor(data)
        ids = to_tensor(segment_ids, DType.i32) if not isinstance(segment_ids, Tensor) else segment_ids
        _check_segment_ids(scope, data, ids)
        count = _num_segments(num_segments)
        n = _segment_counts(data, ids, count, num_segments)
        summed = add_node("UnsortedSegmentSum", [data, ids, count])
        return summed / (sqrt(n) if root else n)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Means per segment id (0 for an empty segment)."""
    return _segment_average("UnsortedSegmentMean", data, segment_ids, num_segments, name, root=False)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sums per segment id divided by sqrt(the segment's row count)."""
    return _segment_average("UnsortedSegmentSqrtN", data, segment_ids, num_segments, name, root=True)


# ---- bincount -------------------------------------------------------------------------------------
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=DType.i32):
    """How often each value 0, 1, ... occurs in ``arr`` (or the sum of its ``weights``); the length is
    max(arr) + 1, at least ``minlength`` and at most ``maxlength``."""
    with get_default_graph().name_scope("bincount"):
        arr = to_tensor(arr, name="arr")
        weights = None if weights is None else to_tensor(weights, name="weights")
        if not arr.dtype.is_int:
            arr = cast(arr, DType.i32)
        nonempty = greater(array_ops.size(arr), to_tensor(0, DType.i32))
        size = multiply(cast(nonempty, arr.dtype), add(reduce_max(arr), like(1, arr)))
        if minlength is not None:
            size = maximum(to_tensor(minlength, arr.dtype, "minlength"), size)
        if maxlength is not None:
            size = minimum(to_tensor(maxlength, arr.dtype, "maxlength"), size)
        if weights is not None:
            weights = array_ops.reshape(weights, [-1])
        arr = array_ops.reshape(arr, [-1])
        if weights is None:
            weights = to_tensor(np.zeros([0], as_dtype(dtype).numpy))
        return add_node("DenseBincount", [arr, size, weights], {"binary_output": False})


div_no_nan = divide_no_nan  # TF1's top-level name for it

__all__ = [
    "abs", "accumulate_n", "acos", "acosh", "add", "add_n", "angle", "argmax", "argmin", "asin", "asinh", "atan", "atan2", "atanh", "bessel_i0",
    "bessel_i0e", "bessel_i1", "bessel_i1e", "betainc", "bincount", "ceil", "conj", "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "cumulative_logsumexp",
    "digamma", "divide", "divide_no_nan", "equal", "erf", "erfc", "erfcinv", "erfinv", "exp", "expm1", "floor", "floordiv", "floormod", "greater",
    "greater_equal", "igamma", "igammac", "imag", "in_top_k", "invert_permutation", "is_finite", "is_inf", "is_nan", "l2_normalize",
    "lbeta", "less", "less_equal", "lgamma", "log", "log1p", "log_sigmoid", "log_softmax", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "mod", "multiply", "multiply_no_nan", "ndtri", "negative", "nextafter", "not_equal", "polygamma",
    "polyval", "pow", "real", "reciprocal", "reciprocal_no_nan", "reduce_all", "reduce_any", "reduce_euclidean_norm", "reduce_logsumexp", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum", "reduce_variance", "rint", "round", "rsqrt", "scalar_mul",
    "segment_max", "segment_mean", "segment_min", "segment_prod", "segment_sum", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus",
    "softsign", "sqrt", "square", "squared_difference", "subtract", "tan", "tanh", "top_k", "truediv", "unsorted_segment_max",
    "unsorted_segment_mean", "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n", "unsorted_segment_sum", "xdivy",
    "xlog1py", "xlogy", "zero_fraction", "zeta",
]

# TF1 also has these at tf.<name> (checked with hasattr(tf.compat.v1, name) in TensorFlow 2.15); truncatediv,
# truncatemod and div_no_nan are top-level only (tf.math has no such names, so they are not in __all__).
_NOT_TOP_LEVEL = {"bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e",
                  "cumulative_logsumexp", "divide_no_nan", "erfcinv", "erfinv", "zero_fraction", "in_top_k", "l2_normalize",
                  "log_softmax", "multiply_no_nan", "ndtri", "nextafter", "polyval", "reciprocal_no_nan", "reduce_euclidean_norm", "reduce_std",
                  "reduce_variance", "softmax", "softplus", "softsign", "top_k", "xdivy", "xlog1py", "xlogy"}
TOP_LEVEL: tuple[str, ...] = (*(n for n in __all__ if n not in _NOT_TOP_LEVEL), "truncatediv", "truncatemod", "div_no_nan")

for _name in __all__:  # the factory-made functions of this module carry their TensorFlow names
    _fn = globals()[_name]
    if getattr(_fn, "__module__", None) == __name__ and _fn.__name__ in ("fn", "scan", "segment", "unsorted_segment"):
        _fn.__name__ = _fn.__qualname__ = _name
