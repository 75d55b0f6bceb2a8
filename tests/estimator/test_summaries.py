"""The Estimator's TensorBoard event files, read back with TensorBoard's EventAccumulator."""

from __future__ import annotations

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tfc.estimator import Estimator, RunConfig

from .models import batched, linear_model_fn, regression_data


def scalars(folder, tag):
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def test_training_writes_loss_and_steps_per_second(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path, config=RunConfig(save_summary_steps=5))
    estimator.train(lambda: (x, y), steps=12)
    losses = scalars(tmp_path, "loss")
    assert [step for step, _ in losses] == [5, 10]
    assert losses[1][1] < losses[0][1]  # training lowers the loss
    rates = scalars(tmp_path, "global_step/sec")
    assert [step for step, _ in rates] == [5, 10] and all(rate > 0 for _, rate in rates)


def test_evaluation_writes_its_metrics_at_the_global_step(tmp_path):
    x, y = regression_data()
    estimator = Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=7)
    results = estimator.evaluate(batched(x, y))
    estimator.evaluate(batched(x, y), name="holdout")
    for folder in (tmp_path / "eval", tmp_path / "eval_holdout"):
        for tag in ("loss", "mse"):
            [(step, value)] = scalars(folder, tag)
            assert step == 7
            np.testing.assert_allclose(value, results[tag], rtol=1e-6)


def test_training_writes_the_graph_for_tensorboard(tmp_path):
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2

    x, y = regression_data()
    Estimator(linear_model_fn, model_dir=tmp_path).train(lambda: (x, y), steps=1)
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    graph = accumulator.Graph()
    names = {node.name for node in graph.node}
    assert "global_step" in names and any(name.startswith("features") for name in names)
    written = text_format.Parse((tmp_path / "graph.pbtxt").read_text(), graph_pb2.GraphDef())
    assert {node.name for node in written.node} == names
