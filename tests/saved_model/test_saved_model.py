"""tfc.saved_model: save a @tfc.compile function, load it back compiled, and the format's refusals."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tfc
import tfc.saved_model as saved_model
from tfc.saved_model import SavedModelError
from tfc.saved_model.format import METADATA_FILE, VARIABLES_FILE

W = np.arange(6, dtype=np.float32).reshape(3, 2) / 4


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A function with a variable and an unknown batch dim, exported once: (path, function)."""
    w = tfc.Variable(W, name="saved_model_test_w")  # eager names are process-wide: one no other test uses

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32), tfc.TensorSpec([], tfc.float32, name="shift")])
    def predict(x, bias):
        return {"y": tfc.nn.relu(tfc.matmul(x, w) - bias), "total": tfc.reduce_sum(x, axis=1)}

    path = saved_model.save(predict, tmp_path_factory.mktemp("models") / "1")
    return path, predict


def test_layout_and_metadata(exported):
    path, _ = exported
    assert sorted(os.listdir(path)) == ["saved_model.json", "serving_default.tfc", "variables"]
    metadata = saved_model.read_metadata(path)
    assert metadata["format"] == "tfc.saved_model" and metadata["format_version"] == 1 and metadata["kind"] == "traced"
    signature = metadata["signatures"]["serving_default"]
    assert signature["method_name"] == "tensorflow/serving/predict"
    assert signature["inputs"] == {"x": {"name": "x", "dtype": "float32", "shape": [None, 3]},
                                   "shift": {"name": "shift", "dtype": "float32", "shape": []}}
    assert list(signature["outputs"]) == ["y", "total"]
    assert signature["outputs"]["y"]["shape"] == [None, 2] and signature["variables"] == ["saved_model_test_w"]
    assert signature["stablehlo"] is None  # the batch dim is unknown: lowered per call instead
    program = (path / "serving_default.tfc").read_text()
    assert "^bb0(%x: tensor<?x3xf32>, %shift: tensor<f32>, %saved_model_test_w: tensor<3x2xf32>)" in program  # inputs, then variables
    assert not list(path.parent.glob(".1.tmp-*"))  # the temporary directory was renamed into place


def test_loaded_outputs_equal_the_function_at_any_batch(exported):
    path, predict = exported
    model = saved_model.load(path)
    serve = model.signatures["serving_default"]
    rng = np.random.default_rng(0)
    for batch in (4, 1, 4, 7):
        x = rng.normal(size=(batch, 3)).astype(np.float32)
        out = serve(x=x, shift=0.5)
        expected = predict(x, np.float32(0.5))
        assert out["y"].shape == (batch, 2)
        np.testing.assert_array_equal(out["y"], np.asarray(expected["y"]))
        np.testing.assert_array_equal(out["total"], np.asarray(expected["total"]))
    assert serve.compile_count == 3  # one program per batch size seen
    assert model.metadata["signatures"]["serving_default"]["variables"] == ["saved_model_test_w"]
    np.testing.assert_array_equal(model.variables["saved_model_test_w"], W)


def test_static_signature_has_stablehlo_and_several_signatures(tmp_path):
    @tfc.compile(input_signature=[tfc.TensorSpec([2, 2], tfc.float32)])
    def square(x):
        return tfc.matmul(x, x)

    @tfc.compile(input_signature=[tfc.TensorSpec([None], tfc.int32)])
    def plus_one(n):
        return n + 1, n * 2

    path = saved_model.save(None, tmp_path / "2", signatures={"serving_default": square, "count": plus_one})
    assert "stablehlo" in (path / "serving_default.stablehlo.mlir").read_text()
    model = saved_model.load(path)
    x = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(model.signatures["serving_default"](x=x)["output_0"], x @ x)
    out = model.signatures["count"](n=[1, 2, 3])
    np.testing.assert_array_equal(out["output_0"], [2, 3, 4])
    np.testing.assert_array_equal(out["output_1"], [2, 4, 6])
    assert out["output_0"].dtype == np.int32


def test_inputs_are_checked(exported):
    serve = saved_model.load(exported[0]).signatures["serving_default"]
    with pytest.raises(ValueError, match=r"expected inputs \['shift', 'x'\], missing \['shift'\]"):
        serve(x=np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"input 'x' has shape \[2, 4\], expected \['None', 3\]"):
        serve(x=np.zeros((2, 4), np.float32), shift=0.0)
    with pytest.raises(ValueError, match="input 'x' is not convertible to float32"):
        serve(x="text", shift=0.0)


def test_save_refuses(tmp_path):
    @tfc.compile
    def unsigned(x):
        return x

    with pytest.raises(ValueError, match="has no input_signature"):
        saved_model.save(unsigned, tmp_path / "a")
    with pytest.raises(TypeError, match="must be a @tfc.compile function"):
        saved_model.save(lambda x: x, tmp_path / "b")
    v = tfc.Variable(np.zeros(2, np.float32), name="counter")

    @tfc.compile(input_signature=[tfc.TensorSpec([2], tfc.float32)])
    def accumulate(x):
        v.assign_add(x)
        return v.read_value()

    with pytest.raises(ValueError, match=rf"assigns variables \['{v.node_name}'\]"):
        saved_model.save(accumulate, tmp_path / "c")

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 2], tfc.float32)])
    def centered(x):
        return sum(x[i] for i in range(x.shape[0]))  # a Python loop over an unknown dim cannot trace

    with pytest.raises(ValueError, match=r"'serving_default' \(centered\) does not trace with the unknown dims .* Give those dims"):
        saved_model.save(centered, tmp_path / "d")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")

    @tfc.compile(input_signature=[tfc.TensorSpec([2], tfc.float32)])
    def identity(x):
        return x

    with pytest.raises(SavedModelError, match="already exists and is not empty"):
        saved_model.save(identity, tmp_path / "full")


def _copy(path, target):
    target.mkdir()
    for name in (METADATA_FILE, "serving_default.tfc"):
        (target / name).write_bytes((path / name).read_bytes())
    (target / "variables").mkdir()
    (target / VARIABLES_FILE).write_bytes((path / VARIABLES_FILE).read_bytes())
    return target


def test_load_refuses_broken_exports(exported, tmp_path):
    path, _ = exported
    with pytest.raises(SavedModelError, match="holds versions \\['1'\\]: load one of them"):
        saved_model.load(path.parent)
    garbled = _copy(path, tmp_path / "garbled")
    (garbled / METADATA_FILE).write_text("{not json")
    with pytest.raises(SavedModelError, match="saved_model.json: not valid JSON"):
        saved_model.load(garbled)
    other = _copy(path, tmp_path / "other")
    metadata = json.loads((other / METADATA_FILE).read_text())
    (other / METADATA_FILE).write_text(json.dumps({**metadata, "format_version": 99}))
    with pytest.raises(SavedModelError, match="format_version 99; this tfc reads version 1"):
        saved_model.load(other)
    missing = _copy(path, tmp_path / "missing")
    (missing / "serving_default.tfc").unlink()
    with pytest.raises(SavedModelError, match="names serving_default.tfc, which is missing"):
        saved_model.load(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SavedModelError, match="empty: no saved_model.json, so not a tfc SavedModel$"):
        saved_model.load(tmp_path / "empty")
    with pytest.raises(SavedModelError, match="not a directory"):
        saved_model.load(tmp_path / "nowhere")


def test_keras_models_export_with_their_input_shapes(tmp_path):
    from tfc import keras

    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    sequential = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)), keras.layers.Dense(2)])
    inputs = keras.Input((3,), name="features")
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    for index, (model, key) in enumerate(((sequential, "inputs"), (functional, "features"))):
        serve = saved_model.load(saved_model.save(model, tmp_path / str(index))).signatures["serving_default"]
        assert serve.inputs == {key: {"name": key, "dtype": "float32", "shape": [None, 3]}}
        np.testing.assert_allclose(serve(**{key: x})["output_0"], np.asarray(model.predict(x, verbose=0)), rtol=1e-6)
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="Sequential's input shape is unknown"):
        saved_model.save(unbuilt, tmp_path / "unbuilt")
