"""Write tests/data/compat_v1/api_math.npz: TensorFlow 1's ``tf.math`` (``tf.compat.v1.math``) on fixed
inputs, run in graph mode, with each result's static shape and each function's signature.

Run it with TensorFlow 2.15, from outside the repository (its keras/ would shadow Keras):
``cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_math_reference.py``.
tests/compat/test_tf1_math.py loads this file for :func:`inputs` and :func:`cases` (the same TF1 code
runs on both sides) and reads the .npz; it never imports TensorFlow. So nothing here imports
TensorFlow at module level.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_math.npz"


def inputs() -> dict[str, np.ndarray]:
    """The fed arrays (seeded): ranges chosen for each function's domain."""
    rng = np.random.default_rng(20240515)
    f32 = np.float32
    special = np.array([[0.0, 1.0, -np.inf], [np.inf, np.nan, -1.5]], f32)
    z = rng.uniform(-2, 2, (3, 4)).astype(f32)
    z[0, 1] = z[2, 3] = 0.0
    j = (rng.integers(1, 5, (3, 4)) * rng.choice([-1, 1], (3, 4))).astype(np.int32)
    jz = j.copy()
    jz[1, 2] = jz[2, 0] = 0
    return {
        "x": rng.uniform(-2, 2, (3, 4)).astype(f32), "y": (rng.uniform(0.3, 2, (3, 4)) * rng.choice([-1, 1], (3, 4))).astype(f32),
        "z": z, "u": rng.uniform(0.05, 0.95, (3, 4)).astype(f32), "sym": rng.uniform(-0.95, 0.95, (3, 4)).astype(f32),
        "pos": rng.uniform(0.5, 4, (3, 4)).astype(f32), "ge1": rng.uniform(1.0, 4, (3, 4)).astype(f32),
        "gt1": rng.uniform(1.2, 4, (3, 4)).astype(f32), "order": rng.integers(0, 4, (3, 4)).astype(f32), "special": special,
        "i": rng.integers(-7, 8, (3, 4)).astype(np.int32), "j": j, "jz": jz,
        "b1": rng.random((3, 4)) > 0.5, "b2": rng.random((3, 4)) > 0.5, "d": rng.normal(size=(2, 3)),
        "c": (rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3))).astype(np.complex64),
        "neginf": np.array([[-np.inf, -np.inf, -np.inf], [1.0, 2.0, 3.0]], f32),
        "perm": np.array([3, 0, 2, 1], np.int32), "data": rng.normal(size=(5, 3)).astype(f32),
        "ids": np.array([0, 0, 1, 3, 3], np.int32), "uids": np.array([2, 0, 2, -1, 1], np.int32),
        "counts": np.array([[1, 4, 1], [0, 2, 4]], np.int32), "weights": rng.uniform(0, 1, (2, 3)).astype(f32),
        "targets": np.array([3, 0, 1], np.int32),
    }


def placeholders(tf, arrays: dict) -> dict:
    """One placeholder per input; ``x`` has an unknown first dimension, to check static shapes."""
    return {k: tf.placeholder(a.dtype, [None, *a.shape[1:]] if k == "x" else a.shape, name=k) for k, a in arrays.items()}


def unary_cases(tf, p) -> dict:
    m = tf.math
    return {
        "abs": m.abs(p["x"]), "acos": m.acos(p["u"]), "acosh": m.acosh(p["ge1"]), "asin": m.asin(p["sym"]), "asinh": m.asinh(p["x"]),
        "atan": m.atan(p["x"]), "atanh": m.atanh(p["sym"]), "bessel_i0e": m.bessel_i0e(p["x"]), "bessel_i1e": m.bessel_i1e(p["x"]),
        "ceil": m.ceil(p["x"]), "cos": m.cos(p["x"]), "cosh": m.cosh(p["x"]), "digamma": m.digamma(p["pos"]), "erf": m.erf(p["x"]),
        "erfc": m.erfc(p["x"]), "erfinv": m.erfinv(p["sym"]), "erfcinv": m.erfcinv(p["u"]), "exp": m.exp(p["x"]),
        "expm1": m.expm1(x=p["x"]), "floor": m.floor(p["x"]),
        "is_finite": m.is_finite(p["special"]), "is_inf": m.is_inf(p["special"]), "is_nan": m.is_nan(p["special"]),
        "lgamma": m.lgamma(p["pos"]), "log": m.log(p["pos"]), "log1p": m.log1p(p["pos"]), "log_sigmoid": m.log_sigmoid(x=p["x"]),
        "negative": m.negative(p["x"]), "ndtri": m.ndtri(p["u"]), "reciprocal": m.reciprocal(p["y"]),
        "reciprocal_no_nan": m.reciprocal_no_nan(p["z"]), "rint": m.rint(p["x"]), "round": m.round(p["x"]), "rsqrt": m.rsqrt(p["pos"]),
        "sigmoid": m.sigmoid(p["x"]), "sign": m.sign(p["x"]), "sin": m.sin(p["x"]), "sinh": m.sinh(p["x"]),
        "softplus": m.softplus(features=p["x"]), "softsign": m.softsign(features=p["x"]), "sqrt": m.sqrt(p["pos"]),
        "square": m.square(p["x"]), "tan": m.tan(p["sym"]), "tanh": m.tanh(p["x"]), "invert_permutation": m.invert_permutation(x=p["perm"]),
        "real": m.real(input=p["c"]), "imag": m.imag(p["c"]), "angle": m.angle(p["c"]), "conj": m.conj(p["c"]),
        "real_of_real": m.real(p["x"]), "imag_of_real": m.imag(p["x"]), "angle_of_real": m.angle(p["x"]), "conj_of_real": m.conj(p["x"]),
        "exp_f64": m.exp(p["d"]), "lgamma_f64": m.lgamma(p["d"]), "abs_int": m.abs(p["i"]), "sign_int": m.sign(p["i"]),
        "square_int": m.square(p["i"]), "negative_list": m.negative([1.0, -2.5]),
    }


def binary_cases(tf, p) -> dict:
    m = tf.math
    x, y, z, i, j = p["x"], p["y"], p["z"], p["i"], p["j"]
    return {
        "add": m.add(x, y), "add_scalar": m.add(x, 2.0), "add_n": m.add_n(inputs=[x, y, x]), "atan2": m.atan2(y=x, x=y),
        "betainc": m.betainc(a=p["pos"], b=p["ge1"], x=p["u"]), "divide": m.divide(x, y), "divide_no_nan": m.divide_no_nan(x, z),
        "divide_no_nan_int": m.divide_no_nan(i, p["jz"]), "equal": m.equal(i, j), "floordiv": m.floordiv(i, j),
        "floordiv_float": m.floordiv(x, y), "floormod": m.floormod(i, j), "floormod_float": m.floormod(x, y), "greater": m.greater(x, y),
        "greater_equal": m.greater_equal(i, j), "igamma": m.igamma(a=p["pos"], x=p["ge1"]), "igammac": m.igammac(a=p["pos"], x=p["ge1"]),
        "less": m.less(x, y), "less_equal": m.less_equal(i, j), "logical_and": m.logical_and(p["b1"], p["b2"]),
        "logical_not": m.logical_not(p["b1"]), "logical_or": m.logical_or(p["b1"], p["b2"]), "logical_xor": m.logical_xor(p["b1"], p["b2"]),
        "maximum": m.maximum(x, y), "minimum": m.minimum(i, j), "mod": m.mod(i, j), "multiply": m.multiply(x, y),
        "multiply_no_nan": m.multiply_no_nan(x=p["y"] / z, y=z), "nextafter": m.nextafter(x1=x, x2=y), "not_equal": m.not_equal(i, j),
        "polygamma": m.polygamma(a=p["order"], x=p["pos"]), "pow": m.pow(p["pos"], y), "pow_int": m.pow(j, 2),
        "squared_difference": m.squared_difference(x, y), "subtract": m.subtract(x, y), "truediv": m.truediv(x, y),
        "truediv_int": m.truediv(i, j), "xdivy": m.xdivy(z, y), "xlogy": m.xlogy(z, p["pos"]), "xlog1py": m.xlog1py(z, p["pos"]),
        "zeta": m.zeta(x=p["gt1"], q=p["pos"]), "scalar_mul": m.scalar_mul(2.5, x), "polyval": m.polyval([1.0, -2.0, 0.5], x),
        "polyval_empty": m.polyval([], x), "truncatediv": tf.truncatediv(i, j), "truncatemod": tf.truncatemod(i, j),
        "div_no_nan": tf.div_no_nan(x, z), "accumulate_n": m.accumulate_n([x, y, z]), "accumulate_n_one": m.accumulate_n([y], name="acc"),
        "zero_fraction": m.zero_fraction(z),
    }


def reduction_cases(tf, p) -> dict:
    m = tf.math
    x, c = p["x"], p["c"]
    return {
        "sum": m.reduce_sum(x, axis=1), "sum_v1": m.reduce_sum(x, reduction_indices=[0], keep_dims=True), "mean": m.reduce_mean(x),
        "max": m.reduce_max(x, axis=-1, keepdims=True), "min": m.reduce_min(p["i"], axis=0), "prod": m.reduce_prod(p["y"], 0),
        "all": m.reduce_all(p["b1"], axis=1), "any": m.reduce_any(p["b1"], 0), "logsumexp": m.reduce_logsumexp(x, axis=1),
        "logsumexp_all": m.reduce_logsumexp(x), "logsumexp_v1": m.reduce_logsumexp(x, reduction_indices=0, keep_dims=True),
        "logsumexp_neginf": m.reduce_logsumexp(p["neginf"], axis=1), "std": m.reduce_std(x, axis=0),
        "std_f64": m.reduce_std(p["d"], axis=1, keepdims=True), "variance": m.reduce_variance(x, axis=[0, 1], keepdims=True),
        "variance_complex": m.reduce_variance(c, axis=1), "count_nonzero": m.count_nonzero(p["i"], axis=1),
        "count_nonzero_v1": m.count_nonzero(input=p["i"], reduction_indices=0, keep_dims=True, dtype=tf.int32),
        "count_nonzero_bool": m.count_nonzero(p["b1"]), "count_nonzero_float": m.count_nonzero(input_tensor=p["z"], axis=[0, 1]),
        "argmax": m.argmax(x, axis=1), "argmin": m.argmin(x, dimension=0, output_type=tf.int32),
        "l2_normalize": m.l2_normalize(x, axis=1), "l2_normalize_dim": m.l2_normalize(x, dim=0, epsilon=1e-3),
        "l2_normalize_all": m.l2_normalize(p["y"]), "l2_normalize_complex": m.l2_normalize(c, axis=1), "lbeta": m.lbeta(p["pos"]),
    }


def scan_cases(tf, p) -> dict:
    m = tf.math
    x = p["x"]
    return {
        "cumsum": m.cumsum(x, axis=1), "cumsum_exclusive_reverse": m.cumsum(x, axis=0, exclusive=True, reverse=True),
        "cumsum_int": m.cumsum(p["i"], 1), "cumsum_list": m.cumsum([1, 2, 3]), "cumprod": m.cumprod(p["y"], axis=1, exclusive=True),
        "cumprod_reverse": m.cumprod(p["y"], reverse=True), "cumulative_logsumexp": m.cumulative_logsumexp(x, axis=1),
        "cumulative_logsumexp_er": m.cumulative_logsumexp(x, axis=0, exclusive=True, reverse=True),
    }


def segment_cases(tf, p) -> dict:
    m = tf.math
    data, ids, uids = p["data"], p["ids"], p["uids"]
    cases = {f"segment_{k}": getattr(m, f"segment_{k}")(data, segment_ids=ids) for k in ("sum", "mean", "max", "min", "prod")}
    for k in ("sum", "mean", "max", "min", "prod", "sqrt_n"):
        cases[f"unsorted_segment_{k}"] = getattr(m, f"unsorted_segment_{k}")(data, uids, num_segments=4)
    cases["unsorted_segment_mean_1d"] = m.unsorted_segment_mean(data[:, 0], uids, 3)
    cases["segment_sum_i64"] = m.segment_sum(data, tf.cast(ids, tf.int64))
    cases["unsorted_segment_max_i64"] = m.unsorted_segment_max(data, tf.cast(uids, tf.int64), tf.constant(3, tf.int64))
    cases["bincount"] = m.bincount(p["counts"])
    cases["bincount_weights"] = m.bincount(p["counts"], weights=p["weights"], minlength=8)
    cases["bincount_maxlength"] = m.bincount(arr=p["counts"], maxlength=3, dtype=tf.float32)
    return cases


def nn_cases(tf, p) -> dict:
    m = tf.math
    x = p["x"]
    top = m.top_k(x, k=2)
    top3 = m.top_k(input=p["y"], k=3, sorted=True, index_type=tf.int64)
    return {
        "softmax": m.softmax(logits=x), "softmax_dim": m.softmax(x, dim=-1), "log_softmax": m.log_softmax(logits=x, axis=-1),
        "top_k/values": top.values, "top_k/indices": top.indices, "top_k3/values": top3[0], "top_k3/indices": top3[1],
        "in_top_k": m.in_top_k(predictions=p["y"], targets=p["targets"], k=2),
    }


def named_cases(tf, p) -> dict:
    """``name=`` as users pass it: the node (or the scope a composed function opens) takes it."""
    m, x = tf.math, p["x"]
    return {
        "cumsum": m.cumsum(x, 1, name="running"), "reduce_logsumexp": m.reduce_logsumexp(x, 1, name="lse"),
        "l2_normalize": m.l2_normalize(x, 1, name="unit"), "count_nonzero": m.count_nonzero(p["i"], name="nonzero"),
        "erfinv": m.erfinv(p["sym"], name="inverse"), "divide_no_nan": m.divide_no_nan(x, p["z"], name="safe"),
        "segment_sum": m.segment_sum(p["data"], p["ids"], name="sums"), "top_k": m.top_k(x, 2, name="best").indices,
        "unsorted_segment_mean": m.unsorted_segment_mean(p["data"], p["uids"], 4, name="means"), "atan2": m.atan2(x, p["y"], name="angle"),
        "log_sigmoid": m.log_sigmoid(x, name="ls"), "reduce_std": m.reduce_std(x, name="spread"), "real": m.real(p["c"], name="re"),
    }


def gradient_cases(tf, p) -> dict:
    """tf.gradients through the composed functions (logsumexp's max is a stop_gradient in both)."""
    m, x = tf.math, p["pos"]
    outputs = {
        "reduce_logsumexp": m.reduce_logsumexp(x, axis=1), "l2_normalize": m.l2_normalize(x, axis=0), "reduce_std": m.reduce_std(x),
        "cumsum": m.cumsum(x, axis=1, exclusive=True), "cumprod": m.cumprod(x, axis=1, reverse=True), "log_sigmoid": m.log_sigmoid(x),
        "unsorted_segment_mean": m.unsorted_segment_mean(x, [1, 0, 1], 2), "lbeta": m.lbeta(x), "xlogy": m.xlogy(x, x + 1.0),
        "polyval": m.polyval([0.5, -1.0, 2.0], x), "erf": m.erf(x), "lgamma": m.lgamma(x), "segment_max": m.segment_max(x, [0, 0, 1]),
    }
    return {k: tf.gradients(m.reduce_sum(y * y), x)[0] for k, y in outputs.items()}


GROUPS = {"unary": unary_cases, "binary": binary_cases, "reduction": reduction_cases, "scan": scan_cases,
          "segment": segment_cases, "nn": nn_cases, "named": named_cases,
          "gradient": gradient_cases}


def cases(tf, p) -> dict:
    """Every recorded call, as ``group/name`` -> tensor."""
    return {f"{group}/{name}": t for group, build in GROUPS.items() for name, t in build(tf, p).items()}


def static_shape(t):
    return None if t.shape.ndims is None else [None if d is None else int(d) for d in t.shape.as_list()]


def default_text(value) -> str:
    """A default as text both sides spell alike (dtypes by numpy name)."""
    if value is inspect.Parameter.empty:
        return "<required>"
    if hasattr(value, "as_numpy_dtype"):
        return f"dtype:{np.dtype(value.as_numpy_dtype).name}"
    return repr(value)


def signatures(module, names) -> dict:
    out = {}
    for name in names:
        params = inspect.signature(getattr(module, name)).parameters.values()
        out[name] = [[p.name, default_text(p.default)] for p in params]
    return out


def main() -> None:
    import tensorflow as tf

    v1 = tf.compat.v1
    arrays = inputs()
    with tf.Graph().as_default():
        p = placeholders(v1, arrays)
        tensors = cases(v1, p)
        with v1.Session() as sess:
            values = sess.run(tensors, {p[k]: a for k, a in arrays.items()})
    names = sorted(n for n in dir(v1.math) if not n.startswith("_") and callable(getattr(v1.math, n)))
    meta = {"shapes": {k: static_shape(t) for k, t in tensors.items()}, "names": {k: t.name for k, t in tensors.items()},
            "op_types": {k: t.op.type for k, t in tensors.items()}, "signatures": signatures(v1.math, names),
            "math_names": names, "top_level": sorted(n for n in names if hasattr(v1, n)) + ["div_no_nan", "truncatediv", "truncatemod"]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **{f"in:{k}": a for k, a in arrays.items()},
                        **{f"out:{k}": np.asarray(v) for k, v in values.items()})
    print(f"wrote {OUT} ({len(values)} results)")


if __name__ == "__main__":
    main()
