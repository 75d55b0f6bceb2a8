"""Inputs the fuzzers found that once ended in a traceback, kept as fixed cases."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.compat.proto import attr_value_pb2

from tfc.diagnostics import TfcError, VerifyError
from tfc.frontend.tf.graphdef import GraphImportError
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.op_schema import node_problem
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.verifier import verify

from ..tf.graphs import GraphBuilder, tensor_proto
from .bad_inputs import module

RESOURCE_ARG = "%x: tensor<3xf32>, %w: !tfc.resource<tensor<3xf32>>"


def test_tf_op_given_a_resource_is_a_verifier_error():
    text = module('    %y = "tf.AddV2"(%w, %x) : (!tfc.resource<tensor<3xf32>>, tensor<3xf32>) -> tensor<3xf32>\n'
                  '    "func.return"(%y) : (tensor<3xf32>) -> ()\n', RESOURCE_ARG, "tensor<3xf32>")
    with pytest.raises(VerifyError, match="type rule failed on operands"):
        verify(parse_module(text))


def test_lifting_a_handle_no_variable_defines_is_a_clean_error():
    text = module('    %y = "tfc.read_variable"(%w) : (!tfc.resource<tensor<3xf32>>) -> tensor<3xf32>\n'
                  '    "func.return"(%y) : (tensor<3xf32>) -> ()\n', RESOURCE_ARG, "tensor<3xf32>")
    with pytest.raises(TfcError, match="no earlier tfc.variable"):
        PassManager("lift-variables").run(parse_module(text))


def test_placeholder_whose_shape_is_a_tensor_is_an_import_error():
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    g.graph.node[0].attr["shape"].CopyFrom(attr_value_pb2.AttrValue(tensor=tensor_proto(np.zeros(4, np.float32))))
    g.op("Relu", ["x"], name="out", T=np.float32)
    with pytest.raises(GraphImportError, match="node 'x'.*attribute 'shape' should be shape, got tensor"):
        GraphImporter(g.graph).import_graph(["out"])


def test_an_unknown_type_enum_is_named():
    g = GraphBuilder()
    g.op("Relu", ["x"], name="out")
    g.graph.node[0].attr["T"].type = 999
    assert "attribute 'T' = type #999 is not allowed" in node_problem(g.graph.node[0])
