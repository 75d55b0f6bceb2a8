"""tfc.keras against Keras itself, on reference data written by scripts/generate_keras_reference.py
(Keras is not a test dependency): every layer's output for the same weights, and one fit of small
models from the same initial weights without shuffling."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tfc

keras = tfc.keras
DATA = Path(__file__).resolve().parents[1] / "data" / "keras"
CASES = json.loads((DATA / "layers.json").read_text())["cases"]
LAYERS = [c for c in CASES if "inputs" not in c]
ATTENTION = [c for c in CASES if "inputs" in c]
FITS = json.loads((DATA / "fit.json").read_text())["cases"]


@pytest.fixture(scope="module")
def layer_arrays():
    with np.load(DATA / "layers.npz") as data:
        return dict(data)


@pytest.fixture(scope="module")
def fit_arrays():
    with np.load(DATA / "fit.npz") as data:
        return dict(data)


def build(cls: str, kwargs: dict):
    """A case's layer by class name and Keras' keyword arguments (nested ones as [class, kwargs])."""
    if cls == "Sequential":
        return keras.Sequential([build(*spec) for spec in kwargs["layers"]])
    if cls == "Bidirectional":
        return keras.layers.Bidirectional(build(*kwargs["layer"]), **{k: v for k, v in kwargs.items() if k != "layer"})
    if cls == "EmbeddingAttentionGRU":
        return embedding_attention_gru(**kwargs)
    return getattr(keras.layers, cls)(**kwargs)


def embedding_attention_gru(length, input_dim, output_dim, num_heads, key_dim, units):
    """The generator's functional model: the Embedding's padding mask reaches the attention and the GRU."""
    ids = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(input_dim, output_dim, mask_zero=True)(ids)
    x = keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x)
    return keras.Model(ids, keras.layers.GRU(units)(x))


def assert_outputs_equal(case, got, arrays):
    """One output (``name/out``), or ``case["outputs"]`` of them (``name/out0``, ...)."""
    name = case["name"]
    if "outputs" not in case:
        np.testing.assert_allclose(np.asarray(got), arrays[f"{name}/out"], rtol=2e-5, atol=2e-5)
        return
    assert isinstance(got, (list, tuple)) and len(got) == case["outputs"]
    for i, value in enumerate(got):
        np.testing.assert_allclose(np.asarray(value), arrays[f"{name}/out{i}"], rtol=2e-5, atol=2e-5, err_msg=f"output {i}")


def built_layer(case, x):
    layer = build(case["class"], case["kwargs"])
    layer(x)
    return layer


@pytest.mark.parametrize("case", LAYERS, ids=[c["name"] for c in LAYERS])
def test_layer_outputs_equal_keras(case, layer_arrays):
    name = case["name"]
    x = layer_arrays[f"{name}/x"]
    layer = built_layer(case, x)
    layer.set_weights([layer_arrays[f"{name}/w{i}"] for i in range(case["weights"])])
    got = tfc.compile(lambda t: layer(t, training=False))(x)
    assert_outputs_equal(case, got, layer_arrays)


@pytest.mark.parametrize("case", ATTENTION, ids=[c["name"] for c in ATTENTION])
def test_attention_outputs_equal_keras(case, layer_arrays):
    """MultiHeadAttention on the case's inputs (a slot naming another reuses its tensor: self-attention)."""
    name, inputs = case["name"], case["inputs"]
    own = [slot for slot, shape in inputs.items() if not isinstance(shape, str)]
    arrays = [layer_arrays[f"{name}/{slot}"] for slot in own]
    layer = keras.layers.MultiHeadAttention(**case["kwargs"])

    def run(*tensors):
        given = dict(zip(own, tensors))
        given.update({slot: given[shape] for slot, shape in inputs.items() if isinstance(shape, str)})
        return layer(**given, **case["call"], training=False)

    step = tfc.compile(run)
    step(*arrays)  # build
    layer.set_weights([layer_arrays[f"{name}/w{i}"] for i in range(case["weights"])])
    assert_outputs_equal(case, step(*arrays), layer_arrays)


def test_batch_normalization_in_training_uses_the_batch_and_moves_its_averages(layer_arrays):
    case = next(c for c in LAYERS if c["class"] == "BatchNormalization")
    name, x = case["name"], layer_arrays["batch_normalization/x"]
    layer = built_layer(case, x)
    layer.set_weights([layer_arrays[f"{name}/w{i}"] for i in range(case["weights"])])
    got = tfc.compile(lambda t: layer(t, training=True))(x)
    np.testing.assert_allclose(np.asarray(got), layer_arrays[f"{name}/train_out"], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(np.stack(layer.get_weights()[2:]), layer_arrays[f"{name}/moved"], rtol=1e-5, atol=1e-6)


def mlp():
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation="softmax")])


def cnn():
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(),
                             keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("case", FITS, ids=[c["name"] for c in FITS])
def test_fit_from_the_same_weights_ends_at_keras_weights(case, fit_arrays):
    name = case["name"]
    model = {"mlp": mlp, "cnn": cnn}[case["model"]]()
    model.set_weights([fit_arrays[f"{name}/initial{i}"] for i in range(case["weights"])])
    options = {k: v for k, v in case["optimizer"].items() if k != "class"}
    model.compile(getattr(keras.optimizers, case["optimizer"]["class"])(**options), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(fit_arrays[f"{name}/x"], fit_arrays[f"{name}/y"], batch_size=16, epochs=2, shuffle=False, verbose=0)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, fit_arrays[f"{name}/final{i}"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], case["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["accuracy"], case["accuracy"], rtol=1e-6)
