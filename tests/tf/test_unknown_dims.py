"""GraphDefs with unknown dimensions: symbolic through import and the tf-level passes, specialized per run."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession
from tfc.tools.cli import cli

from .graphs import GraphBuilder, shape_attr

F32, I32 = np.float32, np.int32


def mlp_graph():
    """logits = x @ w + b; mean over a batch of unknown size; flat = reshape(logits, [-1]); s = shape(x)."""
    g = GraphBuilder()
    g.op("Placeholder", name="x", dtype=F32, shape=shape_attr([None, 3]))
    g.op("MatMul", ["x", g.const(np.ones((3, 2), F32), name="w")], name="xw", T=F32)
    g.op("AddV2", ["xw", g.const(np.array([1, 2], F32), name="b")], name="logits", T=F32)
    g.op("Mean", ["logits", g.const(np.array([0, 1], I32))], name="mean", T=F32, Tidx=I32, keep_dims=False)
    g.op("Reshape", ["logits", g.const(np.array([-1], I32))], name="flat", T=F32, Tshape=I32)
    g.op("Shape", ["x"], name="s", T=F32, out_type=I32)
    return g.graph


def test_batches_of_32_17_32_compile_twice():
    session = GraphSession(GraphImporter(mlp_graph()), backend="interp")
    for n in (32, 17, 32):
        x = np.arange(n * 3, dtype=F32).reshape(n, 3)
        mean, flat, shape = session.run(["mean:0", "flat:0", "s:0"], {"x": x})
        logits = x @ np.ones((3, 2), F32) + [1, 2]
        np.testing.assert_allclose(mean, logits.mean(), rtol=1e-6)
        np.testing.assert_array_equal(flat, logits.reshape(-1))
        np.testing.assert_array_equal(shape, [n, 3])
    assert len(session._steps) == 2


def write(tmp_path):
    path = tmp_path / "mlp.pb"
    path.write_bytes(mlp_graph().SerializeToString())
    return str(path)


def test_tf_level_ir_keeps_unknown_dims(tmp_path):
    result = CliRunner().invoke(cli, ["lower", write(tmp_path), "--outputs", "mean:0,flat:0", "--emit", "tf"])
    assert result.exit_code == 0, result.output
    assert "^bb0(%x: tensor<?x3xf32>)" in result.output and "-> tensor<?x2xf32>" in result.output


def test_core_ir_needs_the_shapes(tmp_path):
    result = CliRunner().invoke(cli, ["lower", write(tmp_path), "--outputs", "flat:0,s:0"])
    assert result.exit_code == 1
    assert "operand #0 of type tensor<?x3xf32> is not static" in result.stderr and "--input-shape" in result.stderr
    given = CliRunner().invoke(cli, ["lower", write(tmp_path), "--outputs", "flat:0,s:0", "--input-shape", "x=4,3"])
    assert given.exit_code == 0, given.output
    assert "^bb0(%x: tensor<4x3xf32>)" in given.output and "dense<[4, 3]>" in given.output


@pytest.mark.parametrize("spec, message", [
    ("x=4,4", "--input-shape x=4,4: does not fit placeholder 'x' of type tensor<?x3xf32>"),
    ("w=4", "'w' is not a placeholder of the graph"),
    ("x=a,3", "expected NAME=DIMS with integer dims"),
])
def test_bad_input_shapes_are_one_line(tmp_path, spec, message):
    result = CliRunner().invoke(cli, ["lower", write(tmp_path), "--input-shape", spec])
    assert result.exit_code == 1 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
