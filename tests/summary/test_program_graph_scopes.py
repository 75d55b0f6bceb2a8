"""The graph TensorBoard draws for traced functions with scopes: gradient ops are their own
``gradient_tape/`` group, nested scopes are nested groups, written with ``tfc.summary.graph``;
eager summaries take the scope of ``tfc.name_scope`` in their tags as TensorFlow 2's do."""

from __future__ import annotations

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import DEFAULT_SIZE_GUIDANCE, TENSORS, EventAccumulator
from test_program_graph import read_back  # this folder is on sys.path (pytest prepends it)

import tfc
from tfc.summary.program_graph import graph_def

X = np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3)


@tfc.compile
def train_step(x):
    def loss(x):
        with tfc.name_scope("model"):
            with tfc.name_scope("dense"):
                y = tfc.tanh(tfc.matmul(x, tfc.transpose(x)))
        with tfc.name_scope("loss"):
            return tfc.mean(y * y)
    return tfc.value_and_grad(loss)(x)


def _groups(names) -> set[str]:
    return {name.rsplit("/", 1)[0] for name in names if "/" in name}


def test_forward_and_gradient_groups(tmp_path):
    names = {node.name for node in read_back(tmp_path, graph_def(train_step, X)).node}
    assert {"model/dense/dot_general", "model/dense/tanh"} <= names, names
    groups = _groups(names)
    assert "model/dense" in groups and "loss" in groups
    gradient = {name for name in names if name.startswith("gradient_tape/")}
    assert any(name.startswith("gradient_tape/model/dense/tanh/") for name in gradient), gradient
    assert any(name.startswith("gradient_tape/model/dense/dot_general/") for name in gradient), gradient
    value, grad = train_step(X)
    y = np.tanh(X.astype(np.float64) @ X.T.astype(np.float64))
    np.testing.assert_allclose(value, np.mean(y * y), rtol=1e-5)
    assert grad.shape == X.shape


def test_summary_graph_writes_the_scoped_names(tmp_path):
    with tfc.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        assert tfc.summary.graph(train_step, X)
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    names = {node.name for node in accumulator.Graph().node}
    assert "model/dense/dot_general" in names and any(name.startswith("gradient_tape/") for name in names)


def test_eager_summary_tags_take_the_scope(tmp_path):
    tfc.compat.v1.reset_default_graph()  # eagerly the scope is the default graph's (a used name would be train_1)
    with tfc.summary.create_file_writer(str(tmp_path)).as_default(step=1):
        with tfc.name_scope("train") as scope:
            with tfc.name_scope("inner"):
                tfc.summary.scalar("loss", 1.5)
        tfc.summary.scalar("lr", 0.1)
    assert scope == "train/"
    accumulator = EventAccumulator(str(tmp_path), size_guidance={**DEFAULT_SIZE_GUIDANCE, TENSORS: 0})
    accumulator.Reload()
    assert sorted(accumulator.Tags()["tensors"]) == ["lr", "train/inner/loss"]
