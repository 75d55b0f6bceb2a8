"""GraphDefs asking for more than tfc may hold give one clean line naming the node, before anything
is allocated: a Const declaring 2**40 elements (or dims whose product overflows int64), a node whose
inferred static result is over the tensor byte limit, a node with too few inputs, function calls
nested past tfc's nesting limit; and XLA running out of memory in ``tfc run`` names the program
(tfc.limits)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from click.testing import CliRunner
from tensorboard.compat.proto import tensor_pb2, types_pb2

from tfc.frontend.tf.functions import MAX_CALL_DEPTH
from tfc.limits import MAX_TENSOR_BYTES_ENV
from tfc.tools.cli import cli

from ..test_nesting import frame_budget
from .graphs import GraphBuilder, run_graph, shape_proto
from .test_import_errors import assert_one_line_error
from .test_lists import add_function, func_attr


def write(tmp_path, graph, name="g.pb"):
    path = tmp_path / name
    path.write_bytes(graph.SerializeToString())
    return path


def splat_const(g: GraphBuilder, name: str, dims) -> str:
    """A float Const whose TensorProto declares ``dims`` and holds one value (TensorFlow's splat)."""
    proto = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[1.0])
    proto.tensor_shape.CopyFrom(shape_proto(dims))
    node = g.graph.node.add(name=name, op="Const")
    node.attr["value"].tensor.CopyFrom(proto)
    node.attr["dtype"].type = types_pb2.DT_FLOAT
    return name


@pytest.fixture
def no_allocation(monkeypatch):
    """Fail the test if numpy fills or reserves a big array."""
    def refuse(*args, **kwargs):
        raise AssertionError("numpy allocated")

    for name in ("full", "empty", "zeros"):
        monkeypatch.setattr(np, name, refuse)


@pytest.mark.parametrize("dims", [[2**20, 2**20], [2**40, 2**40, 2**40]])
def test_const_declaring_too_many_elements_names_the_node(tmp_path, no_allocation, dims):
    g = GraphBuilder()
    splat_const(g, "huge", dims)
    result = CliRunner().invoke(cli, ["lower", str(write(tmp_path, g.graph))])
    size = 4 * int(np.prod(np.array(dims, dtype=object)))
    assert_one_line_error(result, "g.pb", "node 'huge'", f"constant tensor of shape {dims} and type f32 would hold {size} bytes")


def fill_graph(dims) -> GraphBuilder:
    g = GraphBuilder()
    value = g.placeholder("value", np.float32, [])
    g.op("Fill", [g.const(np.array(dims, np.int64), name="dims"), value], name="fill", T=np.float32, index_type=np.int64)
    return g


def test_node_whose_static_result_is_over_the_limit_names_the_node(tmp_path):
    result = CliRunner().invoke(cli, ["lower", str(write(tmp_path, fill_graph([1000000, 1000000]).graph))])
    assert_one_line_error(result, "g.pb", "node 'fill'", "Fill output 0 tensor<1000000x1000000xf32> would hold 4000000000000 bytes")


def test_node_with_too_few_inputs_is_one_line(tmp_path):
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [2])
    g.op("AddV2", [x], name="add", T=np.float32)
    result = CliRunner().invoke(cli, ["lower", str(write(tmp_path, g.graph))])
    assert_one_line_error(result, "g.pb", "node 'add'", "AddV2 takes 2 inputs (x, y), got 1")


def test_xla_running_out_of_memory_in_tfc_run_is_one_line(tmp_path):
    """With the host limit raised, the Fill imports; XLA cannot allocate its 2**60 bytes."""
    graph = write(tmp_path, fill_graph([2**30, 2**28]).graph)
    inputs = tmp_path / "in.npz"
    buffer = io.BytesIO()
    np.savez(buffer, value=np.array(1.0, np.float32))
    inputs.write_bytes(buffer.getvalue())
    result = CliRunner().invoke(cli, ["run", str(graph), "--inputs", str(inputs), "--fetch", "fill:0"],
                                env={MAX_TENSOR_BYTES_ENV: str(2**62)})
    assert_one_line_error(result, "XLA ran out of memory", "@main", "RESOURCE_EXHAUSTED")


def call_chain(n: int) -> GraphBuilder:
    """``call`` calls f{n-1}, which calls f{n-2} ... f0 negates: function calls nested n deep."""
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [3])
    arg, ret = [("a", types_pb2.DT_FLOAT)], [("r", types_pb2.DT_FLOAT)]
    add_function(g, "f0", arg, ret, [("r", "Neg", ["a"], {"T": np.float32})], {"r": "r:y:0"})
    for k in range(1, n):
        node = ("c", "PartitionedCall", ["a"], {"Tin": [np.float32], "Tout": [np.float32], "f": func_attr(f"f{k - 1}")})
        add_function(g, f"f{k}", arg, ret, [node], {"r": "c:output:0"})
    g.op("PartitionedCall", [x], name="call", Tin=[np.float32], Tout=[np.float32], f=func_attr(f"f{n - 1}"))
    return g


def test_function_calls_nested_to_the_limit_run():
    """62 calls below main's two regions: 64, tfc's nesting limit, where a call counts as a region."""
    x = np.arange(3, dtype=np.float32)
    with frame_budget():
        (got,) = run_graph(call_chain(MAX_CALL_DEPTH).graph, {"x:0": x}, ["call"])
    np.testing.assert_array_equal(got, -x)


@pytest.mark.parametrize("calls", [MAX_CALL_DEPTH + 1, 3000])
def test_function_calls_nested_past_the_limit_are_one_line(tmp_path, calls):
    result = CliRunner().invoke(cli, ["lower", str(write(tmp_path, call_chain(calls).graph))])
    assert_one_line_error(result, "g.pb", "node 'c'", f"function calls nest more than {MAX_CALL_DEPTH} deep (f{calls - 1} -> f{calls - 2}")
