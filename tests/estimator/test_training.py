"""train_and_evaluate and RunConfig."""

from __future__ import annotations

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tfc.estimator import Estimator, EvalSpec, RunConfig, TrainSpec, train_and_evaluate

from .models import batched, linear_model_fn, regression_data


def test_train_and_evaluate_evaluates_at_each_checkpoint(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_steps=5))
    result, exports = train_and_evaluate(estimator, TrainSpec(lambda: (x, y), max_steps=15),
                                         EvalSpec(batched(x, y), steps=None, throttle_secs=0))
    assert result["global_step"] == 15 and exports == []
    accumulator = EventAccumulator(str(tmp_path / "eval"))
    accumulator.Reload()
    steps = [event.step for event in accumulator.Scalars("loss")]
    assert steps == [5, 10, 15]  # after each round; the final checkpoint is not evaluated twice
    losses = [event.value for event in accumulator.Scalars("loss")]
    assert losses[0] > losses[1] > losses[2]


def test_train_and_evaluate_throttles_evaluations(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_steps=5))
    result, _ = train_and_evaluate(estimator, TrainSpec(lambda: (x, y), max_steps=15), EvalSpec(lambda: (x, y), throttle_secs=3600))
    accumulator = EventAccumulator(str(tmp_path / "eval"))
    accumulator.Reload()
    assert [event.step for event in accumulator.Scalars("loss")] == [5, 15]
    assert result["global_step"] == 15


def test_specs_check_their_arguments(tmp_path):
    with pytest.raises(ValueError, match="max_steps > 0"):
        TrainSpec(lambda: None, max_steps=0)
    with pytest.raises(ValueError, match="exporters are not supported"):
        EvalSpec(lambda: None, exporters=[object()])
    with pytest.raises(TypeError, match="estimator must be a tfc.estimator.Estimator"):
        train_and_evaluate(object(), TrainSpec(lambda: None), EvalSpec(lambda: None))


def test_run_config_checkpoint_cadence():
    assert RunConfig().save_checkpoints_secs == 600 and RunConfig().save_checkpoints_steps is None
    by_steps = RunConfig(save_checkpoints_steps=10)
    assert by_steps.save_checkpoints_secs is None
    assert by_steps.replace(save_checkpoints_steps=None).save_checkpoints_secs == 600
    with pytest.raises(ValueError, match="both save_checkpoints_secs and save_checkpoints_steps"):
        RunConfig(save_checkpoints_steps=10, save_checkpoints_secs=60)
    with pytest.raises(ValueError, match="train_distribute not supported"):
        RunConfig(train_distribute=object())
    with pytest.raises(ValueError, match="unknown or unsupported properties cluster_spec"):
        RunConfig().replace(cluster_spec=None)


def test_train_and_evaluate_reads_the_train_input_once(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_checkpoints_steps=3))
    result, _ = train_and_evaluate(estimator, TrainSpec(batched(x, y, 16), max_steps=100),
                                   EvalSpec(lambda: (x, y), throttle_secs=0, name="check"))
    assert result["global_step"] == 4  # four batches of 16, then the input ended
    accumulator = EventAccumulator(str(tmp_path / "eval_check"))
    accumulator.Reload()
    assert [event.step for event in accumulator.Scalars("mse")] == [3, 4]
