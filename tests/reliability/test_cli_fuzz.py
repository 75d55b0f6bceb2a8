"""Hypothesis drives the CLI with structurally mutated inputs — GraphDefs edited node by node,
`--inputs` files with the wrong keys, dtypes and shapes, IR edited op by op — and every run must
end as the README promises: success, or exactly one error line, a non-zero exit and no traceback."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import graph_pb2

from tfc.ir import Operation
from tfc.parser import parse_module
from tfc.printer import print_module
from tfc.tools.cli import cli, split_chunks

from ..test_golden import golden_files
from ..tf.graphs import attr_value

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
GRAPHS = ["seed_matmul_f32", "small_cnn", "control_flow_v2", "linreg_sgd_train", "tensor_manip", "embedding_xent"]
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_cli(*args: str):
    """Run ``tfc`` in-process; the result must be a success or one clean error line."""
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"tfc {' '.join(map(str, args))} raised {result.exception!r}") from result.exception
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        assert result.exit_code in (1, 2), result.exit_code
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert "error" in lines[0], lines[0]
    return result


# ---- tfc lower / tfc run on GraphDefs mutated node by node -----------------------------------------
def graph_of(case: str) -> graph_pb2.GraphDef:
    graph = graph_pb2.GraphDef()
    graph.ParseFromString((CORPUS / case / "graph.pb").read_bytes())
    return graph


NODE_EDITS = ["drop_input", "add_input", "swap_inputs", "op", "attr_kind", "attr_drop", "dtype", "shape_dim", "drop_node",
              "duplicate_name", "device", "function_body"]


@st.composite
def mutated_graph(draw) -> graph_pb2.GraphDef:
    graph = graph_of(draw(st.sampled_from(GRAPHS)))
    names = [n.name for n in graph.node]
    for _ in range(draw(st.integers(1, 3))):
        node = graph.node[draw(st.integers(0, len(graph.node) - 1))]
        edit_node(draw, graph, node, names, draw(st.sampled_from(NODE_EDITS)))
    return graph


def edit_node(draw, graph, node, names, edit: str) -> None:
    if edit == "drop_input" and node.input:
        del node.input[draw(st.integers(0, len(node.input) - 1))]
    elif edit == "add_input":
        node.input.append(draw(st.sampled_from([*names[:8], "ghost:0", f"^{names[0]}", f"{names[0]}:9"])))
    elif edit == "swap_inputs" and len(node.input) > 1:
        node.input[0], node.input[1] = node.input[1], node.input[0]
    elif edit == "op":
        node.op = draw(st.sampled_from(["AddV2", "MatMul", "Const", "Identity", "Relu", "Reshape", "ConcatV2", "NoWayOp", "Fill"]))
    elif edit == "attr_kind" and node.attr:
        key = draw(st.sampled_from(sorted(node.attr)))
        node.attr[key].CopyFrom(attr_value(draw(st.sampled_from([7, -1, 2.5, True, "x", [1, 2, 3], np.float32, np.zeros(2 ** 10)]))))
    elif edit == "attr_drop" and node.attr:
        del node.attr[draw(st.sampled_from(sorted(node.attr)))]
    elif edit == "dtype" and ("dtype" in node.attr or "T" in node.attr):
        node.attr["dtype" if "dtype" in node.attr else "T"].type = draw(st.sampled_from([1, 3, 7, 9, 10, 18, 101, 999]))
    elif edit == "shape_dim" and "shape" in node.attr and node.attr["shape"].shape.dim:
        node.attr["shape"].shape.dim[0].size = draw(st.sampled_from([-1, 0, 1, 2 ** 31, 2 ** 62]))
    elif edit == "drop_node" and len(graph.node) > 1:
        graph.node.remove(node)
    elif edit == "duplicate_name":
        node.name = draw(st.sampled_from(names))
    elif edit == "device":
        node.device = draw(st.sampled_from(["/device:GPU:7", "/job:x/task:3/device:CPU:9", "???"]))
    elif edit == "function_body" and graph.library.function:
        function = graph.library.function[draw(st.integers(0, len(graph.library.function) - 1))]
        if function.node_def:
            inner = function.node_def[draw(st.integers(0, len(function.node_def) - 1))]
            inner.op = draw(st.sampled_from(["Identity", "NoWayOp", "AddV2"]))


@SETTINGS
@given(mutated_graph(), st.sampled_from(["core", "tf", "stablehlo"]))
def test_tfc_lower_on_mutated_graphs(graph, emit):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.pb"
        path.write_bytes(graph.SerializeToString())
        run_cli("lower", path, "--emit", emit)


# ---- tfc run with --inputs whose keys, dtypes and shapes are wrong -----------------------------------
RUN_CASES = ["seed_matmul_f32", "seed_matmul_i32", "linreg_sgd_train", "mlp_dense", "tensor_manip"]


@st.composite
def mutated_inputs(draw) -> tuple[str, dict, dict]:
    case = draw(st.sampled_from(RUN_CASES))
    info = json.loads((CORPUS / case / "case.json").read_text())
    with np.load(CORPUS / case / "inputs.npz") as data:
        feeds = {tensor: data[key] for tensor, key in info["feeds"].items()}
    for _ in range(draw(st.integers(1, 3))):
        feeds = edit_feeds(draw, feeds)
    return case, info, feeds


def edit_feeds(draw, feeds: dict) -> dict:
    edit = draw(st.sampled_from(["drop", "rename", "dtype", "shape", "extra", "empty", "scalar"]))
    if not feeds:
        return {"x:0": np.zeros(2, np.float32)}
    key = draw(st.sampled_from(sorted(feeds)))
    value = feeds[key]
    if edit == "drop":
        feeds.pop(key)
    elif edit == "rename":
        feeds[draw(st.sampled_from(["ghost:0", "x:7", "loss:0", key.split(":")[0]]))] = feeds.pop(key)
    elif edit == "dtype":
        feeds[key] = value.astype(draw(st.sampled_from([np.int8, np.int64, np.float64, np.bool_, np.complex64, np.float16, ">f4"])))
    elif edit == "shape":
        feeds[key] = draw(st.sampled_from([value.reshape(-1), value[..., None], value.reshape(-1)[:1], np.zeros((3, 3, 3), value.dtype)]))
    elif edit == "extra":
        feeds[draw(st.sampled_from(["nope:0", "w:0"]))] = value
    elif edit == "empty":
        feeds[key] = np.zeros((0,) + value.shape[1:], value.dtype)
    else:
        feeds[key] = np.asarray(3, value.dtype)
    return feeds


@SETTINGS
@given(mutated_inputs(), st.sampled_from(["xla", "interp"]))
def test_tfc_run_with_mutated_inputs(case_inputs, backend):
    case, info, feeds = case_inputs
    buffer = io.BytesIO()
    np.savez(buffer, **feeds)
    with tempfile.TemporaryDirectory() as folder:
        inputs = Path(folder) / "in.npz"
        inputs.write_bytes(buffer.getvalue())
        args = ["run", CORPUS / case / "graph.pb", "--inputs", inputs, "--backend", backend]
        for name in info.get("init_targets") or []:
            args += ["--init", name]
        for name in info.get("targets") or []:
            args += ["--target", name]
        for name in info["fetches"]:
            args += ["--fetch", name]
        run_cli(*args)


# ---- tfc opt / tfc translate on IR edited op by op ---------------------------------------------------
SEEDS = [chunk for path in golden_files() for chunk in split_chunks(path.read_text()) if '"func.func"' in chunk]
IR_EDITS = ["swap", "move_last", "retype", "reoperand", "drop_attr", "retype_arg", "clone"]


def parseable_seeds() -> list:
    modules = []
    for chunk in SEEDS:
        try:
            modules.append(chunk if parse_module(chunk) is not None else None)
        except Exception:  # noqa: BLE001 - negative golden files do not parse: not seeds
            continue
    return [m for m in modules if m]


PARSEABLE = parseable_seeds()


@st.composite
def mutated_ir(draw) -> str:
    module = parse_module(draw(st.sampled_from(PARSEABLE)))
    ops = [op for op in module.walk() if op.parent is not None and op.name not in ("func.func", "builtin.module")]
    for _ in range(draw(st.integers(1, 3))):
        if ops:
            edit_op(draw, ops, draw(st.sampled_from(ops)), draw(st.sampled_from(IR_EDITS)))
    return print_module(module)


def edit_op(draw, ops: list, op: Operation, edit: str) -> None:
    block = op.parent
    if edit == "swap" and len(block.ops) > 1:
        i = block.ops.index(op)
        j = draw(st.integers(0, len(block.ops) - 1))
        block.ops[i], block.ops[j] = block.ops[j], block.ops[i]
    elif edit == "move_last":
        block.ops.remove(op)
        block.ops.append(op)
    elif edit == "retype" and op.results:
        other = draw(st.sampled_from(ops))
        if other.results:
            op.results[0].type = other.results[0].type
    elif edit == "reoperand" and op.operands:
        candidates = [r for o in ops for r in o.results if o.parent is block]
        if candidates:
            op.set_operand(draw(st.integers(0, len(op.operands) - 1)), draw(st.sampled_from(candidates)))
    elif edit == "drop_attr" and op.attributes:
        op.attributes.pop(draw(st.sampled_from(sorted(op.attributes))))
    elif edit == "retype_arg" and block.args:
        block.args[0].type = draw(st.sampled_from([r.type for o in ops for r in o.results] or [block.args[0].type]))
    elif edit == "clone" and not op.regions:
        copy = Operation(op.name, op.operands, [r.type for r in op.results], dict(op.attributes), (), op.location)
        block.insert(0, copy)


@SETTINGS
@given(mutated_ir(), st.sampled_from(["canonicalize", "cse,fold,dce", "shape-inference,prune", "legalize-tf,lift-variables"]))
def test_tfc_opt_and_translate_on_mutated_ir(text, pipeline):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.ir"
        path.write_text(text)
        result = run_cli("opt", path, "--passes", pipeline)
        if result.exit_code == 0:
            printed = result.stdout
            assert print_module(parse_module(printed)) == printed
            run_cli("translate", path, "--to", "stablehlo")
