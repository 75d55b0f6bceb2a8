"""Training kernels: the ops TensorFlow's gradient functions emit (activation and elementwise gradients,
BiasAddGrad, convolution backprops, pooling gradients, MaxPoolWithArgmax, Dilation2D and their gradients,
fractional pooling gradients, FusedBatchNormGrad, LRNGrad) and the shape helpers the gradient code
computes with (BroadcastGradientArgs, ConcatOffset, StridedSliceGrad, MirrorPadGrad).

Where a kernel reads a forward result (a pooling's orig_output, LRN's output_image, batch norm's reserve
spaces), the case feeds the value the forward op would have produced, computed here with numpy, as a
training graph does. Max-pooling cases with integer-valued inputs have ties: they check which input
TensorFlow gives the gradient to.
"""

import zlib

import numpy as np
from spec import case, const, f16, f32, f64, family, i32, i32v, i64v, ints

family("nn_grad")

POSITIVE = dict(low=0.1, high=3.0)


def seeded(op: str, variant: str):
    """A generator seeded by the case, for inputs computed here from other inputs (one case's values do not
    depend on which cases come before it)."""
    return np.random.default_rng(zlib.crc32(f"{op}/{variant}".encode()))


def uniform(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return lambda rng: rng.uniform(low, high, size=shape).astype(dtype)


def tied(*shape, dtype=np.float32, low=-2, high=3):
    """Integer-valued numbers: windows hold equal maxima."""
    return lambda rng: rng.integers(low, high, size=shape).astype(dtype)


# ---- elementwise gradients ---------------------------------------------------------------------------
ACTIVATIONS = {  # op: (name of the forward tensor it reads, its domain)
    "ReluGrad": ("features", dict(low=-2, high=2)),
    "Relu6Grad": ("features", dict(low=-3, high=8)),
    "EluGrad": ("outputs", dict(low=-0.99, high=3)),
    "SeluGrad": ("outputs", dict(low=-1.7, high=3)),
    "SoftplusGrad": ("features", dict(low=-4, high=4)),
    "SoftsignGrad": ("features", dict(low=-4, high=4)),
    "LeakyReluGrad": ("features", dict(low=-2, high=2)),
}


def activation_case(op, variant, forward, value, **arguments):
    """EluGrad's and SeluGrad's second input is named ``outputs``, which case() takes as its own keyword
    (the outputs to fetch): such an input is added to the case's arguments after it is declared."""
    declared = case(op, variant, **arguments)
    declared.notes["arguments"][forward] = value


for op, (forward, domain) in ACTIVATIONS.items():
    activation_case(op, "f32", forward, f32(2, 3, **domain), gradients=f32(2, 3))
    activation_case(op, "f64", forward, f64(7, **domain), gradients=f64(7))
    activation_case(op, "f16", forward, f16(4, **domain), gradients=f16(4))
    activation_case(op, "scalar", forward, f32(**domain), gradients=f32())
    activation_case(op, "empty", forward, f32(0, 3, **domain), gradients=f32(0, 3))
for op, edges in [("ReluGrad", [-1, 0, 0, 1, 2, 0]), ("Relu6Grad", [0, 6, 6, -1, 3, 7]), ("LeakyReluGrad", [0, 0, -1, 1, 0, 2])]:
    case(op, "at_the_kinks", gradients=f32(6), features=np.asarray(edges, np.float32))
for op in ("ReluGrad", "Relu6Grad"):
    case(op, "i32", gradients=i32(5), features=i32(5, low=-3, high=9))
case("LeakyReluGrad", "alpha", gradients=f32(2, 4), features=f32(2, 4), alpha=0.3)
case("LeakyReluGrad", "alpha_above_one", gradients=f32(5), features=f32(5), alpha=1.5)
for op in ("EluGrad", "SeluGrad"):
    activation_case(op, "at_zero", "outputs", np.asarray([0, -0.5, 0, 1], np.float32), gradients=f32(4))

for op, domain in [("SigmoidGrad", dict(low=0.01, high=0.99)), ("TanhGrad", dict(low=-0.99, high=0.99)), ("SqrtGrad", POSITIVE),
                   ("RsqrtGrad", POSITIVE), ("ReciprocalGrad", POSITIVE), ("InvGrad", POSITIVE)]:
    case(op, "f32", rtol=1e-5, y=f32(2, 3, **domain), dy=f32(2, 3))
    case(op, "f64", y=f64(6, **domain), dy=f64(6))
    case(op, "f16", y=f16(4, **domain), dy=f16(4))
    case(op, "scalar", rtol=1e-5, y=f32(**domain), dy=f32())
    case(op, "empty", y=f32(3, 0, **domain), dy=f32(3, 0))
case("ReciprocalGrad", "negative", rtol=1e-5, y=f32(5, low=-3, high=-0.1), dy=f32(5))

# ---- BiasAddGrad -------------------------------------------------------------------------------------
case("BiasAddGrad", "nhwc", rtol=1e-5, out_backprop=f32(2, 3, 4, 5))
case("BiasAddGrad", "nchw", rtol=1e-5, out_backprop=f32(2, 5, 3, 4), data_format="NCHW")
case("BiasAddGrad", "matrix", rtol=1e-5, out_backprop=f32(6, 4))
case("BiasAddGrad", "rank3_nchw", rtol=1e-5, out_backprop=f32(2, 3, 5), data_format="NCHW")
case("BiasAddGrad", "rank5_nchw", rtol=1e-5, out_backprop=f32(2, 3, 2, 2, 2), data_format="NCHW")
case("BiasAddGrad", "f64", out_backprop=f64(3, 2, 4))
case("BiasAddGrad", "i32", out_backprop=i32(3, 4))
case("BiasAddGrad", "empty_batch", out_backprop=f32(0, 3, 3, 2))


# ---- convolution backprops ---------------------------------------------------------------------------
def conv_out(size, k, stride, dilation, padding, pads=(0, 0)):
    span = (k - 1) * dilation + 1
    if padding == "SAME":
        return -(-size // stride)
    return (size + sum(pads) - span) // stride + 1


def window(value, n, channels_last):
    """A per-dimension window attribute: ``value`` in the ``n`` spatial dimensions, 1 elsewhere."""
    return [1, *[value] * n, 1] if channels_last else [1, 1, *[value] * n]


def conv_cases(op, kind, spatial, k, channels, out_channels, variants):
    """Filter or input backprop cases of a ``kind`` ("plain", "grouped" or "depthwise") convolution:
    ``variants`` are (name, stride, dilation, padding, explicit pairs, data_format)."""
    n = len(spatial)
    in_filter = channels // 2 if kind == "grouped" else channels
    filter_shape = (*k, in_filter, out_channels // channels if kind == "depthwise" else out_channels)
    for name, stride, dilation, padding, explicit, fmt in variants:
        pairs = [tuple(explicit[2 * i: 2 * i + 2]) for i in range(n)] if padding == "EXPLICIT" else [(0, 0)] * n
        out = [conv_out(s, k[i], stride, dilation, padding, pairs[i]) for i, s in enumerate(spatial)]
        last = fmt.endswith("C")
        in_shape = (2, *spatial, channels) if last else (2, channels, *spatial)
        dy_shape = (2, *out, out_channels) if last else (2, out_channels, *out)
        attrs = dict(strides=window(stride, n, last), padding=padding, data_format=fmt)
        if dilation != 1:
            attrs["dilations"] = window(dilation, n, last)
        if padding == "EXPLICIT":
            attrs["explicit_paddings"] = [0, 0, *explicit, 0, 0] if last else [0, 0, 0, 0, *explicit]
        if "BackpropFilter" in op:
            inputs = dict(input=f32(*in_shape), filter_sizes=const(i32v(filter_shape)))
        else:
            inputs = dict(input_sizes=const(i32v(in_shape)), filter=f32(*filter_shape))
        case(op, name, rtol=1e-4, atol=1e-5, out_backprop=f32(*dy_shape), **inputs, **attrs)


CONV2D_VARIANTS = [
    ("valid", 1, 1, "VALID", None, "NHWC"),
    ("same", 1, 1, "SAME", None, "NHWC"),
    ("same_stride2", 2, 1, "SAME", None, "NHWC"),
    ("valid_stride2", 2, 1, "VALID", None, "NHWC"),
    ("same_dilation2", 1, 2, "SAME", None, "NHWC"),
    ("explicit", 1, 1, "EXPLICIT", [1, 2, 0, 1], "NHWC"),
    ("explicit_stride2", 2, 1, "EXPLICIT", [2, 0, 1, 1], "NHWC"),
    ("nchw_same_stride2", 2, 1, "SAME", None, "NCHW"),
    ("nchw_valid", 1, 1, "VALID", None, "NCHW"),
]
# depthwise backprops ignore dilations (TensorFlow's kernels do), so a dilated VALID one would not fit
DILATED_VARIANTS = [("valid_dilation2", 1, 2, "VALID", None, "NHWC"), ("nchw_same_dilation2", 1, 2, "SAME", None, "NCHW")]
for op in ("Conv2DBackpropFilter", "Conv2DBackpropInput"):
    conv_cases(op, "plain", (5, 6), (3, 2), 3, 4, CONV2D_VARIANTS + DILATED_VARIANTS)
    conv_cases(op, "plain", (4, 5), (1, 1), 2, 3, [("pointwise", 1, 1, "VALID", None, "NHWC")])
    conv_cases(op, "grouped", (5, 5), (3, 3), 4, 6, [("grouped", 1, 1, "SAME", None, "NHWC")])
case("Conv2DBackpropFilter", "f64", input=f64(1, 4, 4, 2), filter_sizes=const(i32v([2, 2, 2, 3])), out_backprop=f64(1, 3, 3, 3),
     strides=[1, 1, 1, 1], padding="VALID")
case("Conv2DBackpropInput", "f64", input_sizes=const(i32v([1, 4, 4, 2])), filter=f64(2, 2, 2, 3), out_backprop=f64(1, 3, 3, 3),
     strides=[1, 1, 1, 1], padding="VALID")
case("Conv2DBackpropInput", "spatial_input_sizes", rtol=1e-4, input_sizes=const(i32v([5, 5])), filter=f32(3, 3, 2, 3),
     out_backprop=f32(1, 3, 3, 3), strides=[1, 2, 2, 1], padding="SAME")

for op in ("DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput"):
    conv_cases(op, "depthwise", (5, 6), (3, 2), 3, 6, CONV2D_VARIANTS)
    conv_cases(op, "depthwise", (4, 4), (2, 2), 2, 2, [("multiplier1", 1, 1, "SAME", None, "NHWC")])

CONV3D_VARIANTS = [
    ("valid", 1, 1, "VALID", None, "NDHWC"),
    ("same", 1, 1, "SAME", None, "NDHWC"),
    ("same_stride2", 2, 1, "SAME", None, "NDHWC"),
    ("valid_dilation2", 1, 2, "VALID", None, "NDHWC"),
    ("ncdhw_same", 1, 1, "SAME", None, "NCDHW"),
]
for op in ("Conv3DBackpropFilterV2", "Conv3DBackpropInputV2"):
    conv_cases(op, "plain", (4, 5, 5), (2, 3, 2), 2, 3, CONV3D_VARIANTS)


# ---- pooling gradients ------------------------------------------------------------------------------
def max_pool(x, ksize, strides, padding):
    """MaxPool of an N...C input with TensorFlow's SAME/VALID windows (padding never wins)."""
    pads = [(0, 0)]
    for size, k, s in zip(x.shape[1:-1], ksize[1:-1], strides[1:-1]):
        out = -(-size // s) if padding == "SAME" else (size - k) // s + 1
        total = max((out - 1) * s + k - size, 0) if padding == "SAME" else 0
        pads.append((total // 2, total - total // 2))
    padded = np.pad(x.astype(np.float64), pads + [(0, 0)], constant_values=-np.inf)
    shape = [(n - k) // s + 1 for n, k, s in zip(padded.shape, ksize, strides)]
    out = np.empty(shape)
    for index in np.ndindex(*shape):
        out[index] = padded[tuple(slice(i * s, i * s + k) for i, s, k in zip(index, strides, ksize))].max()
    return out.astype(x.dtype)


def max_pool_cases(op, source, ksize, strides, padding, variant, v2=False, **extra):
    """orig_output is the forward MaxPool of ``source``'s input; grad has the shape the op's gradient has."""
    rng = seeded(op, variant)
    x = source(rng)
    y = max_pool(x, ksize, strides, padding)
    grad = uniform(*(x.shape if "GradGrad" in op else y.shape), dtype=x.dtype)(rng)
    window = dict(ksize=const(i32v(ksize)), strides=const(i32v(strides))) if v2 else dict(ksize=ksize, strides=strides)
    case(op, variant, orig_input=x, orig_output=y, grad=grad, padding=padding, **window, **extra)


for op, v2 in [("MaxPoolGrad", False), ("MaxPoolGradV2", True), ("MaxPoolGradGrad", False), ("MaxPoolGradGradV2", True)]:
    max_pool_cases(op, uniform(2, 4, 4, 3), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", "valid", v2)
    max_pool_cases(op, uniform(1, 5, 5, 2), [1, 3, 3, 1], [1, 2, 2, 1], "SAME", "same_stride2", v2)
    max_pool_cases(op, uniform(1, 5, 6, 2), [1, 3, 2, 1], [1, 1, 1, 1], "SAME", "same_overlapping", v2)
    max_pool_cases(op, tied(2, 4, 4, 2), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", "ties", v2)
    max_pool_cases(op, tied(1, 5, 5, 3), [1, 3, 3, 1], [1, 1, 1, 1], "SAME", "ties_overlapping", v2)
    max_pool_cases(op, uniform(1, 4, 4, 2, dtype=np.float64), [1, 2, 2, 1], [1, 1, 1, 1], "VALID", "f64", v2)
    max_pool_cases(op, tied(1, 4, 4, 2, dtype=np.float16), [1, 2, 2, 1], [1, 2, 2, 1], "SAME", "f16", v2)
max_pool_cases("MaxPoolGrad", tied(1, 4, 4, 2, dtype=np.int32, low=-9, high=9), [1, 2, 2, 1], [1, 1, 1, 1], "VALID", "i32")
max_pool_cases("MaxPoolGrad", lambda rng: np.full((1, 3, 3, 1), -np.inf, np.float32), [1, 2, 2, 1], [1, 2, 2, 1], "SAME", "all_minus_inf")
max_pool_cases("MaxPoolGrad", uniform(0, 4, 4, 2), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", "empty_batch")

for op in ("MaxPool3DGrad", "MaxPool3DGradGrad"):
    max_pool_cases(op, uniform(1, 4, 4, 4, 2), [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "VALID", "valid")
    max_pool_cases(op, uniform(2, 3, 5, 4, 1), [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME", "same")
    max_pool_cases(op, tied(1, 4, 4, 4, 2), [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "VALID", "ties")
    max_pool_cases(op, tied(1, 3, 4, 4, 1), [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "SAME", "ties_overlapping")

AVG_POOL = [
    ("valid", (2, 4, 4, 3), [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
    ("same_stride2", (1, 5, 5, 2), [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
    ("same_overlapping", (1, 5, 6, 2), [1, 3, 2, 1], [1, 1, 1, 1], "SAME"),
    ("valid_uneven", (1, 7, 5, 1), [1, 3, 2, 1], [1, 2, 3, 1], "VALID"),
]
for variant, shape, ksize, strides, padding in AVG_POOL:
    out = [conv_out(n, k, s, 1, padding) for n, k, s in zip(shape[1:3], ksize[1:3], strides[1:3])]
    case("AvgPoolGrad", variant, rtol=1e-5, orig_input_shape=const(i32v(shape)), grad=f32(shape[0], *out, shape[3]),
         ksize=ksize, strides=strides, padding=padding)
case("AvgPoolGrad", "f64", orig_input_shape=const(i32v([1, 4, 4, 1])), grad=f64(1, 2, 2, 1), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1],
     padding="VALID")
case("AvgPoolGrad", "f16", orig_input_shape=const(i32v([1, 3, 3, 2])), grad=f16(1, 2, 2, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1],
     padding="SAME")
case("AvgPool3DGrad", "valid", rtol=1e-5, orig_input_shape=const(i32v([1, 4, 4, 4, 2])), grad=f32(1, 2, 2, 2, 2),
     ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding="VALID")
case("AvgPool3DGrad", "same", rtol=1e-5, orig_input_shape=const(i32v([2, 3, 5, 4, 1])), grad=f32(2, 3, 3, 2, 1),
     ksize=[1, 2, 3, 2, 1], strides=[1, 1, 2, 2, 1], padding="SAME")


# ---- max pooling with argmax -------------------------------------------------------------------------
def max_pool_argmax(x, ksize, strides, padding, include_batch):
    """Each window's first maximum (row-major; a later one must be strictly greater) as a flat NHWC index."""
    n, height, width, channels = x.shape
    (_, kh, kw, _), (_, sh, sw, _) = ksize, strides
    outs, befores = [], []
    for size, k, s in ((height, kh, sh), (width, kw, sw)):
        out = -(-size // s) if padding == "SAME" else (size - k) // s + 1
        outs.append(out)
        befores.append(max((out - 1) * s + k - size, 0) // 2 if padding == "SAME" else 0)
    argmax = np.zeros((n, *outs, channels), np.int64)
    for b, oy, ox, c in np.ndindex(*argmax.shape):
        best = None
        for y in range(oy * sh - befores[0], oy * sh - befores[0] + kh):
            for x_ in range(ox * sw - befores[1], ox * sw - befores[1] + kw):
                if 0 <= y < height and 0 <= x_ < width and (best is None or x[b, y, x_, c] > x[b, best[0], best[1], c]):
                    best = (y, x_)
        argmax[b, oy, ox, c] = (((b if include_batch else 0) * height + best[0]) * width + best[1]) * channels + c
    return argmax


ARGMAX_POOLS = [  # variant, input, ksize, strides, padding, attributes
    ("valid", uniform(2, 4, 4, 3), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", {}),
    ("same_stride2", uniform(1, 5, 5, 2), [1, 3, 3, 1], [1, 2, 2, 1], "SAME", {}),
    ("same_overlapping", uniform(2, 5, 6, 2), [1, 3, 2, 1], [1, 1, 1, 1], "SAME", {}),
    ("ties", tied(2, 4, 4, 2), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", {}),
    ("ties_overlapping", tied(1, 5, 5, 3), [1, 3, 3, 1], [1, 1, 1, 1], "SAME", {}),
    ("include_batch", uniform(3, 4, 5, 2), [1, 2, 2, 1], [1, 2, 2, 1], "SAME", dict(include_batch_in_index=True)),
    ("f64", uniform(2, 4, 4, 2, dtype=np.float64), [1, 2, 2, 1], [1, 1, 1, 1], "VALID", {}),
    ("f16", tied(1, 4, 4, 2, dtype=np.float16), [1, 2, 2, 1], [1, 2, 2, 1], "SAME", {}),
    ("empty_batch", uniform(0, 4, 4, 2), [1, 2, 2, 1], [1, 2, 2, 1], "VALID", {}),
]
for variant, source, ksize, strides, padding, attrs in ARGMAX_POOLS:
    rng = seeded("MaxPoolWithArgmax", variant)
    x = source(rng)
    argmax = max_pool_argmax(x, ksize, strides, padding, attrs.get("include_batch_in_index", False))
    pool = dict(ksize=ksize, strides=strides, padding=padding, **attrs)
    if x.size:  # TensorFlow's MaxPoolWithArgmax rejects an empty input
        case("MaxPoolWithArgmax", variant, input=x, **pool)
    case("MaxPoolGradWithArgmax", variant, input=x, grad=uniform(*argmax.shape, dtype=x.dtype)(rng), argmax=argmax, **pool)
x = tied(2, 4, 4, 2)(seeded("MaxPoolWithArgmax", "i32_index"))
pool = dict(ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("MaxPoolWithArgmax", "i32_index", input=x, Targmax=np.int32, **pool)
case("MaxPoolGradWithArgmax", "repeated_index", input=f32(1, 2, 2, 1), grad=f32(1, 2, 2, 1), argmax=np.zeros((1, 2, 2, 1), np.int64),
     ksize=[1, 1, 1, 1], strides=[1, 1, 1, 1], padding="VALID")


# ---- morphological dilation ----------------------------------------------------------------------------
DILATIONS = [  # variant, input, filter (h, w), strides, rates, padding
    ("valid", uniform(2, 5, 5, 3), (2, 2), (1, 1), (1, 1), "VALID"),
    ("same", uniform(1, 5, 6, 2), (3, 2), (1, 1), (1, 1), "SAME"),
    ("same_stride2", uniform(2, 6, 5, 2), (3, 3), (2, 2), (1, 1), "SAME"),
    ("valid_rate2", uniform(1, 7, 6, 2), (2, 2), (1, 1), (2, 2), "VALID"),
    ("same_rate2_stride2", uniform(1, 7, 7, 1), (2, 3), (2, 1), (2, 2), "SAME"),
    ("ties", tied(2, 4, 4, 2), (2, 2), (1, 1), (1, 1), "SAME"),
    ("f64", uniform(1, 4, 5, 2, dtype=np.float64), (2, 3), (1, 2), (1, 1), "VALID"),
    ("f16", tied(1, 4, 4, 2, dtype=np.float16), (2, 2), (1, 1), (1, 1), "SAME"),
    ("i32", tied(1, 4, 4, 2, dtype=np.int32, low=-9, high=9), (2, 2), (1, 1), (1, 1), "VALID"),
    ("empty_batch", uniform(0, 4, 4, 2), (2, 2), (1, 1), (1, 1), "VALID"),
    ("all_minus_inf", lambda rng: np.full((1, 3, 3, 2), -np.inf, np.float32), (2, 2), (1, 1), (1, 1), "SAME"),
]
for variant, source, taps, strides, rates, padding in DILATIONS:
    rng = seeded("Dilation2D", variant)
    x = source(rng)
    w = (tied if x.dtype.kind == "i" or variant == "ties" else uniform)(*taps, x.shape[3], dtype=x.dtype)(rng)
    outs = [conv_out(n, k, s, r, padding) for n, k, s, r in zip(x.shape[1:3], taps, strides, rates)]
    dy = (tied if x.dtype.kind == "i" else uniform)(x.shape[0], *outs, x.shape[3], dtype=x.dtype)(rng)
    attrs = dict(strides=[1, *strides, 1], rates=[1, *rates, 1], padding=padding)
    case("Dilation2D", variant, input=x, filter=w, **attrs)
    for op in ("Dilation2DBackpropInput", "Dilation2DBackpropFilter"):
        case(op, variant, rtol=1e-5, input=x, filter=w, out_backprop=dy, **attrs)


# ---- fractional pooling -----------------------------------------------------------------------------
def pooling_sequence(size, cells, rng):
    """A sequence as FractionalMaxPool draws one: 0, then steps of floor or ceil(size / cells), ending at size."""
    steps = np.full(cells, size // cells)
    steps[rng.choice(cells, size % cells, replace=False)] += 1
    return np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)


FRACTIONAL = [  # variant, input shape, output rows and columns, overlapping, dtype
    ("default", (2, 7, 6, 3), (4, 3), False, np.float32),
    ("overlapping", (1, 9, 8, 2), (5, 6), True, np.float32),
    ("f64", (1, 5, 7, 2), (3, 4), False, np.float64),
    ("i32", (2, 6, 6, 1), (4, 4), True, np.int32),
    ("i64", (1, 6, 5, 2), (3, 3), False, np.int64),
    ("one_cell", (1, 4, 4, 1), (1, 1), False, np.float32),
]
for variant, shape, (out_rows, out_cols), overlapping, dtype in FRACTIONAL:
    rng = seeded("FractionalAvgPoolGrad", variant)
    rows, cols = pooling_sequence(shape[1], out_rows, rng), pooling_sequence(shape[2], out_cols, rng)
    dy_shape = (shape[0], out_rows, out_cols, shape[3])
    dy = (tied if np.dtype(dtype).kind == "i" else uniform)(*dy_shape, dtype=dtype, **({"low": -20, "high": 20} if np.dtype(dtype).kind == "i" else {}))(rng)
    case("FractionalAvgPoolGrad", variant, orig_input_tensor_shape=const(i64v(shape)), out_backprop=dy, row_pooling_sequence=rows,
         col_pooling_sequence=cols, overlapping=overlapping)


def fractional_max_pool(x, rows, cols, overlapping):
    """The forward FractionalMaxPool with these sequences: each cell's maximum."""
    end = 1 if overlapping else 0
    out = np.empty((x.shape[0], len(rows) - 1, len(cols) - 1, x.shape[3]), x.dtype)
    for r, c in np.ndindex(*out.shape[1:3]):
        cell = x[:, rows[r]: min(rows[r + 1] + end, x.shape[1]), cols[c]: min(cols[c + 1] + end, x.shape[2])]
        out[:, r, c] = cell.max(axis=(1, 2))
    return out


for variant, shape, (out_rows, out_cols), overlapping, dtype in FRACTIONAL:
    rng = seeded("FractionalMaxPoolGrad", variant)
    if np.dtype(dtype).kind == "i":
        x = tied(*shape, dtype=dtype, low=-20, high=20)(rng)
    else:
        x = (tied if variant == "overlapping" else uniform)(*shape, dtype=dtype)(rng)  # overlapping: ties
    rows, cols = pooling_sequence(shape[1], out_rows, rng), pooling_sequence(shape[2], out_cols, rng)
    y = fractional_max_pool(x, rows, cols, overlapping)
    dy = (tied if np.dtype(dtype).kind == "i" else uniform)(*y.shape, dtype=dtype)(rng)
    case("FractionalMaxPoolGrad", variant, orig_input=x, orig_output=y, out_backprop=dy, row_pooling_sequence=rows, col_pooling_sequence=cols,
         overlapping=overlapping)
case("FractionalAvgPoolGrad", "repeated_sequence", orig_input_tensor_shape=const(i64v([1, 5, 4, 2])), out_backprop=f32(1, 4, 3, 2),
     row_pooling_sequence=i64v([0, 1, 1, 1, 4]), col_pooling_sequence=i64v([0, 2, 2, 3]), overlapping=True)
case("FractionalAvgPoolGrad", "repeated_sequence_i32", orig_input_tensor_shape=const(i64v([1, 5, 4, 1])), out_backprop=i32(1, 4, 3, 1, low=-20, high=20),
     row_pooling_sequence=i64v([0, 1, 1, 1, 4]), col_pooling_sequence=i64v([0, 2, 2, 3]), overlapping=True)


# ---- FusedBatchNormGrad, LRNGrad -----------------------------------------------------------------------
def batch_norm_grad_case(op, variant, shape, data_format="NHWC", training=True, dtype=np.float32, **attrs):
    """reserve_space_1/2 are what the forward op leaves there: the batch mean and biased variance when
    training, the population statistics otherwise."""
    channel = 1 if data_format.startswith("NC") else len(shape) - 1
    rng = seeded(op, variant)
    floats = lambda *dims, dtype=np.float32, low=-2.0, high=2.0: uniform(*dims, dtype=dtype, low=low, high=high)(rng)
    x = floats(*shape, dtype=dtype)
    axes = tuple(d for d in range(len(shape)) if d != channel)
    if training:
        mean, var = x.astype(np.float32).mean(axes), x.astype(np.float32).var(axes)
    else:
        mean, var = floats(shape[channel], low=-0.5, high=0.5), floats(shape[channel], low=0.5, high=2)
    inputs = dict(y_backprop=floats(*shape, dtype=dtype), x=x, scale=floats(shape[channel], low=0.5, high=1.5),
                  reserve_space_1=mean.astype(np.float32), reserve_space_2=var.astype(np.float32))
    if op.endswith("V3"):
        inputs["reserve_space_3"] = np.zeros(0, np.float32)
    # outputs 3 and 4 are placeholders TensorFlow's shape function makes [0] (oneDNN's kernel returns scalars)
    case(op, variant, rtol=1e-4, atol=1e-4, outputs=[0, 1, 2], is_training=training, data_format=data_format, **inputs, **attrs)


for op in ("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"):
    batch_norm_grad_case(op, "training_nhwc", (2, 3, 3, 4))
    batch_norm_grad_case(op, "training_nchw", (2, 4, 3, 3), "NCHW")
    batch_norm_grad_case(op, "inference_nhwc", (2, 3, 3, 4), training=False)
    batch_norm_grad_case(op, "inference_nchw", (2, 3, 2, 2), "NCHW", training=False)
    batch_norm_grad_case(op, "epsilon", (3, 2, 2, 2), epsilon=0.01)
for op in ("FusedBatchNormGradV2", "FusedBatchNormGradV3"):
    batch_norm_grad_case(op, "f16_training", (2, 3, 3, 2), dtype=np.float16)
    batch_norm_grad_case(op, "f16_inference", (2, 3, 3, 2), dtype=np.float16, training=False)
batch_norm_grad_case("FusedBatchNormGradV3", "training_ndhwc", (2, 2, 3, 2, 3), "NDHWC")
batch_norm_grad_case("FusedBatchNormGradV3", "inference_ndhwc", (2, 2, 2, 2, 3), "NDHWC", training=False)
batch_norm_grad_case("FusedBatchNormGradV3", "training_ncdhw", (2, 3, 2, 2, 2), "NCDHW")


def lrn(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    squares = np.pad(x.astype(np.float64) ** 2, [(0, 0)] * 3 + [(depth_radius, depth_radius)])
    sums = sum(squares[..., i: i + x.shape[-1]] for i in range(2 * depth_radius + 1))
    return (x / (bias + alpha * sums) ** beta).astype(x.dtype)


for variant, shape, attrs in [("default", (1, 2, 2, 7), {}), ("radius2", (2, 3, 2, 6), dict(depth_radius=2, bias=2.0, alpha=0.1, beta=0.75)),
                              ("radius0", (1, 2, 3, 4), dict(depth_radius=0, bias=1.5, alpha=0.5, beta=0.5))]:
    rng = seeded("LRNGrad", variant)
    image, grads = uniform(*shape)(rng), uniform(*shape)(rng)
    case("LRNGrad", variant, rtol=1e-4, atol=1e-5, input_grads=grads, input_image=image, output_image=lrn(image, **attrs), **attrs)


# ---- shape helpers -------------------------------------------------------------------------------------
for variant, s0, s1, dtype in [("broadcast", [2, 3, 1], [3, 4], i32v), ("same", [2, 3], [2, 3], i32v), ("scalar", [], [2, 3], i32v),
                               ("ones", [1, 1, 5], [1, 5], i32v), ("zero_size", [0, 3], [1, 3], i32v), ("i64", [4, 1, 3], [1, 2, 1], i64v),
                               ("both_scalar", [], [], i32v)]:
    case("BroadcastGradientArgs", variant, s0=const(dtype(s0)), s1=const(dtype(s1)))

case("ConcatOffset", "axis1", concat_dim=const(i32v(1)), shape=[const(i32v([2, 3, 4])), const(i32v([2, 5, 4])), const(i32v([2, 1, 4]))])
case("ConcatOffset", "axis0", concat_dim=const(i32v(0)), shape=[const(i32v([3])), const(i32v([0])), const(i32v([2]))])
case("ConcatOffset", "negative_axis", concat_dim=const(i32v(-1)), shape=[const(i32v([2, 3])), const(i32v([2, 4]))])
case("ConcatOffset", "i64", concat_dim=const(i32v(2)), shape=[const(i64v([1, 2, 3])), const(i64v([1, 2, 5]))])

STRIDED = [  # variant, input shape, begin, end, strides, masks, dy shape
    ("basic", [5, 6], [1, 0], [4, 6], [1, 2], {}, (3, 3)),
    ("negative_stride", [6], [5], [0], [-2], {}, (3,)),
    ("begin_end_masks", [4, 5], [2, 1], [0, 3], [1, 1], dict(begin_mask=1, end_mask=1), (4, 2)),
    ("shrink", [3, 4, 5], [1, 0, -1], [2, 4, 0], [1, 1, 1], dict(shrink_axis_mask=5), (4,)),
    ("new_axis", [3, 4], [0, 1, 0], [0, 3, 4], [1, 1, 2], dict(new_axis_mask=1), (1, 2, 2)),
    ("ellipsis", [2, 3, 4], [0, 1], [0, 3], [1, 1], dict(ellipsis_mask=1), (2, 3, 2)),
    ("ellipsis_new_axis_shrink", [2, 3, 4], [0, 0, 2], [0, 0, 3], [1, 1, 1], dict(ellipsis_mask=1, new_axis_mask=2, shrink_axis_mask=4),
     (2, 3, 1)),
    ("reverse_all", [2, 3], [0, 0], [0, 0], [-1, -1], dict(begin_mask=3, end_mask=3), (2, 3)),
    ("empty_result", [4, 3], [3, 0], [1, 3], [1, 1], {}, (0, 3)),
    ("out_of_range_clamped", [4], [-10], [10], [3], {}, (2,)),
]
for variant, shape, begin, end, strides, masks, dy in STRIDED:
    case("StridedSliceGrad", variant, shape=const(i32v(shape)), begin=const(i32v(begin)), end=const(i32v(end)),
         strides=const(i32v(strides)), dy=f32(*dy), **masks)
case("StridedSliceGrad", "i64_index", shape=const(i64v([4, 5])), begin=const(i64v([1, 1])), end=const(i64v([3, 5])),
     strides=const(i64v([1, 2])), dy=f32(2, 2))
case("StridedSliceGrad", "i32_values", shape=const(i32v([6])), begin=const(i32v([1])), end=const(i32v([6])), strides=const(i32v([2])),
     dy=ints(3, dtype=np.int32))

for mode in ("REFLECT", "SYMMETRIC"):
    low = mode.lower()
    case("MirrorPadGrad", f"{low}_2d", input=f32(7, 8), paddings=const(i32v([[2, 1], [1, 3]])), mode=mode)
    case("MirrorPadGrad", f"{low}_1d_wide", input=f32(9), paddings=const(i32v([[3, 2]])), mode=mode)
    case("MirrorPadGrad", f"{low}_one_axis", input=f32(2, 6, 3), paddings=const(i64v([[0, 0], [1, 1], [0, 0]])), mode=mode)
    case("MirrorPadGrad", f"{low}_f64", input=f64(5, 4), paddings=const(i32v([[1, 1], [0, 1]])), mode=mode)
case("MirrorPadGrad", "symmetric_full", input=f32(9), paddings=const(i32v([[3, 3]])), mode="SYMMETRIC")
case("MirrorPadGrad", "i32", input=ints(7, dtype=np.int32), paddings=const(i32v([[2, 2]])), mode="REFLECT")
