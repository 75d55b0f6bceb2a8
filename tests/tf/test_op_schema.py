"""GraphDef nodes are checked against TensorFlow's own OpDefs before anything is built from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard.compat.proto import attr_value_pb2, graph_pb2, node_def_pb2

from tfc.frontend.tf.graphdef import GraphImportError
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.op_schema import node_problem, op_defs

from .graphs import GraphBuilder, attr_value

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
F32 = np.float32


def node(op: str, inputs=("x", "y"), **attrs) -> node_def_pb2.NodeDef:
    proto = node_def_pb2.NodeDef(name="n", op=op, input=list(inputs))
    for key, value in attrs.items():
        proto.attr[key].CopyFrom(attr_value(value))
    return proto


@pytest.mark.parametrize("proto, problem", [
    (node("Cast", ["x"], SrcT=F32), "Cast: missing attribute 'DstT' (type)"),
    (node("Relu", ["x"], T=[1, 2]), "Relu: attribute 'T' should be type, got list(int)"),
    (node("MatMul", T=F32, transpose_a=3), "MatMul: attribute 'transpose_a' should be bool, got int"),
    (node("MatMul", T=np.bool_), "MatMul: attribute 'T' = bool is not allowed (allowed: bfloat16, half, float"),
    (node("Conv2D", T=F32, strides=[1, 1, 1, 1], padding="SIDEWAYS"), "attribute 'padding' = 'SIDEWAYS' is not allowed"),
    (node("ConcatV2", ["a", "b"], T=F32, N=1), "ConcatV2: attribute 'N' = 1: it must be at least 2"),
    (node("AddN", ["a", "b"], T=F32, N=3), "AddN takes 3 inputs (inputs: N of them), got 2"),
    (node("AddV2", ["x"], T=F32), "AddV2 takes 2 inputs (x, y), got 1"),
    (node("IdentityN", ["x"], T=[F32, F32]), "IdentityN takes 2 inputs (input: one per type of T), got 1"),
    (node("Identity", ["x"], T=attr_value_pb2.AttrValue()), "attribute 'T' should be type, got no value"),
])
def test_schema_problems(proto, problem):
    assert problem in node_problem(proto)


@pytest.mark.parametrize("proto", [
    node("MatMul", T=F32),  # transpose_a/transpose_b have defaults
    node("AddV2", ["x", "y", "^ctl"]),  # T follows from the inputs; control inputs are not data inputs
    node("AddV2", T=F32, _class=["loc:@v"], something_newer=1),  # undeclared attributes are ignored
    node("Identity", ["x"], T=attr_value_pb2.AttrValue(placeholder="T")),  # a function body's $T
    node("NotATensorFlowOp", ["x"]),
])
def test_schema_accepts(proto):
    assert node_problem(proto) is None


def test_every_corpus_node_meets_its_schema():
    for path in sorted(CORPUS.glob("*/graph.pb*")):
        graph = graph_pb2.GraphDef()
        if path.suffix == ".pb":
            graph.ParseFromString(path.read_bytes())
        else:
            text_format.Parse(path.read_text(), graph)
        for proto in [*graph.node, *(n for f in graph.library.function for n in f.node_def)]:
            assert node_problem(proto) is None, (path.parent.name, proto.name)


def test_schemas_cover_every_tf_op_tfc_imports():
    from tfc.registry import REGISTRY

    missing = [d.name for d in REGISTRY if d.name.startswith("tf.") and d.name[3:] not in op_defs()]
    assert missing == []


def test_importer_names_the_node_and_file(tmp_path):
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    g.op("AddV2", [x], name="lonely", T=F32)
    path = tmp_path / "g.pb"
    path.write_bytes(g.graph.SerializeToString())
    with pytest.raises(GraphImportError, match=r"g.pb: node 'lonely': error: AddV2 takes 2 inputs \(x, y\), got 1"):
        GraphImporter.from_file(path).import_graph(["lonely"])
