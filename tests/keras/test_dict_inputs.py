"""Dict inputs in tfc.keras as in tf.keras 2.15: a functional model over a dict of Inputs, a list model
fed a dict keyed by its inputs' names, and fit/evaluate/predict (and the *_on_batch methods) on dicts
of arrays or Datasets of ``(dict, y)``. The reference is Keras' own (scripts/generate_keras_dict_inputs_reference.py)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import tfc

keras = tfc.keras
Dataset = tfc.data.Dataset
DATA = Path(__file__).resolve().parent.parent / "data" / "keras"
REFERENCE = json.loads((DATA / "dict_inputs.json").read_text())["cases"]


@pytest.fixture(scope="module")
def ref():
    with np.load(DATA / "dict_inputs.npz") as data:
        return dict(data)


def dict_model():
    """The generator's model: keys (zage, city, b_score) that are not all the Inputs' names."""
    age, city, score = keras.Input((1,), name="age"), keras.Input((2,), name="city"), keras.Input((3,), name="score")
    joined = keras.layers.Concatenate(name="joined")([score, age, city])
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden")(joined)
    out = keras.layers.Dense(1, name="out")(hidden)
    return keras.Model(inputs={"zage": age, "city": city, "b_score": score}, outputs=out, name="dict_model")


def ref_inputs(ref, case="dict_model"):
    return {key.rsplit("/", 1)[1]: value for key, value in ref.items() if key.startswith(f"{case}/x/")}, ref[f"{case}/y"]


def list_model(seed: int = 0):
    """Two named Inputs as a list, and data for them."""
    rng = np.random.default_rng(seed)
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    out = keras.layers.Dense(2, activation="softmax")(keras.layers.Concatenate()([keras.layers.Dense(4, activation="relu")(a), b]))
    model = keras.Model([a, b], out)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = {"a": rng.normal(size=(40, 3)).astype(np.float32), "b": rng.normal(size=(40, 2)).astype(np.float32)}
    return model, x, (x["a"][:, 0] + x["b"][:, 1] > 0).astype(np.int32)


def twin(model, seed: int = 0):
    """A second list model with ``model``'s weights."""
    other, _, _ = list_model(seed)
    other.set_weights(model.get_weights())
    return other


def test_dict_model_structure_is_keras(ref):
    model = dict_model()
    case = REFERENCE["dict_model"]
    assert [t.name for t in model.inputs] == case["inputs"]  # flattened by sorted key: b_score, city, zage
    assert model.input_names == case["input_names"]
    assert [layer.name for layer in model.layers] == case["layers"]
    assert model.input_keys() == ["b_score", "city", "zage"]
    assert model.get_layer("age").output_shape == (None, 1)


def test_dict_model_predicts_and_fits_as_keras(ref):
    model = dict_model()
    model.set_weights([ref[f"dict_model/initial{i}"] for i in range(REFERENCE["dict_model"]["weights"])])
    x, y = ref_inputs(ref)
    assert x["zage"].ndim == 1  # a column of a DataFrame: expanded to the Input's (None, 1), as Keras does
    np.testing.assert_allclose(model.predict(x, batch_size=8, verbose=0), ref["dict_model/predict"], rtol=1e-5, atol=1e-6)
    as_list = [x["b_score"], x["city"], x["zage"][:, None]]  # model.inputs' order
    np.testing.assert_allclose(model.predict(as_list, verbose=0), ref["dict_model/predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x), ref["dict_model/predict"], rtol=1e-5, atol=1e-6)
    model.compile(keras.optimizers.SGD(0.05), "mse")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_split=0.25, verbose=0)
    for key, values in REFERENCE["dict_model"]["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, ref[f"dict_model/final{i}"], rtol=1e-5, atol=1e-6)


def test_a_list_model_fed_a_dict_trains_as_on_the_list():
    by_list, x, y = list_model()
    by_dict = twin(by_list)
    listed = [x["a"], x["b"]]
    np.testing.assert_array_equal(by_dict.predict({"b": x["b"], "a": x["a"]}, verbose=0), by_list.predict(listed, verbose=0))
    history_list = by_list.fit(listed, y, batch_size=8, epochs=2, shuffle=False, validation_data=(listed, y), verbose=0)
    history_dict = by_dict.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_data=(x, y), verbose=0)
    assert history_dict.history == history_list.history and by_dict.input_names == ["a", "b"]
    for a, b in zip(by_list.get_weights(), by_dict.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert by_dict.evaluate(x, y, verbose=0) == by_list.evaluate(listed, y, verbose=0)


def test_on_batch_methods_take_dicts():
    by_list, x, y = list_model(1)
    by_dict = twin(by_list, 1)
    listed = [x["a"], x["b"]]
    assert by_dict.train_on_batch(x, y) == by_list.train_on_batch(listed, y)
    assert by_dict.test_on_batch(x, y, return_dict=True) == by_list.test_on_batch(listed, y, return_dict=True)
    np.testing.assert_array_equal(by_dict.predict_on_batch(x), by_list.predict_on_batch(listed))
    for a, b in zip(by_list.get_weights(), by_dict.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_validation_split_of_dicts_takes_the_last_rows():
    by_list, x, y = list_model(2)
    by_dict = twin(by_list, 2)
    history_list = by_list.fit([x["a"], x["b"]], y, batch_size=8, epochs=2, shuffle=False, validation_split=0.2, verbose=0)
    history_dict = by_dict.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_split=0.2, verbose=0)
    assert history_dict.history == history_list.history and len(history_dict.history["val_loss"]) == 2


def test_a_dataset_of_dicts_trains_as_the_arrays():
    by_arrays, x, y = list_model(3)
    by_dataset = twin(by_arrays, 3)
    history_arrays = by_arrays.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_data=(x, y), verbose=0)
    train = Dataset.from_tensor_slices((x, y)).batch(8)
    history_dataset = by_dataset.fit(train, epochs=2, validation_data=Dataset.from_tensor_slices((x, y)).batch(8), verbose=0)
    assert history_dataset.history == history_arrays.history
    for a, b in zip(by_arrays.get_weights(), by_dataset.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert by_dataset.evaluate(train, verbose=0) == by_arrays.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_array_equal(by_dataset.predict(Dataset.from_tensor_slices(x).batch(16), verbose=0), by_arrays.predict(x, verbose=0))


def test_a_missing_key_is_keras_error_and_extra_keys_are_ignored(ref):
    model = dict_model()
    model.compile("sgd", "mse")
    missing = REFERENCE["messages"]["missing"].split("ValueError: ", 1)[1]
    with pytest.raises(ValueError) as err:
        model.fit({"zage": np.ones((4, 1), np.float32)}, np.ones((4, 1), np.float32), verbose=0)
    assert str(err.value) == missing
    x = {"zage": np.ones((2, 1)), "city": np.ones((2, 2)), "b_score": np.ones((2, 3))}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with_extra = model.predict({**x, "extra": np.ones((2, 1))}, verbose=0)
    assert REFERENCE["messages"]["extra"] in [str(w.message) for w in caught]
    np.testing.assert_array_equal(with_extra, model.predict(x, verbose=0))


def test_a_wrong_shape_or_length_names_the_input():
    model = dict_model()
    model.compile("sgd", "mse")
    x = {"zage": np.ones((4, 1)), "city": np.ones((4, 5)), "b_score": np.ones((4, 3))}
    with pytest.raises(ValueError, match=r'Input 1 of layer "dict_model" is incompatible.*expected shape=\(None, 2\).*input "city"'):
        model.fit(x, np.ones((4, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"one length.*'city': 3"):
        model.predict({**x, "city": np.ones((3, 2))}, verbose=0)
    with pytest.raises(ValueError, match="empty"):
        model.predict({}, verbose=0)


def test_inputs_are_cast_to_the_input_dtype():
    ids, scale = keras.Input((2,), name="ids", dtype="int32"), keras.Input((1,), name="scale")
    looked_up = keras.layers.Flatten()(keras.layers.Embedding(5, 1, embeddings_initializer="ones")(ids))
    model = keras.Model({"ids": ids, "scale": scale}, keras.layers.Multiply()([looked_up, scale]))
    out = model.predict({"ids": np.array([[1, 2], [3, 4]], np.int64), "scale": np.array([2, 3], np.int64)}, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[2.0, 2.0], [3.0, 3.0]])


def features_model():
    """The generator's DenseFeatures model: numeric and bucketized columns over a dict of Inputs."""
    fc = tfc.feature_column
    age = fc.numeric_column("age")
    columns = [fc.numeric_column("income", shape=2), age, fc.bucketized_column(age, [30.0, 50.0])]
    inputs = {"age": keras.Input((1,), name="age"), "income": keras.Input((2,), name="income")}
    dense = fc.DenseFeatures(columns, name="features")(inputs)
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(dense)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden)), keras.Model(inputs, dense)


def test_dense_features_in_a_functional_model_trains_as_keras(ref):
    model, features = features_model()
    x, y = ref_inputs(ref, "features")
    assert [layer.name for layer in model.layers] == REFERENCE["features"]["layers"] and features.outputs[0].shape == (None, 6)
    np.testing.assert_array_equal(features.predict(x, verbose=0), ref["features/dense"])  # age, age_bucketized, income
    model.set_weights([ref[f"features/initial{i}"] for i in range(REFERENCE["features"]["weights"])])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], REFERENCE["features"]["history"]["loss"], rtol=1e-5)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, ref[f"features/final{i}"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), ref["features/predict"], rtol=1e-5, atol=1e-5)


def test_dense_features_model_from_a_dataset_equals_a_hand_computation():
    rng = np.random.default_rng(5)
    x = {"age": rng.uniform(10, 70, size=(24,)).astype(np.float32), "income": rng.normal(size=(24, 2)).astype(np.float32)}
    x["age"][:3] = [30.0, 50.0, 29.5]  # on and beside the boundaries
    y = (x["age"] > 40).astype(np.float32) + x["income"][:, 0]
    model, _ = features_model()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(Dataset.from_tensor_slices((x, y)).batch(8), epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    buckets = np.eye(3, dtype=np.float32)[np.searchsorted([30.0, 50.0], x["age"], side="right")]
    dense = np.concatenate([x["age"][:, None], buckets, x["income"]], axis=1)
    kernel, bias, out_kernel, out_bias = model.get_weights()
    expected = np.maximum(dense @ kernel + bias, 0) @ out_kernel + out_bias
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match='Missing data for input "income"'):
        model.predict({"age": x["age"]}, verbose=0)


def test_a_functional_model_called_on_a_dict_of_inputs_and_a_subclassed_model_taking_a_dict():
    a, b = keras.Input((2,), name="a"), keras.Input((1,), name="b")
    inner = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    a2, b2 = keras.Input((2,), name="a2"), keras.Input((1,), name="b2")
    outer = keras.Model([a2, b2], inner({"a": a2, "b": b2}))
    x = {"a": np.arange(8, dtype=np.float32).reshape(4, 2), "b": np.ones((4, 1), np.float32)}
    np.testing.assert_array_equal(outer.predict([x["a"], x["b"]], verbose=0), inner.predict(x, verbose=0))

    class Joined(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(tfc.concat([inputs["a"], inputs["b"]], axis=1))

    model = Joined()
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = model.fit(x, np.ones((4, 1), np.float32), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.concatenate([x["a"], x["b"]], 1) @ kernel + bias, rtol=1e-6)
