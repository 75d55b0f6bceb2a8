"""``tfc.name_scope`` inside ``@tfc.compile`` (TensorFlow 2's ``tf.name_scope``): ops recorded in a
scope carry an MLIR name location ``loc("dense/dot_general"(line))``; the graph TensorBoard draws
groups them by scope, a keras layer's ops form one group, and summary tags take the scope."""

from __future__ import annotations

import re

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import DEFAULT_SIZE_GUIDANCE, TENSORS, EventAccumulator
from test_program_graph import read_back  # this folder is on sys.path (pytest prepends it)

import tfc
from tfc.diagnostics import TraceError
from tfc.parser import parse_module
from tfc.printer import print_module
from tfc.summary.program_graph import graph_def

X = np.ones((2, 3), np.float32)


@tfc.compile
def scoped(x):
    with tfc.name_scope("layer") as outer:
        y = tfc.matmul(x, tfc.transpose(x))
        with tfc.name_scope("act") as inner:
            y = tfc.relu(y)
    with tfc.name_scope("layer") as again:  # entered again in the same function
        y = y * 2.0
    assert (outer, inner, again) == ("layer/", "layer/act/", "layer_1/")
    return y


@tfc.compile
def unscoped(x):
    return tfc.relu(tfc.matmul(x, tfc.transpose(x))) * 2.0


def test_scoped_ops_carry_their_scope_and_round_trip():
    text = scoped.lower(X).as_text()
    assert 'loc("layer/dot_general"(' in text and 'loc("layer/act/maximum"(' in text and 'loc("layer_1/multiply"(' in text
    assert print_module(parse_module(text, "scoped.tfc")) == text
    np.testing.assert_array_equal(scoped(X), unscoped(X))
    assert "loc(\"" not in unscoped.lower(X).as_text().replace('loc("/', "")  # no scope: only source lines


def test_tensorboard_groups_ops_by_scope(tmp_path):
    names = {node.name for node in read_back(tmp_path, graph_def(scoped, X)).node}
    assert {"layer/dot_general", "layer/act/maximum", "layer_1/multiply"} <= names
    assert "scoped/x" in names


def test_a_keras_models_layers_are_groups(tmp_path):
    model = tfc.keras.Sequential([tfc.keras.layers.Dense(4, activation="relu", name="hidden"),
                                  tfc.keras.layers.Dense(1, name="out")])
    model(X)

    @tfc.compile
    def forward(x):
        return model(x)

    names = [node.name for node in read_back(tmp_path, graph_def(forward, X)).node]
    ops = [name for name in names if not name.startswith("forward/")]  # the arguments and variables
    assert ops and all(re.fullmatch(rf"{model.name}/(hidden|out)/\w+", name) for name in ops), ops
    assert f"{model.name}/hidden/dot_general" in ops and f"{model.name}/out/dot_general" in ops


def test_summary_tags_take_the_scope(tmp_path):
    @tfc.compile
    def step(x):
        with tfc.name_scope("train"):
            tfc.summary.scalar("loss", tfc.mean(x))
        return x

    with tfc.summary.create_file_writer(str(tmp_path)).as_default(step=1):
        step(X)
    accumulator = EventAccumulator(str(tmp_path), size_guidance={**DEFAULT_SIZE_GUIDANCE, TENSORS: 0})
    accumulator.Reload()
    assert accumulator.Tags()["tensors"] == ["train/loss"]


def test_bad_scope_name():
    @tfc.compile
    def bad(x):
        with tfc.name_scope(3):
            return x

    with pytest.raises(TraceError, match="name must be a string, got int"):
        bad(X)
