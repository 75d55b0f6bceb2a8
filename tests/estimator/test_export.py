"""export_saved_model: an Estimator's PREDICT graph as a tfc SavedModel whose outputs equal predict's."""

from __future__ import annotations

import os

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import tfc.compat.v1 as tf
import tfc.saved_model as saved_model
from tfc import feature_column as fc
from tfc.estimator import DNNClassifier, Estimator, EstimatorSpec, LinearRegressor, ModeKeys
from tfc.estimator.export import ServingInputReceiver, build_raw_serving_input_receiver_fn, export_saved_model

from .models import linear_model_fn, regression_data


def _batch_predictions(estimator, features) -> dict:
    return next(estimator.predict(lambda: features, yield_single_examples=False))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    x, y = regression_data(32)
    estimator = Estimator(linear_model_fn, model_dir=str(tmp_path_factory.mktemp("linear")), params={})
    estimator.train(lambda: ({"x": x}, y), steps=5)
    return estimator, x


def test_custom_model_fn_export_equals_predict(trained, tmp_path):
    estimator, x = trained
    path = estimator.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({"x": x}), as_text=True)
    assert isinstance(path, bytes) and os.path.dirname(path) == os.fsencode(tmp_path / "exports")
    assert os.path.basename(path).isdigit()  # a timestamp version, as TensorFlow's
    model = saved_model.load(path)
    signature = model.metadata["signatures"]["serving_default"]
    assert signature["inputs"] == {"x": {"name": "x:0", "dtype": "float32", "shape": [None, 3]}}
    assert list(signature["outputs"]) == ["y", "double"] and model.metadata["kind"] == "graph"
    assert sorted(model.variables) == ["b", "w"]  # the global step is not needed for predictions
    np.testing.assert_array_equal(model.variables["w"], estimator.get_variable_value("w"))
    for rows in (slice(0, 5), slice(5, 6)):
        out = model.signatures["serving_default"](x=x[rows])
        expected = _batch_predictions(estimator, {"x": x[rows]})
        np.testing.assert_array_equal(out["y"], expected["y"])
        np.testing.assert_array_equal(out["double"], expected["double"])
    graph = graph_pb2.GraphDef.FromString((model.export_dir / "graph.pb").read_bytes())
    ops = {node.op for node in graph.node}
    assert "Placeholder" in ops and not ops & {"ApplyGradientDescent", "SaveV2", "Assign"}  # pruned to inference
    assert (model.export_dir / "graph.pbtxt").is_file() and (model.export_dir / "serving_default.tfc").is_file()


def test_two_exports_get_two_versions_and_assets(trained, tmp_path):
    estimator, x = trained
    asset = tmp_path / "vocab.txt"
    asset.write_text("a\nb\n")
    receiver_fn = build_raw_serving_input_receiver_fn({"x": x})
    first = export_saved_model(estimator, tmp_path / "exports", receiver_fn, assets_extra={"data/vocab.txt": str(asset)})
    second = export_saved_model(estimator, tmp_path / "exports", receiver_fn)
    assert first != second and int(os.path.basename(second)) > int(os.path.basename(first))
    assert (saved_model.load(first).export_dir / "assets.extra" / "data" / "vocab.txt").read_text() == "a\nb\n"
    assert saved_model.load(first).metadata["signatures"]["serving_default"]["stablehlo"] is None  # the batch is open


def test_a_fixed_batch_export_has_stablehlo(trained, tmp_path):
    estimator, x = trained
    model = saved_model.load(export_saved_model(estimator, tmp_path / "exports", build_raw_serving_input_receiver_fn({"x": x}, default_batch_size=4)))
    signature = model.metadata["signatures"]["serving_default"]
    assert signature["inputs"]["x"]["shape"] == [4, 3] and sorted(signature["variables"]) == ["b", "w"]
    text = (model.export_dir / signature["stablehlo"]).read_text()
    assert "stablehlo.dot_general" in text and "tensor<4x3xf32>" in text
    np.testing.assert_array_equal(model.signatures["serving_default"](x=x[:4])["y"], _batch_predictions(estimator, {"x": x[:4]})["y"])


def test_custom_receiver_single_tensor_and_prediction(tmp_path):
    def model_fn(features, mode):
        w = tf.get_variable("w", [2, 1], initializer=tf.ones_initializer())
        return EstimatorSpec(mode, predictions=tf.matmul(features * 2.0, w), loss=tf.reduce_sum(w),
                             train_op=tf.train.get_or_create_global_step().assign_add(1))

    estimator = Estimator(model_fn, model_dir=str(tmp_path / "m"))
    estimator.train(lambda: np.ones((2, 2), np.float32), steps=1)

    def receiver_fn():
        raw = tf.placeholder(tf.float32, [None, 2], name="raw")
        shifted = raw + 1.0
        return ServingInputReceiver(shifted, {"values": raw}, {"preshifted": {"shifted": shifted}})

    model = saved_model.load(export_saved_model(estimator, tmp_path / "exports", receiver_fn))
    out = model.signatures["serving_default"](values=[[1.0, 2.0]])
    np.testing.assert_array_equal(out["output"], [[10.0]])  # ((1 + 1) + (2 + 1)) * 2
    out = model.signatures["preshifted"](shifted=[[2.0, 3.0]])  # an alternative receiver: fed past the shift
    np.testing.assert_array_equal(out["output"], [[10.0]])


def test_canned_estimators_export_equals_predict(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 2)).astype(np.float32)
    features = {"a": x[:, :1], "b": x[:, 1:]}
    columns = [fc.numeric_column("a"), fc.numeric_column("b")]
    labels = (x[:, :1] + x[:, 1:] > 0).astype(np.int64)
    classifier = DNNClassifier([4], columns, n_classes=3, model_dir=str(tmp_path / "dnn"), optimizer="SGD")
    regressor = LinearRegressor(columns, model_dir=str(tmp_path / "linear"), optimizer="SGD")
    classifier.train(lambda: (features, labels), steps=3)
    regressor.train(lambda: (features, x[:, :1] * 2), steps=3)
    for estimator, keys in ((classifier, ["logits", "probabilities", "class_ids"]), (regressor, ["predictions"])):
        model = saved_model.load(export_saved_model(estimator, tmp_path / "exports", build_raw_serving_input_receiver_fn(features)))
        some = {key: value[:5] for key, value in features.items()}
        out = model.signatures["serving_default"](**some)
        expected = _batch_predictions(estimator, some)
        assert list(out) == keys  # the graph's predictions as they are (a classifier's class names are made on the host)
        for key in keys:
            np.testing.assert_array_equal(out[key], expected[key])


def test_export_refuses(tmp_path, trained):
    estimator, x = trained
    receiver_fn = build_raw_serving_input_receiver_fn({"x": x})
    untrained = Estimator(linear_model_fn, model_dir=str(tmp_path / "empty"), params={})
    with pytest.raises(ValueError, match="Couldn't find trained model at .*empty"):
        export_saved_model(untrained, tmp_path / "exports", receiver_fn)
    with pytest.raises(ValueError, match="experimental_mode 'train' is not supported"):
        export_saved_model(estimator, tmp_path / "exports", receiver_fn, experimental_mode=ModeKeys.TRAIN)
    with pytest.raises(TypeError, match="must return a ServingInputReceiver, got dict"):
        export_saved_model(estimator, tmp_path / "exports", lambda: {"x": tf.placeholder(tf.float32, [None, 3])})
    with pytest.raises(ValueError, match="checkpoint_path .*nope does not exist"):
        export_saved_model(estimator, tmp_path / "exports", receiver_fn, checkpoint_path=str(tmp_path / "nope"))
    unused = lambda: ServingInputReceiver({"x": tf.placeholder(tf.float32, [None, 3])}, {"x": tf.placeholder(tf.float32, [None, 3], name="other")})
    with pytest.raises(ValueError, match="receiver tensor 'other:0' of signature 'serving_default' does not reach the predictions"):
        export_saved_model(estimator, tmp_path / "exports", unused)
    with pytest.raises(TypeError, match="features must be a non-empty dict"):
        build_raw_serving_input_receiver_fn([x])
    with pytest.raises(ValueError, match="feature 'x' needs a batch dimension"):
        build_raw_serving_input_receiver_fn({"x": np.float32(1.0)})
    with tf.Graph().as_default(), pytest.raises(TypeError, match="receiver_tensors must map strings to graph Tensors"):
        ServingInputReceiver({"x": tf.placeholder(tf.float32, [None])}, {"x": x})
    assert not (tmp_path / "exports").exists() or not os.listdir(tmp_path / "exports")  # nothing half-written


def test_canned_exports_need_numeric_columns_and_baselines_export(tmp_path):
    from tfc.estimator import BaselineRegressor, LinearClassifier

    features = {"color": np.array([["red"], ["blue"]]), "x": np.ones((2, 1), np.float32)}
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "blue"])
    classifier = LinearClassifier([color], model_dir=str(tmp_path / "c"), optimizer="SGD")
    classifier.train(lambda: (features, np.array([0, 1])), steps=1)
    with pytest.raises(ValueError, match=r"serving inputs \['x'\] do not fit the feature columns: feature column 'color'"):  # a host step needs it
        classifier.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({"x": features["x"]}))
    baseline = BaselineRegressor(model_dir=str(tmp_path / "b"), optimizer="SGD")
    baseline.train(lambda: ({"x": features["x"]}, np.array([1.0, 3.0], np.float32)), steps=5)
    model = saved_model.load(baseline.export_saved_model(tmp_path / "exports", build_raw_serving_input_receiver_fn({"x": features["x"]})))
    out = model.signatures["serving_default"](x=np.zeros((3, 1), np.float32))["predictions"]
    np.testing.assert_allclose(out, np.broadcast_to(baseline.get_variable_value("baseline/bias"), (3, 1)), rtol=1e-6)
