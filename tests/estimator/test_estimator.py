"""Estimator: training a linear regression to least squares, resuming, evaluating, predicting."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from tfc.estimator import CheckpointSaverListener, Estimator, ModeKeys, RunConfig

from .models import batched, least_squares, linear_model_fn, regression_data


def test_linear_regression_reaches_least_squares(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, params={"learning_rate": 0.1})
    estimator.train(lambda: (x, y), steps=300)
    w, b = least_squares(x, y)
    np.testing.assert_allclose(estimator.get_variable_value("w"), w, atol=1e-4)
    np.testing.assert_allclose(estimator.get_variable_value("b"), b, atol=1e-4)
    assert estimator.get_variable_names() == ["b", "global_step", "w"]


def test_training_resumes_from_the_checkpoint(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    estimator.train(lambda: (x, y), steps=5)
    after_five = estimator.get_variable_value("w")
    estimator.train(lambda: (x, y), steps=5)
    assert estimator.get_variable_value("global_step") == 10
    assert estimator.latest_checkpoint() == str(tmp_path / "model.ckpt-10")
    assert not np.allclose(estimator.get_variable_value("w"), after_five)  # went on training, not from scratch
    state = (tmp_path / "checkpoint").read_text()
    assert state.startswith('model_checkpoint_path: "model.ckpt-10"\n')


def test_resumed_training_equals_one_run(tmp_path):
    x, y = regression_data()
    twice = Estimator(linear_model_fn, model_dir=tmp_path / "twice")
    twice.train(lambda: (x, y), steps=4).train(lambda: (x, y), steps=3)
    once = Estimator(linear_model_fn, model_dir=tmp_path / "once").train(lambda: (x, y), steps=7)
    np.testing.assert_allclose(twice.get_variable_value("w"), once.get_variable_value("w"), rtol=1e-6)


def test_max_steps_stops_and_is_not_exceeded_again(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    estimator.train(lambda: (x, y), max_steps=7)
    assert estimator.get_variable_value("global_step") == 7
    estimator.train(lambda: (x, y), max_steps=7)
    assert estimator.get_variable_value("global_step") == 7
    estimator.train(lambda: (x, y), max_steps=9)
    assert estimator.get_variable_value("global_step") == 9


def test_a_dataset_trains_until_it_ends(tmp_path):
    x, y = regression_data(n=40)
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    estimator.train(batched(x, y, 16))  # 16 + 16 + 8: three steps, the last batch smaller
    assert estimator.get_variable_value("global_step") == 3


def test_checkpoints_follow_the_config_and_leave_no_temp_files(tmp_path):
    x, y = regression_data()
    config = RunConfig(save_checkpoints_steps=4, keep_checkpoint_max=2)
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=config)
    estimator.train(lambda: (x, y), steps=10)
    checkpoints = sorted(p.name for p in tmp_path.glob("model.ckpt-*"))
    assert checkpoints == ["model.ckpt-10.npz", "model.ckpt-8.npz"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    estimator.train(lambda: (x, y), steps=2)  # a second call: the first call's checkpoints count too
    assert sorted(p.name for p in tmp_path.glob("model.ckpt-*")) == ["model.ckpt-10.npz", "model.ckpt-12.npz"]


def test_evaluate_reports_loss_global_step_and_metrics(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    estimator.train(lambda: (x, y), steps=20)
    w, b = estimator.get_variable_value("w"), estimator.get_variable_value("b")
    mse = float(np.mean((x @ w + b - y) ** 2))
    results = estimator.evaluate(batched(x, y, 16))  # four batches of 16: the mean of batch losses is the mse
    assert set(results) == {"loss", "mse", "global_step"}
    assert results["global_step"] == 20
    assert isinstance(results["loss"], np.float32) and isinstance(results["global_step"], np.int64)  # numpy scalars, as in TF
    np.testing.assert_allclose(results["loss"], mse, rtol=1e-5)
    np.testing.assert_allclose(results["mse"], mse, rtol=1e-5)
    first = estimator.evaluate(batched(x, y, 16), steps=1)
    np.testing.assert_allclose(first["mse"], np.mean((x[:16] @ w + b - y[:16]) ** 2), rtol=1e-5)


def test_evaluate_an_older_checkpoint(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_steps=5))
    estimator.train(lambda: (x, y), steps=10)
    assert estimator.evaluate(lambda: (x, y), checkpoint_path=str(tmp_path / "model.ckpt-5"))["global_step"] == 5


def test_predict_yields_examples_or_batches(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path)
    estimator.train(lambda: (x, y), steps=10)
    w, b = estimator.get_variable_value("w"), estimator.get_variable_value("b")
    examples = list(estimator.predict(lambda: x[:5]))
    assert len(examples) == 5 and set(examples[0]) == {"y", "double"}
    np.testing.assert_allclose(np.stack([e["y"] for e in examples]), x[:5] @ w + b, rtol=1e-5)
    only_y = list(estimator.predict(batched(x, y, 16), predict_keys="y", yield_single_examples=False))
    assert [set(p) for p in only_y] == [{"y"}] * 4
    np.testing.assert_allclose(np.concatenate([p["y"] for p in only_y]), x @ w + b, rtol=1e-5)


def test_model_fn_receives_config_and_params(tmp_path):
    seen = {}

    def model_fn(features, labels, mode, params, config):
        seen.update(params=params, config=config)
        return linear_model_fn(features, labels, mode, params)

    x, y = regression_data()
    config = RunConfig(tf_random_seed=3)
    Estimator(model_fn, model_dir=tmp_path, config=config, params={"learning_rate": 0.05}).train(lambda: (x, y), steps=1)
    assert seen["params"] == {"learning_rate": 0.05}
    assert seen["config"].model_dir == str(tmp_path) and seen["config"].tf_random_seed == 3


def test_warm_start_copies_trainable_variables(tmp_path):
    x, y = regression_data()
    source = Estimator(linear_model_fn, model_dir=tmp_path / "source").train(lambda: (x, y), steps=20)
    warm = Estimator(linear_model_fn, model_dir=tmp_path / "warm", params={"learning_rate": 0.0},
                     warm_start_from=str(tmp_path / "source"))
    warm.train(lambda: (x, y), steps=1)
    np.testing.assert_array_equal(warm.get_variable_value("w"), source.get_variable_value("w"))
    assert warm.get_variable_value("global_step") == 1  # the global step is not trainable: not warm-started


def test_a_temporary_model_dir_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the temp folder goes under tmp_path
    estimator = Estimator(linear_model_fn)
    assert Path(estimator.model_dir).parent == tmp_path and estimator.latest_checkpoint() is None
    assert estimator.eval_dir() == str(Path(estimator.model_dir) / "eval")
    assert estimator.eval_dir("holdout") == str(Path(estimator.model_dir) / "eval_holdout")


def test_predictions_may_be_one_tensor(tmp_path):
    x, y = regression_data()

    def model_fn(features, labels, mode, params):
        spec = linear_model_fn(features, labels, mode, params)
        return spec._replace(predictions=spec.predictions["y"]) if mode == ModeKeys.PREDICT else spec

    estimator = Estimator(model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=3)
    examples = list(estimator.predict(lambda: x[:4]))
    assert len(examples) == 4 and examples[0].shape == (1,)
    [batch] = estimator.predict(lambda: x[:4], yield_single_examples=False)
    np.testing.assert_array_equal(batch, np.stack(examples))


def test_model_dir_given_twice_must_agree(tmp_path):
    with pytest.raises(ValueError, match="model_dir are set both"):
        Estimator(linear_model_fn, model_dir=tmp_path / "a", config=RunConfig(model_dir=str(tmp_path / "b")))


class RecordingListener(CheckpointSaverListener):
    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def begin(self):
        self.events.append("begin")

    def before_save(self, session, global_step_value):
        self.events.append(("before", global_step_value))

    def after_save(self, session, global_step_value):
        self.events.append(("after", global_step_value))
        return global_step_value == self.stop_at

    def end(self, session, global_step_value):
        self.events.append(("end", global_step_value))


def test_saving_listeners_see_every_checkpoint_and_may_stop_training(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_steps=3))
    listener = RecordingListener()
    estimator.train(lambda: (x, y), steps=7, saving_listeners=[listener])
    saves = [0, 3, 6, 7]
    assert listener.events == ["begin", *[(when, s) for s in saves for when in ("before", "after")], ("end", 7)]
    assert estimator.latest_checkpoint() == str(tmp_path / "model.ckpt-7")
    estimator.train(lambda: (x, y), steps=100, saving_listeners=[RecordingListener(stop_at=13)])
    assert estimator.get_variable_value("global_step") == 13
