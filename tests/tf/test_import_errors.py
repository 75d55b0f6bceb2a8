"""Bad GraphDefs give one clear line naming the file and node, a non-zero exit, no traceback and no
partial output file; fuzzed graphs only ever raise tfc errors."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import graph_pb2, types_pb2

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.tools.cli import cli

from .corpus import CORPUS
from .graphs import GraphBuilder, attr_value

SEED = CORPUS / "seed_matmul_f32" / "graph.pb"
SMALL_CNN = CORPUS / "small_cnn" / "graph.pb"


def lower(path, *extra):
    return CliRunner().invoke(cli, ["lower", str(path), *extra])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def seed_graph() -> graph_pb2.GraphDef:
    graph = graph_pb2.GraphDef()
    graph.ParseFromString(SEED.read_bytes())
    return graph


def test_truncated_pb(tmp_path):
    data = SMALL_CNN.read_bytes()
    path = write(tmp_path, "cut.pb", data[: len(data) // 2])
    assert_one_line_error(lower(path), "cut.pb", "error:")


def test_corrupt_pb(tmp_path):
    path = write(tmp_path, "junk.pb", b"\xff\xfe not a protobuf \x00\x01" * 10)
    assert_one_line_error(lower(path), "junk.pb", "error:")


def test_pbtxt_syntax_error(tmp_path):
    path = write(tmp_path, "bad.pbtxt", b'node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }\nnode {{ }')
    assert_one_line_error(lower(path), "bad.pbtxt", "malformed text GraphDef")


def test_pbtxt_round_trip_imports(tmp_path):
    from google.protobuf import text_format

    path = write(tmp_path, "seed.pbtxt", text_format.MessageToString(seed_graph()).encode())
    result = lower(path, "--emit", "tf")
    assert result.exit_code == 0, result.output
    assert '"tf.MatMul"' in result.output


def test_unknown_dtype(tmp_path):
    graph = seed_graph()
    const = next(n for n in graph.node if n.op == "Const")
    const.attr["value"].tensor.dtype = types_pb2.DT_STRING
    path = write(tmp_path, "str.pb", graph.SerializeToString())
    assert_one_line_error(lower(path), "str.pb", const.name, "DT_STRING")


def test_missing_input_node(tmp_path):
    graph = seed_graph()
    node = next(n for n in graph.node if n.op == "MatMul")
    node.input[1] = "no_such_node"
    path = write(tmp_path, "missing.pb", graph.SerializeToString())
    assert_one_line_error(lower(path), "missing.pb", node.name, "no_such_node")


def test_cycle_that_is_not_a_loop(tmp_path):
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    g.op("AddV2", ["x", "b"], name="a", T=np.float32)
    g.op("AddV2", ["a", "x"], name="b", T=np.float32)
    path = write(tmp_path, "cycle.pb", g.graph.SerializeToString())
    assert_one_line_error(lower(path), "cycle.pb", "cycle that is not a loop", "'a'")


def test_attribute_of_wrong_type(tmp_path):
    g = GraphBuilder()
    node = g.graph.node.add(name="x", op="Placeholder")
    node.attr["dtype"].CopyFrom(attr_value(3))  # an int where a type is expected
    path = write(tmp_path, "attr.pb", g.graph.SerializeToString())
    assert_one_line_error(lower(path), "attr.pb", "'x'", "dtype")


def test_const_content_does_not_match_shape(tmp_path):
    graph = seed_graph()
    const = next(n for n in graph.node if n.op == "Const")
    tensor = const.attr["value"].tensor
    tensor.tensor_content = tensor.tensor_content[:-4]
    path = write(tmp_path, "short.pb", graph.SerializeToString())
    assert_one_line_error(lower(path), "short.pb", const.name, "tensor_content")


def test_unsupported_ops_reported_together(tmp_path):
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    g.op("FancyOp", ["x"], name="f1")
    g.op("FancyOp", ["f1"], name="f2")
    g.op("OtherOp", ["f2"], name="o")
    g.op("UnusedOp", ["x"], name="dead")
    path = write(tmp_path, "unsupported.pb", g.graph.SerializeToString())
    result = lower(path, "--outputs", "o:0")
    assert_one_line_error(result, "FancyOp x2 (f1, f2)", "OtherOp x1 (o)")
    assert "UnusedOp" not in result.output  # only what the requested outputs need


def test_no_partial_output_file(tmp_path):
    bad = write(tmp_path, "junk.pb", b"\xff" * 40)
    out = tmp_path / "out.ir"
    assert lower(bad, "-o", str(out)).exit_code == 1
    assert not out.exists() and not list(tmp_path.glob(".out.ir*"))
    result = CliRunner().invoke(cli, ["run", str(bad), "--fetch", "z:0", "-o", str(tmp_path / "out.npz")])
    assert result.exit_code == 1 and not (tmp_path / "out.npz").exists()


def test_lower_names_outputs_and_pruning():
    result = lower(CORPUS / "cse_constfold" / "graph.pb", "--outputs", "out:0", "--emit", "tf")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("// tfc: outputs out:0") and "pruned" in first


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_bytes_give_only_tfc_errors(data):
    raw = bytearray(SEED.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[at] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[at : at + data.draw(st.integers(1, 16))]
        else:
            raw[at:at] = bytes(data.draw(st.lists(st.integers(0, 255), max_size=8)))
    graph = graph_pb2.GraphDef()
    try:
        graph.ParseFromString(bytes(raw))
    except Exception:  # noqa: BLE001 - protobuf raises several kinds on corrupt bytes
        return  # the loader turns these into GraphImportError (test_truncated_pb / test_corrupt_pb)
    _import_expecting_only_tfc_errors(graph)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_fields_give_only_tfc_errors(data):
    graph = seed_graph()
    for _ in range(data.draw(st.integers(1, 4))):
        node = graph.node[data.draw(st.integers(0, len(graph.node) - 1))]
        field = data.draw(st.sampled_from(["op", "input", "attr_type", "attr_drop", "shape", "device", "name"]))
        if field == "op":
            node.op = data.draw(st.sampled_from(["MatMul", "AddV2", "Const", "Placeholder", "Identity", "NoOp", "Relu", "Nope"]))
        elif field == "input":
            node.input.append(data.draw(st.sampled_from(["x", "x:1", "^x", "eye", "z:7", "ghost", "matmul_xx:0"])))
        elif field == "attr_type" and node.attr:
            key = data.draw(st.sampled_from(sorted(node.attr)))
            node.attr[key].CopyFrom(attr_value(data.draw(st.sampled_from([1, 2.5, True, "s", [1, 2]]))))
        elif field == "attr_drop" and node.attr:
            del node.attr[data.draw(st.sampled_from(sorted(node.attr)))]
        elif field == "shape" and node.op == "Placeholder":
            dims = node.attr["shape"].shape.dim
            if dims:
                dims[0].size = data.draw(st.integers(-2, 5))
        elif field == "device":
            node.device = data.draw(st.sampled_from(["/device:CPU:0", "/cpu:3", "garbage"]))
        elif field == "name":
            node.name = data.draw(st.sampled_from(["x", "eye", "z", "new"]))
    _import_expecting_only_tfc_errors(graph)


def _import_expecting_only_tfc_errors(graph):
    from tfc.passmanager import PassManager

    try:
        result = GraphImporter(graph, "fuzz.pb").import_graph()
        PassManager("legalize-tf", verify_each=True).run(result.module)
    except TfcError:
        pass


def test_unsupported_ops_inside_called_functions_are_reported_up_front(tmp_path):
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    fdef = g.graph.library.function.add()
    fdef.signature.name = "body_fn"
    arg = fdef.signature.input_arg.add(name="a", type=types_pb2.DT_FLOAT)
    out = fdef.signature.output_arg.add(name="out", type=types_pb2.DT_FLOAT)
    node = fdef.node_def.add(name="weird", op="WeirdOp", input=[arg.name])
    fdef.ret[out.name] = f"{node.name}:y:0"
    call = g.op("PartitionedCall", ["x"], name="call", Tin=[np.float32], Tout=[np.float32])
    g.graph.node[-1].attr["f"].func.name = "body_fn"
    path = write(tmp_path, "fn.pb", g.graph.SerializeToString())
    assert_one_line_error(lower(path, "--outputs", f"{call}:0"), "WeirdOp x1 (body_fn/weird)")
