"""Estimator errors: no checkpoint yet, a model_dir of another model, bad input_fns and model_fns."""

from __future__ import annotations

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.estimator import Estimator, EstimatorSpec, ModeKeys, NanLossDuringTrainingError, RunConfig

from .models import linear_model_fn, regression_data


def test_evaluate_and_predict_need_a_checkpoint(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    with pytest.raises(ValueError, match=f"Could not find trained model in model_dir: {tmp_path}"):
        estimator.evaluate(lambda: (x, y))
    with pytest.raises(ValueError, match=f"Could not find trained model in model_dir: {tmp_path}"):
        next(estimator.predict(lambda: x))
    with pytest.raises(ValueError, match="Could not find trained model"):
        estimator.get_variable_names()


def test_a_model_dir_of_another_model_names_the_variable_and_shapes(tmp_path):
    x, y = regression_data()
    Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=2)
    other = Estimator(linear_model_fn, model_dir=tmp_path, params={"inputs": 2})
    message = (rf"cannot restore the checkpoint of model_dir {tmp_path} into this model_fn's graph .*"
               r"variable 'w' is float32\[3, 1\] in the checkpoint but \S+\[2, 1\] in the graph")
    with pytest.raises(ValueError, match=message):
        other.train(lambda: (x[:, :2], y), steps=1)
    with pytest.raises(ValueError, match=message):
        other.evaluate(lambda: (x[:, :2], y))
    with pytest.raises(ValueError, match=message):
        next(other.predict(lambda: x[:, :2]))


def test_a_checkpoint_missing_a_variable_is_named(tmp_path):
    x, y = regression_data()
    Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=1)

    def bigger(features, labels, mode, params):
        tf.get_variable("extra", [2], initializer=tf.zeros_initializer())
        return linear_model_fn(features, labels, mode, params)

    with pytest.raises(ValueError, match="checkpoint has no variable 'extra'"):
        Estimator(bigger, model_dir=tmp_path).evaluate(lambda: (x, y))


@pytest.mark.parametrize(("result", "message"), [
    ("features", "must be a tfc.data.Dataset, a \\(features, labels\\) tuple, or features .* got str"),
    ((1, 2, 3), "got a tuple of 3"),
    (({"x": "abc"}, None), r"features\['x'\] must be an array, got str"),
    ((np.float32(1.0), None), "must be a batch"),
])
def test_an_input_fn_returning_something_else(tmp_path, result, message):
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    with pytest.raises((TypeError, ValueError), match=message):
        estimator.train(lambda: result, steps=1)


def test_an_empty_dataset_and_a_non_callable_input_fn(tmp_path):
    from tfc import data

    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    x, y = regression_data()
    with pytest.raises(ValueError, match="Dataset is empty"):
        estimator.train(lambda: data.Dataset.from_tensor_slices((x, y)).take(0))
    with pytest.raises(TypeError, match="input_fn must be callable"):
        estimator.train((x, y), steps=1)


def test_step_arguments_are_checked(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        estimator.train(lambda: (x, y), steps=1, max_steps=2)
    with pytest.raises(ValueError, match="steps > 0"):
        estimator.train(lambda: (x, y), steps=0)
    with pytest.raises(ValueError, match="give steps or max_steps"):
        estimator.train(lambda: (x, y))
    with pytest.raises(TypeError, match="All hooks must be SessionRunHook instances, given: 'hook'"):
        estimator.train(lambda: (x, y), steps=1, hooks=["hook"])
    with pytest.raises(ValueError, match="saving_listeners need checkpoints"):
        Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_secs=None)).train(
            lambda: (x, y), steps=1, saving_listeners=[object()])


def test_model_fn_mistakes(tmp_path):
    x, y = regression_data()
    with pytest.raises(ValueError, match="model_fn does not take labels, but input_fn returns labels"):
        Estimator(lambda features, mode: None, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    with pytest.raises(TypeError, match="model_fn must return an EstimatorSpec, got dict"):
        Estimator(lambda features, labels: {}, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    with pytest.raises(ValueError, match="unexpected arguments \\['inputs'\\]"):
        Estimator(lambda features, inputs: None)
    with pytest.raises(ValueError, match="params is given but model_fn does not take 'params'"):
        Estimator(lambda features: None, params={"a": 1})


def test_estimator_spec_checks_each_mode():
    loss = np.float32(0.0)
    with pytest.raises(ValueError, match="missing train_op in TRAIN mode"):
        EstimatorSpec(ModeKeys.TRAIN, loss=loss)
    with pytest.raises(ValueError, match="missing loss in EVAL mode"):
        EstimatorSpec(ModeKeys.EVAL)
    with pytest.raises(ValueError, match="missing predictions in PREDICT mode"):
        EstimatorSpec(ModeKeys.PREDICT)
    with pytest.raises(ValueError, match="loss must be scalar"):
        with tf.Graph().as_default():
            EstimatorSpec(ModeKeys.EVAL, loss=tf.placeholder(tf.float32, [None]))
    with pytest.raises(ValueError, match="mode must be one of"):
        EstimatorSpec("training", loss=loss)
    with pytest.raises(TypeError, match=r"eval_metric_ops\['acc'\] must be a \(metric_value, update_op\) tuple"):
        EstimatorSpec(ModeKeys.EVAL, loss=loss, eval_metric_ops={"acc": loss})


def test_a_metric_named_loss_is_refused(tmp_path):
    x, y = regression_data()

    def model_fn(features, labels, mode):
        spec = linear_model_fn(features, labels, mode, {})
        return spec._replace(eval_metric_ops={"loss": spec.eval_metric_ops["mse"]})

    estimator = Estimator(model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    with pytest.raises(ValueError, match='Metric with name "loss" is not allowed'):
        estimator.evaluate(lambda: (x, y))


def test_nan_loss_stops_training(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, params={"learning_rate": 1e30})
    with pytest.raises(NanLossDuringTrainingError, match="NaN loss during training"):
        estimator.train(lambda: (x, y), steps=50)


def test_predict_keys_must_exist(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    with pytest.raises(ValueError, match=r"predict_keys \['z'\] are not in the predictions \['double', 'y'\]"):
        next(estimator.predict(lambda: x, predict_keys=["z"]))


def test_a_corrupt_checkpoint_is_named(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    (tmp_path / "model.ckpt-1.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"cannot restore the checkpoint .*model.ckpt-1.npz"):
        estimator.evaluate(lambda: (x, y))


def test_warm_start_from_a_folder_without_checkpoints(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path / "m", warm_start_from=str(tmp_path / "empty"))
    with pytest.raises(ValueError, match=f"warm_start_from {tmp_path / 'empty'} holds no checkpoint"):
        estimator.train(lambda: (x, y), steps=1)
    with pytest.raises(ValueError, match="warm_start_from must be a string or a WarmStartSettings"):
        Estimator(linear_model_fn, warm_start_from=object())
