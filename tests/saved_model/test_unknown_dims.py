"""Traced functions with unknown (None) dims: each family of ops a served model uses is exported
once with ``?`` dims, loaded, and run at several batch sizes; every output must equal, bit for bit,
the same function traced and compiled at the call's concrete shape."""

from __future__ import annotations

import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc.frontend.api import shape_tensor

BATCHES = (1, 3, 7)
RNG = np.random.default_rng(0)
W = RNG.standard_normal((4, 3)).astype(np.float32)
BIAS = RNG.standard_normal(4).astype(np.float32)


def _rows(x):
    return {"mean0": tfc.reduce_mean(x, axis=0), "mean1": tfc.reduce_mean(x, axis=1), "mean": tfc.reduce_mean(x),
            "sum0": tfc.reduce_sum(x, axis=0, keepdims=True), "max0": tfc.reduce_max(x, axis=0), "min1": tfc.reduce_min(x, axis=1, keepdims=True),
            "prod0": tfc.reduce_prod(x, axis=0), "argmax0": tfc.argmax(x, axis=0), "argmin1": tfc.argmin(x, axis=1),
            "cumsum0": tfc.cumsum(x, axis=0), "sort0": tfc.sort(x, axis=0), "all0": tfc.reduce_all(x > 0, axis=0)}


def _activations(x):
    return {"softmax": tfc.nn.softmax(x), "softmax0": tfc.nn.softmax(x, axis=0), "log_softmax": tfc.nn.log_softmax(x),
            "relu": tfc.nn.relu(x), "relu6": tfc.nn.relu6(x * 4), "sigmoid": tfc.nn.sigmoid(x), "tanh": tfc.nn.tanh(x)}


def _shapes(x):
    return {"flat": tfc.reshape(x, [-1]), "r22": tfc.reshape(x, [-1, 2, 2]), "r2": tfc.reshape(x, [2, -1]),
            "expand": tfc.expand_dims(x, 1), "squeeze": tfc.squeeze(tfc.expand_dims(x, -1), -1), "t": tfc.transpose(x),
            "concat0": tfc.concat([x, x], axis=0), "concat1": tfc.concat([x, x * 2], axis=1), "stack": tfc.stack([x, x], axis=1),
            "pad": tfc.pad(x, [[1, 0], [0, 2]]), "by_tensor": tfc.reshape(x, [shape_tensor(x)[0], -1, 2]), "by_shape": tfc.reshape(x, shape_tensor(x)),
            "by_none": tfc.reshape(x, [x.shape[0], 2, 2]), "ones": tfc.ones_like(x) * 2}


def _slices(x):
    return {"cols": x[:, 1:3], "tail": x[1:], "head": x[:-1], "rev": x[::-1], "even": x[::2], "last2": x[-2:], "first": x[0],
            "lastrow": x[-1], "newaxis": x[..., None], "odd_rev": x[::-2, ::-1], "mid": x[1:5:2], "col": x[:, -1], "cap": x[:2]}


def _arithmetic(x):
    mean = tfc.reduce_mean(x, axis=0, keepdims=True)
    return {"bias": x + BIAS, "scaled": x * 2.0 - 1, "centered": x - mean, "where": tfc.where(x > 0, x, 0.0),
            "matmul": tfc.matmul(x, W), "one_hot": tfc.one_hot(tfc.argmax(x, axis=1), 5), "take0": tfc.take(W, tfc.argmax(x, axis=1), axis=0),
            "clip": tfc.clip(x, -0.5, 0.5), "moments": tfc.nn.moments(x, [0])[1], "bias_add": tfc.nn.bias_add(x, BIAS)}


def _sequences(x):
    """A [None, None] input: batch and length both unknown."""
    return {"softmax": tfc.nn.softmax(x), "mean1": tfc.reduce_mean(x, axis=1), "flat": tfc.reshape(x, [-1]),
            "expand": x[:, :, None] * x[:, None, :], "tail": x[:, 1:], "outer": tfc.reshape(x[:, :, None] + x[:, None, :], [-1, 1]),
            "gram": tfc.matmul(x, tfc.transpose(x)), "attention": tfc.matmul(tfc.nn.softmax(x[:, :, None] * x[:, None, :]), x[:, :, None]),
            "one_hot": tfc.one_hot(tfc.argmax(x, axis=1), 3), "first_last": x[:, 0] - x[:, -1], "cols": tfc.gather(x, [0, 2], axis=1),
            "rows": tfc.gather(x, [0, 0], axis=0)}


def _gathers(x):
    """Gathers along a known axis take the unknown one by coordinates; along the unknown one, as usual."""
    rows = tfc.cast(tfc.abs(x[:, :2]) * 2, tfc.int32) % 4
    return {"take1": tfc.gather(x, [0, 2, 3], axis=1), "fancy": x[:, [3, -1, 0]], "by_rows": tfc.gather(x, rows, axis=1),
            "rows": x[[0, -1]], "cube": tfc.gather(tfc.reshape(x, [-1, 2, 2]), [[1], [0]], axis=2)}


CASES = {
    "gathers": (_gathers, [None, 4]),
    "rows": (_rows, [None, 4]),
    "activations": (_activations, [None, 4]),
    "shapes": (_shapes, [None, 4]),
    "slices": (_slices, [None, 4]),
    "arithmetic": (_arithmetic, [None, 4]),
    "sequences": (_sequences, [None, None]),
}


def _input(spec, batch):
    return RNG.standard_normal([batch if d is None else d for d in spec[:1]] + [5 if d is None else d for d in spec[1:]]).astype(np.float32)


def _check_case(tmp_path, fn, spec, batches=BATCHES):
    exported = tfc.compile(input_signature=[tfc.TensorSpec(spec, tfc.float32)])(fn)
    model = saved_model.load(saved_model.save(exported, tmp_path / "1"))
    serve = model.signatures["serving_default"]
    for batch in batches:
        x = _input(spec, batch)
        got = serve(x=x)
        want = tfc.compile(fn)(x)
        assert sorted(got) == sorted(want)
        for name in want:
            np.testing.assert_array_equal(got[name], np.asarray(want[name]), err_msg=f"{name} at batch {batch}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_ops_with_unknown_dims_match_the_concrete_trace(tmp_path, case):
    fn, spec = CASES[case]
    _check_case(tmp_path, fn, spec)


def test_what_still_needs_a_known_dim_says_which(tmp_path):
    """SAME padding depends on the spatial sizes; a Python loop over an unknown dim has no length."""
    conv = tfc.compile(input_signature=[tfc.TensorSpec([None, None, 5, 1], tfc.float32)])(lambda x: tfc.nn.conv2d(x, np.ones((2, 2, 1, 1), np.float32), 1, "SAME"))
    with pytest.raises(ValueError, match=r"convolution input needs a static shape but the batch dim, got \[\?, \?, 5, 1\]"):
        saved_model.save(conv, tmp_path / "conv")
    rows = tfc.compile(input_signature=[tfc.TensorSpec([None, 2], tfc.float32)])(lambda x: sum(row for row in x))
    with pytest.raises(ValueError, match=r"len\(\) of a tensor of shape \[\?, 2\]: its first dim is unknown"):
        saved_model.save(rows, tmp_path / "rows")


def _keras_case():
    """Layers built once, so the export and the concrete traces share their weights."""
    layers = tfc.keras.layers
    dense, norm, batch_norm = layers.Dense(3, activation="relu"), layers.LayerNormalization(), layers.BatchNormalization()
    softmax, dropout, flatten, concat = layers.Activation("softmax"), layers.Dropout(0.5), layers.Flatten(), layers.Concatenate()

    def fn(x):
        h = dense(x)
        return {"dense": h, "softmax": softmax(h), "dropout": dropout(h), "layer_norm": norm(x), "batch_norm": batch_norm(x),
                "flatten": flatten(tfc.reshape(x, [-1, 2, 2])), "concat": concat([x, h])}

    return fn


def _keras_images_case():
    layers = tfc.keras.layers
    conv, pool, avg = layers.Conv2D(3, 3, padding="same"), layers.MaxPooling2D(2), layers.AveragePooling2D(2, padding="same")
    global_avg, flatten = layers.GlobalAveragePooling2D(), layers.Flatten()

    def fn(x):
        h = conv(x)
        return {"conv": h, "max_pool": pool(h), "avg_pool": avg(x), "global": global_avg(h), "flatten": flatten(pool(h))}

    return fn


def _keras_tokens_case():
    embedding = tfc.keras.layers.Embedding(10, 3)

    def fn(x):
        ids = tfc.cast(tfc.abs(x) * 3, tfc.int32) % 10
        return {"embedding": embedding(ids), "pooled": tfc.reduce_mean(embedding(ids), axis=1)}

    return fn


def _keras_sequence_case():
    """Recurrent layers and attention over [batch, time, features] with batch and time unknown."""
    layers = tfc.keras.layers
    lstm, gru = layers.LSTM(3, return_sequences=True), layers.GRU(2, go_backwards=True)
    rnn, attention = layers.Bidirectional(layers.SimpleRNN(2)), layers.MultiHeadAttention(2, 3)

    def fn(x):
        return {"lstm": lstm(x), "gru": gru(x), "bidirectional": rnn(x), "attention": attention(x, x)}

    return fn


def _keras_transposed_case():
    layers = tfc.keras.layers
    up, depthwise = layers.Conv2DTranspose(2, 2, strides=2), layers.DepthwiseConv2D(2)
    return lambda x: {"up": up(x), "depthwise": depthwise(x), "zeros": tfc.zeros_like(x) + 1}


def _keras_any_size_images_case():
    """A fully convolutional model over images of any size: VALID windows need no size."""
    layers = tfc.keras.layers
    conv, pool, avg, global_max = layers.Conv2D(3, 2), layers.MaxPooling2D(2), layers.AveragePooling2D(2, strides=1), layers.GlobalMaxPooling2D()
    return lambda x: {"conv": conv(x), "pool": pool(conv(x)), "avg": avg(x), "global": global_max(conv(x))}


KERAS_CASES = {
    "any_size_images": (_keras_any_size_images_case, [None, None, None, 2]),
    "sequences": (_keras_sequence_case, [None, None, 4]),
    "transposed": (_keras_transposed_case, [None, 3, 3, 2]),"layers": (_keras_case, [None, 4]), "images": (_keras_images_case, [None, 5, 5, 2]), "tokens": (_keras_tokens_case, [None, None])}


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_layers_with_unknown_dims_match_the_concrete_trace(tmp_path, case):
    make, spec = KERAS_CASES[case]
    _check_case(tmp_path, make(), spec)


def test_a_keras_model_exports_with_its_unknown_batch(tmp_path):
    model = tfc.keras.Sequential([tfc.keras.layers.Dense(5, activation="relu", input_shape=(4,)), tfc.keras.layers.Dropout(0.3),
                                  tfc.keras.layers.Dense(3, activation="softmax")])
    serve = saved_model.load(saved_model.save(model, tmp_path / "1")).signatures["serving_default"]
    for batch in BATCHES:
        x = _input([None, 4], batch)
        (got,) = serve(inputs=x).values()
        np.testing.assert_array_equal(got, np.asarray(tfc.compile(lambda t: model(t))(x)))


def test_an_unknown_dim_broadcast_to_an_unknown_dim_keeps_its_size(tmp_path):
    """The argument itself broadcast ([?, 1] to [?, 4]): its ? is the result's, though no elementwise op says so."""
    _check_case(tmp_path, lambda x: {"spread": tfc.broadcast_to(x, (x.shape[0], 4))}, [None, 1])
