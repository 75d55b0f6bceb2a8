"""The control-flow graphs of tests/data/control_flow (made by scripts/generate_control_flow_graphs.py
with TensorFlow) run on both backends and match TensorFlow's outputs; the ones tfc cannot compile
fail with a clear error naming the loop.

Nested v1 loops and conditionals, TensorArrays/TensorLists sized by a fed or computed scalar, loop
variables under shape invariants, and Keras recurrent layers frozen with functional control flow
and lowered to v1 frames.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tfc.diagnostics import TfcError
from tfc.runtime.graph_session import GraphSession

DATA = Path(__file__).resolve().parents[1] / "data" / "control_flow"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
RUNNABLE = sorted(name for name, entry in MANIFEST.items() if "error" not in entry)
REFUSED = sorted(name for name, entry in MANIFEST.items() if "error" in entry)


def _feeds(name: str) -> dict:
    with np.load(DATA / f"{name}.npz") as arrays:
        return {tensor: arrays[f"input_{i}"] for i, tensor in enumerate(MANIFEST[name]["feeds"])}


def _expected(name: str) -> list:
    with np.load(DATA / f"{name}.npz") as arrays:
        return [arrays[f"output_{i}"] for i in range(len(MANIFEST[name]["fetches"]))]


@pytest.mark.parametrize("name", RUNNABLE)
@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_graph_matches_tensorflow(name, backend):
    session = GraphSession.from_file(DATA / f"{name}.pb", backend=backend)
    results = session.run(MANIFEST[name]["fetches"], _feeds(name))
    for fetch, got, want in zip(MANIFEST[name]["fetches"], results, _expected(name)):
        got = np.asarray(got)
        assert got.shape == want.shape, f"{name} {fetch}: shape {got.shape} != {want.shape}"
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{name} {fetch}")


@pytest.mark.parametrize("name", REFUSED)
def test_loop_variable_tfc_cannot_type_is_a_clear_error(name):
    session = GraphSession.from_file(DATA / f"{name}.pb", backend="interp")
    with pytest.raises(TfcError) as caught:
        session.run(MANIFEST[name]["fetches"], _feeds(name))
    message = str(caught.value)
    assert MANIFEST[name]["error"] in message, message
    assert "While" in message, message


@pytest.mark.parametrize("name", ["fn_tensor_list_fed_size", "fn_tensor_list_fed_size_lowered", "v1_tensor_array_fed_size"])
def test_fed_list_size_compiles_once_per_value(name):
    """The size reaches the list through a While body; each value of ``n`` is its own program."""
    session = GraphSession.from_file(DATA / f"{name}.pb", backend="interp")
    feeds = _feeds(name)
    for n in (2, 3, 2):
        (stacked,) = session.run(MANIFEST[name]["fetches"], {**feeds, "n:0": np.int32(n)})
        np.testing.assert_allclose(stacked, feeds["x:0"] * np.arange(n, dtype=np.float32)[:, None], rtol=1e-6)
    assert len(session.constant_feeds.log) == 1 and "n:0" in session.constant_feeds.log[0]


def test_default_outputs_leave_out_placeholders_nothing_uses():
    """TensorFlow's control-flow lowering leaves unused (variant-typed) placeholders behind: they are
    not default outputs, so a lowered graph imports without naming its outputs."""
    from tfc.frontend.tf.importer import GraphImporter

    importer = GraphImporter.from_file(DATA / "keras_lstm_lowered.pb")
    assert importer.sinks() == MANIFEST["keras_lstm_lowered"]["fetches"][0].split(":")[:1]
    assert importer.import_graph().fetches == ["Identity"]


def test_an_assert_with_only_string_data_keeps_its_condition():
    """Assert's string message inputs are left out at import; with nothing else, its condition is its data."""
    from tensorboard.compat.proto import types_pb2

    from tfc.frontend.tf.importer import GraphImporter

    from .graphs import GraphBuilder

    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [2])
    ok = g.op("All", [g.op("IsFinite", [x], T=np.float32), g.const(np.int32(0))], Tidx=np.int32)
    message = g.graph.node.add(name="message", op="Const")
    message.attr["dtype"].type = types_pb2.DT_STRING
    message.attr["value"].tensor.dtype = types_pb2.DT_STRING
    message.attr["value"].tensor.string_val.append(b"x must be finite")
    check = g.graph.node.add(name="check", op="Assert", input=[ok, "message"])
    check.attr["T"].list.type.append(types_pb2.DT_STRING)
    g.op("Neg", [x, "^check"], name="y", T=np.float32)
    result = GraphImporter(g.graph).import_graph(["y:0"], feeds={"x:0": None})
    text = result.module.function("main").body.ops
    assert [op.name for op in text].count("tf.Assert") == 1
