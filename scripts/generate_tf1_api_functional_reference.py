"""Write tests/data/compat_v1/api_functional.npz: TensorFlow 1's ``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and
``tf.foldr`` (``tf.compat.v1``) on fixed inputs, run in graph mode: values, static shapes, gradients through
map_fn and scan, the errors of bad calls, and the four signatures.

Run it with TensorFlow 2.15, from outside the repository (its keras/ would shadow Keras):
``cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_functional_reference.py``.
tests/compat/test_tf1_functional.py loads this file for :func:`inputs`, :data:`GROUPS` and :data:`ERRORS`
(the same TF1 code runs on both sides) and reads the .npz; nothing here imports TensorFlow at module level.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_functional.npz"
NAMES = ("map_fn", "scan", "foldl", "foldr")


def inputs() -> dict[str, np.ndarray]:
    """The fed arrays (seeded)."""
    rng = np.random.default_rng(20241205)
    f32 = np.float32
    return {"x": rng.normal(size=(4, 3)).astype(f32), "y": rng.normal(size=(4, 3)).astype(f32),
            "mats": rng.normal(size=(4, 2, 3)).astype(f32), "w": rng.normal(size=(3, 2)).astype(f32),
            "ints": np.array([3, 1, 4, 1, 5], np.int32), "ragged": rng.normal(size=(4, 3)).astype(f32)}


def placeholders(tf, arrays: dict) -> dict:
    """One placeholder per input: ``x`` and ``mats`` with a leading dim known only at run time, ``ragged`` with no dim known."""
    shapes = {"x": [None, 3], "mats": [None, 2, 3], "ragged": [None, None]}
    return {k: tf.placeholder(a.dtype, shapes.get(k, a.shape), name=k) for k, a in arrays.items()}


def map_cases(tf, p) -> dict:
    x, y, mats, w = p["x"], p["y"], p["mats"], p["w"]
    pair = tf.map_fn(lambda r: (r * 2.0, tf.cast(tf.reduce_sum(r), tf.int32)), x, dtype=(tf.float32, tf.int32))
    named = tf.map_fn(lambda e: {"sum": e["a"] + e["b"], "max": tf.reduce_max(e["a"] * e["b"])}, {"a": x, "b": y},
                      fn_output_signature={"sum": tf.float32, "max": tf.float32})
    both = tf.map_fn(lambda e: (e[0] - e[1], e[1]), (y, x))
    return {
        "elementwise": tf.map_fn(fn=lambda r: tf.sin(r) * 2.0 + 1.0, elems=x), "static": tf.map_fn(tf.square, y),
        "row_sum": tf.map_fn(lambda r: tf.reduce_sum(r), x), "row_mean_keep": tf.map_fn(lambda r: tf.reduce_mean(r, keepdims=True), y),
        "matmul": tf.map_fn(lambda m: tf.matmul(m, w), mats), "vecmat": tf.map_fn(lambda r: tf.matmul(tf.expand_dims(r, 0), w), x),
        "pair_f": pair[0], "pair_i": pair[1], "named_sum": named["sum"], "named_max": named["max"],
        "tuple_diff": both[0], "tuple_same": both[1],
        "cast": tf.map_fn(lambda v: tf.cast(v, tf.float32) * 0.5, p["ints"], fn_output_signature=tf.float32),
        "ints": tf.map_fn(lambda v: v * v + 1, p["ints"], name="squares", parallel_iterations=4),
        "ragged": tf.map_fn(lambda r: r * 3.0, p["ragged"]), "ragged_sum": tf.map_fn(tf.reduce_sum, p["ragged"]),
        "no_backprop": tf.map_fn(tf.exp, y, back_prop=False),
    }


def scan_cases(tf, p) -> dict:
    x, y = p["x"], p["y"]
    nested = tf.scan(lambda a, e: (a[0] + e[0] * e[1], a[1] * 0.5 + tf.reduce_sum(e[0])), (x, y), initializer=(tf.zeros([3]), tf.constant(1.0)))
    return {
        "cumsum": tf.scan(lambda a, r: a + r, x), "cumsum_init": tf.scan(fn=lambda a, r: a + r, elems=y, initializer=tf.ones([3])),
        "reverse": tf.scan(lambda a, r: a * 0.5 + r, x, reverse=True), "reverse_init": tf.scan(lambda a, r: a - r, y, initializer=tf.zeros([3]), reverse=True),
        "running_max": tf.scan(lambda a, r: tf.maximum(a, tf.reduce_max(r)), x, initializer=tf.constant(-10.0)),
        "nested_vec": nested[0], "nested_scalar": nested[1], "ints": tf.scan(lambda a, v: a * 2 + v, p["ints"]),
        "ints_init": tf.scan(lambda a, v: a + v, p["ints"], 100, name="acc"),
        "static": tf.scan(lambda a, r: a * r, y, back_prop=False, swap_memory=True, infer_shape=True),
    }


def fold_cases(tf, p) -> dict:
    x, y = p["x"], p["y"]
    paired = tf.foldl(lambda a, e: (a[0] + e[0], tf.maximum(a[1], e[1])), (x, y))
    return {
        "foldl_sum": tf.foldl(lambda a, r: a + r, x), "foldl_init": tf.foldl(fn=lambda a, r: a * 0.5 + r, elems=y, initializer=tf.zeros([3])),
        "foldr": tf.foldr(lambda a, r: a * 0.5 + r, x), "foldr_init": tf.foldr(lambda a, r: a * 0.5 + r, y, initializer=tf.zeros([3])),
        "foldl_scalar": tf.foldl(lambda a, r: a + tf.reduce_sum(r * r), x, initializer=tf.constant(0.0)),
        "foldl_ints": tf.foldl(lambda a, v: a * 10 + v, p["ints"], initializer=0), "foldr_ints": tf.foldr(lambda a, v: a * 10 + v, p["ints"], 0),
        "foldl_pair_sum": paired[0], "foldl_pair_max": paired[1],
        "foldr_dict": tf.foldr(lambda a, r: {"s": a["s"] + r, "n": a["n"] + 1}, y, initializer={"s": tf.zeros([3]), "n": tf.constant(0)})["s"],
    }


def gradient_cases(tf, p) -> dict:
    x, y, mats, w = p["x"], p["y"], p["mats"], p["w"]
    mapped = tf.map_fn(lambda r: tf.sin(r) * r, x)
    matmul = tf.map_fn(lambda m: tf.matmul(m, w), mats)
    summed = tf.scan(lambda a, r: a * r + tf.tanh(r), y)
    captured = tf.scan(lambda a, r: a * 0.9 + tf.reduce_sum(r * w[:, 0]), x, initializer=tf.constant(0.0))
    folded = tf.foldl(lambda a, r: a * r, y, initializer=tf.ones([3]))
    grads = tf.gradients(tf.reduce_sum(mapped * mapped), x) + tf.gradients(tf.reduce_sum(tf.square(matmul)), [mats, w])
    grads += tf.gradients(tf.reduce_sum(summed), y) + tf.gradients(tf.reduce_sum(captured * captured), [x, w])
    grads += tf.gradients(tf.reduce_sum(folded), y) + tf.gradients(tf.reduce_sum(tf.map_fn(tf.exp, y, back_prop=False)) + tf.reduce_sum(y), y)
    keys = ("d_map_x", "d_matmul_mats", "d_matmul_w", "d_scan_y", "d_scan_x", "d_scan_w", "d_foldl_y", "d_no_backprop")
    return dict(zip(keys, grads))


GROUPS = {"map_fn": map_cases, "scan": scan_cases, "fold": fold_cases, "gradient": gradient_cases}


ERRORS = {
    "map_sizes": lambda tf, p: tf.map_fn(lambda e: e[0], (p["y"], p["ints"])),
    "scan_sizes": lambda tf, p: tf.scan(lambda a, e: a, (p["y"], p["ints"]), initializer=tf.constant(0.0)),
    "map_structure": lambda tf, p: tf.map_fn(lambda r: (r, r), p["y"], dtype=tf.float32),
    "map_signature": lambda tf, p: tf.map_fn(lambda r: r, p["y"], fn_output_signature=(tf.float32, tf.float32)),
    "map_default_structure": lambda tf, p: tf.map_fn(lambda e: e[0], (p["y"], p["x"])),
    "scan_structure": lambda tf, p: tf.scan(lambda a, r: (a, r), p["y"]),
    "scan_sequence_type": lambda tf, p: tf.scan(lambda a, r: [a[0] + r, a[1]], p["y"], initializer=(tf.zeros([3]), tf.zeros([3]))),
    "map_dtype": lambda tf, p: tf.map_fn(lambda r: tf.cast(r, tf.int32), p["y"]),
    "scan_dtype": lambda tf, p: tf.scan(lambda a, r: tf.cast(a + r, tf.int32), p["y"], initializer=tf.zeros([3])),
    "fold_shape": lambda tf, p: tf.foldl(lambda a, r: tf.concat([a, r], 0), p["y"]),
    "map_scalar": lambda tf, p: tf.map_fn(lambda r: r, tf.constant(1.0)),
    "map_empty": lambda tf, p: tf.map_fn(lambda r: r, []),
}
"""Bad calls: each raises at graph construction in TensorFlow; the test checks tfc raises the same exception type."""


def static_shape(t):
    return None if t.shape.ndims is None else [None if d is None else int(d) for d in t.shape.as_list()]


def signatures(module) -> dict:
    """Each function's parameters, as (name, default text) pairs."""
    def text(value):
        return "<required>" if value is inspect.Parameter.empty else repr(value)

    return {n: [[k, text(v.default)] for k, v in inspect.signature(getattr(module, n)).parameters.items()] for n in NAMES}


def errors(tf, p) -> dict:
    """The exception type name each bad call raises (``"none"`` if it does not)."""
    found = {}
    for key, call in ERRORS.items():
        try:
            call(tf, p)
            found[key] = "none"
        except Exception as err:  # noqa: BLE001 - recording what TensorFlow raises
            found[key] = type(err).__name__
    return found


def main() -> None:
    import tensorflow as tf

    v1 = tf.compat.v1
    arrays = inputs()
    with tf.Graph().as_default():
        p = placeholders(v1, arrays)
        tensors = {f"{g}/{k}": t for g, build in GROUPS.items() for k, t in build(v1, p).items()}
        raised = errors(v1, p)
        with v1.Session() as sess:
            values = sess.run(tensors, {p[k]: a for k, a in arrays.items()})
    meta = {"shapes": {k: static_shape(t) for k, t in tensors.items()}, "errors": raised, "signatures": signatures(v1)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **{f"in:{k}": a for k, a in arrays.items()},
                        **{f"out:{k}": np.asarray(v) for k, v in values.items()})
    print(f"wrote {OUT} ({len(values)} results); errors {raised}")


if __name__ == "__main__":
    main()
