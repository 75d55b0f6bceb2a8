"""Model parallelism: examples/model_parallel.py trains a two-tower network and a layer-per-device MLP
on 1, 2 and 4 devices with the one-device losses and weights, and its programs really span the
devices (the suite has four host devices, tests/conftest.py)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "model_parallel.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("model_parallel", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_model_trains_alike_on_one_two_and_four_devices(example):
    results = example.main(device_counts=(1, 2, 4), steps=6, verbose=False)
    for name in example.MODELS:
        base_losses, base_weights = results[name, 1]
        assert base_losses[-1] < base_losses[0]
        for count in (2, 4):
            losses, weights = results[name, count]
            np.testing.assert_allclose(losses, base_losses, rtol=1e-5, err_msg=f"{name} on {count}")
            for w, v in zip(weights, base_weights):
                np.testing.assert_allclose(w, v, rtol=1e-4, atol=1e-6, err_msg=f"{name} on {count}")


@pytest.mark.parametrize("name,count,expected", [("two-tower", 2, ["cpu:0", "cpu:1"]),
                                                 ("layer-per-device", 4, ["cpu:0", "cpu:1", "cpu:2", "cpu:3"])])
def test_the_training_step_spans_the_devices(example, name, count, expected):
    graph, loss, train, init, x, y = example.build(example.MODELS[name], count)
    session = GraphSession(GraphImporter(graph.as_graph_def()))
    features, targets = example.data()
    session.run([], {}, [init.name])
    session.run([loss.name], {x.name: features, y.name: targets}, [train.name])
    spanning = [stats for stats in session.device_stats() if len(stats.ops) > 1]
    assert spanning and sorted(spanning[-1].ops) == expected
    assert spanning[-1].transfers > 0
