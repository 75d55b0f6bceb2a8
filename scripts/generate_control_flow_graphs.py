"""Generate tests/data/control_flow: small TensorFlow graphs with control flow, their inputs and
TensorFlow's outputs, for tests/tf/test_control_flow_graphs.py.

Run with TensorFlow installed (tfc itself never imports it)::

    /tmp/tfenv/bin/python scripts/generate_control_flow_graphs.py

Each case writes ``<name>.pb`` (a GraphDef) and ``<name>.npz`` (``input_<i>`` and ``output_<i>``
arrays); ``manifest.json`` names each case's feeds and fetches (tensor names, in the npz's order),
says what it covers, and for the cases tfc must refuse, the words its error must contain.

Three kinds of graph: TF1 graphs built with v1 control flow (``Enter``/``Exit``/``Merge``/...,
TensorArrays; ``dynamic_rnn`` with a small LSTM cell of its own, since Keras 3 has no TF1 cells),
``tf.function``s frozen with ``convert_variables_to_constants_v2`` (functional ``While``/``If`` and
``TensorList`` ops), and the same frozen with ``lower_control_flow=True`` (v1 control flow again,
around TensorList ops) — which is how Keras 3 recurrent layers reach the v1 form (Keras 3 does not
build TF1 graphs). Keep cases small: the data is committed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "control_flow"
RNG = np.random.default_rng(0)
CASES: dict = {}


def case(description: str, error: str | None = None):
    """Register a builder returning (GraphDef, {feed tensor: array}, [fetch tensors], expected or None)."""

    def register(build):
        CASES[build.__name__] = (description, error, build)
        return build

    return register


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# ---- TF1 graphs with v1 control flow ---------------------------------------------------------------
def v1_graph(build, feeds: dict, freeze: bool = False):
    """Build a TF1 graph with v1 control flow: ``build(placeholders) -> fetch tensors``; run it (with
    ``freeze``: its variables initialized first, and the graph frozen into constants after)."""
    tf.compat.v1.disable_control_flow_v2()
    try:
        graph = tf.Graph()
        with graph.as_default():
            placeholders = {name: tf.compat.v1.placeholder(tf.as_dtype(value.dtype), shape, name=name)
                            for name, (value, shape) in feeds.items()}
            fetches = build(**placeholders)
            with tf.compat.v1.Session(graph=graph) as session:
                if freeze:
                    session.run(tf.compat.v1.global_variables_initializer())
                values = session.run(fetches, {placeholders[n]: v for n, (v, _) in feeds.items()})
                graph_def = graph.as_graph_def()
                if freeze:
                    graph_def = tf.compat.v1.graph_util.convert_variables_to_constants(session, graph_def, [t.op.name for t in fetches])
    finally:
        tf.compat.v1.enable_control_flow_v2()
    return graph_def, {f"{n}:0": v for n, (v, _) in feeds.items()}, [t.name for t in fetches], values


@case("v1 while loop in a while loop's body; the inner trip count depends on the outer counter")
def v1_nested_while():
    def build(x):
        def outer_body(i, acc):
            _, inner = tf.compat.v1.while_loop(lambda j, a: j < i + 1, lambda j, a: (j + 1, a * 0.5 + x), [0, acc])
            return i + 1, inner + tf.cast(i, tf.float32)

        return list(tf.compat.v1.while_loop(lambda i, a: i < 3, outer_body, [0, tf.zeros_like(x)]))

    return v1_graph(build, {"x": (rand(3), [3])})


@case("three v1 while loops nested in each other, the innermost using a value of the outermost")
def v1_triple_nested_while():
    def build(x, n):
        def level1(i, acc):
            def level2(j, acc2):
                _, acc3 = tf.compat.v1.while_loop(lambda k, a: k < 2, lambda k, a: (k + 1, a + x * tf.cast(i + j + k, tf.float32)), [0, acc2])
                return j + 1, acc3

            return i + 1, tf.compat.v1.while_loop(lambda j, a: j < i, level2, [0, acc])[1]

        return [tf.compat.v1.while_loop(lambda i, a: i < n, level1, [0, x])[1]]

    return v1_graph(build, {"x": (rand(2, 2), [2, 2]), "n": (np.array(3, np.int32), [])})


@case("v1 cond inside a v1 while loop's body")
def v1_cond_in_while():
    def build(x):
        def body(i, acc):
            acc = tf.compat.v1.cond(tf.equal(i % 2, 0), lambda: acc + x, lambda: acc * 2.0)
            return i + 1, acc

        return list(tf.compat.v1.while_loop(lambda i, a: i < 5, body, [0, x]))

    return v1_graph(build, {"x": (rand(2, 3), [2, 3])})


@case("two v1 while loops in sequence in a while loop's body: the first one's Exit enters the second")
def v1_sibling_inner_loops():
    def build(x):
        def body(i, acc):
            acc = tf.compat.v1.while_loop(lambda j, a: j < 2, lambda j, a: (j + 1, a + x), [0, acc])[1]
            acc = tf.compat.v1.while_loop(lambda j, a: j < i, lambda j, a: (j + 1, a * 0.9), [0, acc])[1]
            return i + 1, acc

        return list(tf.compat.v1.while_loop(lambda i, a: i < 3, body, [0, x]))

    return v1_graph(build, {"x": (rand(3), [3])})


@case("v1 while loop in a while loop's condition")
def v1_while_in_condition():
    def build(x):
        def cond(i, acc):
            total = tf.compat.v1.while_loop(lambda j, s: j < 2, lambda j, s: (j + 1, s + 1.0), [0, tf.reduce_sum(acc)])[1]
            return total < 20.0

        return list(tf.compat.v1.while_loop(cond, lambda i, a: (i + 1, a + 1.0), [0, x]))

    return v1_graph(build, {"x": (rand(3), [3])})


@case("v1 cond in a while loop in a cond's branch")
def v1_cond_in_while_in_cond():
    def build(x, p):
        def loop():
            def body(i, acc):
                return i + 1, tf.compat.v1.cond(i > 1, lambda: acc * 2.0, lambda: acc - 1.0)

            return tf.compat.v1.while_loop(lambda i, a: i < 4, body, [0, x])[1]

        return [tf.compat.v1.cond(p, loop, lambda: x)]

    return v1_graph(build, {"x": (rand(3), [3]), "p": (np.array(True), [])})


@case("v1 TensorArrays in nested loops: each outer step stacks an inner array into the outer one")
def v1_nested_tensor_arrays():
    def build(x):
        def body(i, outer):
            inner = tf.TensorArray(tf.float32, size=3)
            inner = tf.compat.v1.while_loop(lambda j, t: j < 3, lambda j, t: (j + 1, t.write(j, x * tf.cast(i + j, tf.float32))), [0, inner])[1]
            return i + 1, outer.write(i, inner.stack())

        return [tf.compat.v1.while_loop(lambda i, t: i < 2, body, [0, tf.TensorArray(tf.float32, size=2)])[1].stack()]

    return v1_graph(build, {"x": (rand(3), [3])})


@case("tf.scan in a TF1 graph")
def v1_scan():
    return v1_graph(lambda x: [tf.scan(lambda a, v: a * 0.5 + v, x)], {"x": (rand(4, 2), [4, 2])})


@case("v1 while loop inside each branch of a v1 cond")
def v1_while_in_cond():
    def build(x, p):
        def true_fn():
            return tf.compat.v1.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a + x), [0, x])[1]

        def false_fn():
            return tf.compat.v1.while_loop(lambda i, a: tf.reduce_sum(a) < 100.0, lambda i, a: (i + 1, a * 2.0 + 1.0), [0, tf.abs(x)])[1]

        return [tf.compat.v1.cond(p, true_fn, false_fn)]

    return v1_graph(build, {"x": (rand(3), [3]), "p": (np.array(False), [])})


@case("v1 TensorArray whose size is a fed scalar: written in a while loop, stacked")
def v1_tensor_array_fed_size():
    def build(x, n):
        ta = tf.TensorArray(tf.float32, size=n)
        _, ta = tf.compat.v1.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t.write(i, x * tf.cast(i, tf.float32))), [0, ta])
        return [ta.stack()]

    return v1_graph(build, {"x": (rand(3), [3]), "n": (np.array(4, np.int32), [])})


@case("v1 TensorArray sized by a static dimension (tf.shape(x)[0] folds); unstack, read and write in a loop")
def v1_tensor_array_computed_size():
    def build(x):
        size = tf.shape(x)[0]
        source = tf.TensorArray(tf.float32, size=size).unstack(x)
        ta = tf.TensorArray(tf.float32, size=size)

        def body(i, t, running):
            running = running + source.read(i)
            return i + 1, t.write(i, running), running

        _, ta, _ = tf.compat.v1.while_loop(lambda i, t, r: i < size, body, [0, ta, tf.zeros([3])])
        return [ta.stack()]

    return v1_graph(build, {"x": (rand(4, 3), [4, 3])})


@case("v1 TensorArrays without an element shape, first written inside a loop, then read and concatenated after it")
def v1_tensor_array_first_written_in_loop():
    def build(x):
        def fill(ta):
            return tf.compat.v1.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t.write(i, x * tf.cast(i, tf.float32))), [0, ta])[1]

        read = fill(tf.TensorArray(tf.float32, size=3))
        concatenated = fill(tf.TensorArray(tf.float32, size=3, infer_shape=False)).concat()
        return [read.read(2) + read.read(1), concatenated]

    return v1_graph(build, {"x": (rand(2), [2])})


@case("tf.map_fn in a TF1 graph (v1 loop over TensorArrays)")
def v1_map_fn():
    return v1_graph(lambda x: [tf.map_fn(lambda row: tf.reduce_sum(row * row) + row, x)], {"x": (rand(5, 2), [5, 2])})


@case("v1 while loop with a [None, 3] shape invariant whose variable keeps its [2, 3] shape")
def v1_shape_invariant_fixed():
    def build(x):
        return [tf.compat.v1.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.tanh(a) + x), [0, x],
                                        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 3])])[1]]

    return v1_graph(build, {"x": (rand(2, 3), [2, 3])})


@case("v1 while loop whose variable gains a dimension each iteration (rank changes)", error="rank")
def v1_rank_change():
    def build(x):
        return [tf.compat.v1.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, tf.expand_dims(a, 0)), [0, x],
                                        shape_invariants=[tf.TensorShape([]), tf.TensorShape(None)])[1]]

    return v1_graph(build, {"x": (rand(3), [3])})


@case("v1 while loop whose vector variable grows each iteration (size not static)", error="changes shape")
def v1_growing_vector():
    def build(x):
        return [tf.compat.v1.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, tf.concat([a, a], 0)), [0, x],
                                        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])[1]]

    return v1_graph(build, {"x": (rand(3), [3])})


class LSTMCell:
    """A minimal LSTM cell for ``tf.compat.v1.nn.dynamic_rnn`` (Keras 3 has no TF1 cells): what a
    TF1 RNN graph holds, a v1 loop over TensorArrays with the weights as variables."""

    def __init__(self, units: int, name: str):
        self.units, self.name = units, name
        self.output_size, self.state_size = units, (units, units)

    def zero_state(self, batch, dtype):
        return tf.zeros([batch, self.units], dtype), tf.zeros([batch, self.units], dtype)

    def __call__(self, x, state):
        c, h = state
        with tf.compat.v1.variable_scope(self.name, reuse=tf.compat.v1.AUTO_REUSE):
            init = tf.compat.v1.random_normal_initializer(0.0, 0.5, seed=1)
            w = tf.compat.v1.get_variable("kernel", [x.shape[-1] + self.units, 4 * self.units], initializer=init)
            b = tf.compat.v1.get_variable("bias", [4 * self.units], initializer=init)
        i, f, o, u = tf.split(tf.matmul(tf.concat([x, h], 1), w) + b, 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(u)
        h = tf.sigmoid(o) * tf.tanh(c)
        return h, (c, h)


@case("TF1 bidirectional_dynamic_rnn of LSTM cells, frozen (two v1 loops over TensorArrays; unknown batch and steps)")
def v1_bidirectional_dynamic_rnn():
    def build(x):
        (forward, backward), _ = tf.compat.v1.nn.bidirectional_dynamic_rnn(LSTMCell(3, "fw"), LSTMCell(3, "bw"), x, dtype=tf.float32)
        return [tf.concat([forward, backward], -1)]

    return v1_graph(build, {"x": (rand(2, 4, 3), [None, None, 3])}, freeze=True)


@case("TF1 dynamic_rnn with a fed sequence_length (its Assert on the lengths, with string messages; outputs zeroed past each length)")
def v1_dynamic_rnn_sequence_length():
    def build(x, lengths):
        outputs, (c, h) = tf.compat.v1.nn.dynamic_rnn(LSTMCell(3, "cell"), x, sequence_length=lengths, dtype=tf.float32)
        return [outputs, h]

    return v1_graph(build, {"x": (rand(4, 5, 2), [4, 5, 2]), "lengths": (np.array([5, 2, 1, 4], np.int32), [4])}, freeze=True)


# ---- tf.functions frozen (functional control flow, TensorLists) -----------------------------------
def frozen(fn, feeds: dict, lower: bool = False):
    """Freeze ``fn`` traced for ``feeds`` ({name: (value, shape)}); optionally lower to v1 control flow."""
    specs = [tf.TensorSpec(shape, tf.as_dtype(value.dtype), name=name) for name, (value, shape) in feeds.items()]
    concrete = tf.function(fn).get_concrete_function(*specs)
    constant = convert_variables_to_constants_v2(concrete, lower_control_flow=lower)
    outputs = constant(*[tf.constant(v) for v, _ in feeds.values()])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    fetches = [t.name for t in constant.outputs]
    return (constant.graph.as_graph_def(), {f"{n}:0": v for n, (v, _) in feeds.items()}, fetches,
            [np.asarray(o) for o in outputs])


def nested_while_fn(x):
    def outer_body(i, acc):
        inner = tf.while_loop(lambda j, a: j < i + 1, lambda j, a: (j + 1, a * 0.5 + x), [0, acc])[1]
        return i + 1, inner + tf.cast(i, tf.float32)

    return tf.while_loop(lambda i, a: i < 3, outer_body, [0, tf.zeros_like(x)])[1]


def tensor_list_fn(x, n):
    ta = tf.TensorArray(tf.float32, size=n)
    ta = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t.write(i, x * tf.cast(i, tf.float32))), [0, ta])[1]
    return ta.stack()


def computed_size_fn(x):
    source = tf.TensorArray(tf.float32, size=tf.shape(x)[0]).unstack(x)
    ta = tf.TensorArray(tf.float32, size=tf.shape(x)[0])

    def body(i, t, running):
        running = running + source.read(i)
        return i + 1, t.write(i, running), running

    return tf.while_loop(lambda i, t, r: i < tf.shape(x)[0], body, [0, ta, tf.zeros([3])])[1].stack()


def shape_invariant_fn(x):
    return tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.tanh(a) + x), [0, x],
                         shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 3])])[1]


def rank_change_fn(x):
    return tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, tf.expand_dims(a, 0)), [0, x],
                         shape_invariants=[tf.TensorShape([]), tf.TensorShape(None)])[1]


def cond_in_while_fn(x):
    def body(i, a):
        return i + 1, tf.cond(i % 2 == 0, lambda: a + x, lambda: a * 2.0)

    return tf.while_loop(lambda i, a: i < 5, body, [0, x])[1]


def while_in_cond_fn(x, p):
    return tf.cond(p, lambda: tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a + x), [0, x])[1], lambda: x * 3.0)


@case("frozen tf.function, lowered: a cond in a while loop's body as Switch/Merge in a v1 frame")
def fn_cond_in_while_lowered():
    return frozen(cond_in_while_fn, {"x": (rand(2, 3), [2, 3])}, lower=True)


@case("frozen tf.function, lowered: a while loop in a cond's branch")
def fn_while_in_cond_lowered():
    return frozen(while_in_cond_fn, {"x": (rand(3), [3]), "p": (np.array(True), [])}, lower=True)


@case("frozen tf.function: StatelessWhile in a StatelessWhile's body")
def fn_nested_while():
    return frozen(nested_while_fn, {"x": (rand(3), [3])})


@case("frozen tf.function, control flow lowered: the nested loop as v1 frames")
def fn_nested_while_lowered():
    return frozen(nested_while_fn, {"x": (rand(3), [3])}, lower=True)


@case("frozen tf.function: TensorList whose size is a fed scalar")
def fn_tensor_list_fed_size():
    return frozen(tensor_list_fn, {"x": (rand(3), [3]), "n": (np.array(5, np.int32), [])})


@case("frozen tf.function, lowered: TensorList whose size is a fed scalar in v1 frames")
def fn_tensor_list_fed_size_lowered():
    return frozen(tensor_list_fn, {"x": (rand(3), [3]), "n": (np.array(5, np.int32), [])}, lower=True)


@case("frozen tf.function: TensorLists sized by tf.shape(x)[0] of a static x")
def fn_tensor_list_computed_size():
    return frozen(computed_size_fn, {"x": (rand(4, 3), [4, 3])})


@case("frozen tf.function, lowered: TensorLists sized by tf.shape(x)[0] of a static x")
def fn_tensor_list_computed_size_lowered():
    return frozen(computed_size_fn, {"x": (rand(4, 3), [4, 3])}, lower=True)


@case("frozen tf.function: a [None, 3] shape invariant on a variable that stays [2, 3]")
def fn_shape_invariant_fixed():
    return frozen(shape_invariant_fn, {"x": (rand(2, 3), [2, 3])})


@case("frozen tf.function: a While whose variable changes rank", error="rank")
def fn_rank_change():
    return frozen(rank_change_fn, {"x": (rand(3), [3])})


# ---- Keras recurrent layers ----------------------------------------------------------------------
def keras_model(kind: str):
    """A tiny Keras model; short layer names keep the GraphDefs small (names are most of their bytes)."""
    import keras

    keras.utils.set_random_seed(1)
    layers = keras.layers
    features, units = 3, 5
    if kind == "masked_lstm":
        inputs = keras.Input((None,), dtype="int32")
        x = layers.Embedding(7, features, mask_zero=True, name="e")(inputs)
        return keras.Model(inputs, layers.LSTM(units, name="r")(x), name="m")
    inputs = keras.Input((None, features))
    if kind == "lstm":
        out = layers.LSTM(units, return_sequences=True, name="r")(inputs)
    elif kind == "gru":
        out = layers.GRU(units, name="r")(inputs)
    elif kind == "simple_rnn":
        out = layers.SimpleRNN(units, return_sequences=True, name="r")(inputs)
    elif kind == "bidirectional":
        out = layers.Bidirectional(layers.LSTM(units, return_sequences=True, name="r"), name="b")(inputs)
    elif kind == "stacked":
        out = layers.GRU(units, name="r2")(layers.LSTM(units, return_sequences=True, name="r1")(inputs))
    return keras.Model(inputs, out, name="m")


def keras_case(kind: str, lower: bool, unknown_dims: bool = False):
    """A Keras model frozen for a batch of 2 sequences of 4 steps (``unknown_dims``: traced for
    [None, None, ...], as Keras models usually are, and fed [2, 4, ...])."""
    model = keras_model(kind)
    if kind == "masked_lstm":
        tokens = np.array([[3, 1, 0, 0], [2, 5, 6, 0]], np.int32)
        return frozen(lambda x: model(x), {"x": (tokens, [None, None] if unknown_dims else [2, 4])}, lower)
    return frozen(lambda x: model(x), {"x": (rand(2, 4, 3), [None, None, 3] if unknown_dims else [2, 4, 3])}, lower)


def keras_cases():
    kinds = [(kind, lower, False) for kind in ("lstm", "gru", "simple_rnn", "bidirectional", "stacked", "masked_lstm") for lower in (False, True)]
    kinds += [(kind, False, True) for kind in ("lstm", "masked_lstm")]
    for kind, lower, unknown_dims in kinds:
        name = f"keras_{kind}" + ("_unknown_dims" if unknown_dims else "") + ("_lowered" if lower else "")

        def build(kind=kind, lower=lower, unknown_dims=unknown_dims):
            return keras_case(kind, lower, unknown_dims)

        build.__name__ = name
        what = "traced for unknown batch and steps" if unknown_dims else "frozen"
        case(f"Keras {kind.replace('_', ' ')} {what}" + (" with control flow lowered to v1 frames" if lower else ""))(build)


keras_cases()


# ---- writing --------------------------------------------------------------------------------------
def write(name: str, description: str, error: str | None, build) -> dict:
    graph, feeds, fetches, outputs = build()
    (OUT / f"{name}.pb").write_bytes(graph.SerializeToString())
    arrays = {f"input_{i}": v for i, v in enumerate(feeds.values())}
    if error is None:
        arrays.update({f"output_{i}": np.asarray(v) for i, v in enumerate(outputs)})
    np.savez(OUT / f"{name}.npz", **arrays)
    entry = {"description": description, "feeds": list(feeds), "fetches": fetches}
    if error is not None:
        entry["error"] = error
    return entry


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() and names else {}
    for name, (description, error, build) in CASES.items():
        if not names or name in names:
            manifest[name] = write(name, description, error, build)
            print(f"{name}: {(OUT / f'{name}.pb').stat().st_size} bytes")
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
