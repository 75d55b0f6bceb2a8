"""Generate tfc's op suite from TensorFlow: single-op graphs with TensorFlow's outputs, one ``.npz``
per family in ``tests/data/op_suite/``, and the list of ops TensorFlow's XLA bridge compiles
(``tools/tf_xla_ops.json``, the ``xla bridge`` column of ``tfc ops``).

Runs by hand, in a separate environment with TensorFlow (tfc never imports it):

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0
    /tmp/tfenv/bin/python scripts/tf_op_suite/generate.py            # every family
    /tmp/tfenv/bin/python scripts/tf_op_suite/generate.py math nn    # only these

A case TensorFlow itself refuses is reported and left out. Files are deterministic (sorted entries,
fixed zip timestamps), so regenerating an unchanged family changes nothing.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
from tensorflow.core.framework import graph_pb2, op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api
from tensorflow.python.framework import kernels, op_def_library, op_def_registry

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "tests" / "data" / "op_suite"
XLA_OPS = ROOT / "tools" / "tf_xla_ops.json"
sys.path.insert(0, str(HERE))
import spec  # noqa: E402

FAMILIES = sorted(p.stem for p in (HERE / "families").glob("*.py") if not p.stem.startswith("_"))


def input_names(op_type: str) -> list[str]:
    """The op's inputs in order, by ``tf.raw_ops``' names (raw_ops may rename inputs: Sum's axis), or
    the OpDef's for an op raw_ops lacks."""
    op_def = op_def_registry.get(op_type)
    if op_def is None:
        raise ValueError(f"TensorFlow has no op {op_type}")
    if not hasattr(tf.raw_ops, op_type):
        return [arg.name for arg in op_def.input_arg]
    return list(inspect.signature(getattr(tf.raw_ops, op_type)).parameters)[: len(op_def.input_arg)]


def split_arguments(case: spec.Case) -> None:
    """Seed the case's values, then sort its arguments into inputs and attributes."""
    spec.seed(case.id)
    if case.composite:
        return
    inputs = set(input_names(case.op))
    for key, value in case.notes.pop("arguments").items():
        (case.inputs if key in inputs else case.attrs)[key] = spec.materialize(value)


def apply_op(op_type: str, arguments: dict, attrs: dict) -> None:
    """Add the node ``op``: through ``tf.raw_ops``, or for an op it lacks (Grappler's ``_Fused*``)
    from the OpDef, with every attribute the inputs do not imply given (defaults filled in)."""
    if hasattr(tf.raw_ops, op_type):
        getattr(tf.raw_ops, op_type)(**arguments, **attrs, name="op")
        return
    op_def = op_def_registry.get(op_type)
    implied = {name for arg in op_def.input_arg for name in (arg.type_attr, arg.number_attr, arg.type_list_attr) if name}
    defaults = {a.name: attr_default(a.default_value) for a in op_def.attr
                if a.name not in implied and a.name not in attrs and a.HasField("default_value")}
    # TensorFlow's only way to add a node of an op that has no Python wrapper
    op_def_library._apply_op_helper(op_type, name="op", **arguments, **defaults, **attrs)  # noqa: SLF001


def attr_default(value):
    """An OpDef attribute default (an AttrValue) as the Python value ``_apply_op_helper`` takes."""
    kind = value.WhichOneof("value")
    if kind == "list":
        items = next((list(getattr(value.list, f)) for f in ("s", "i", "f", "b", "type", "shape") if getattr(value.list, f)), [])
        return [item.decode() if isinstance(item, bytes) else item for item in items]
    item = getattr(value, kind)
    return item.decode() if isinstance(item, bytes) else item


def tensor_for(name: str, value, feeds: dict):
    """A Const (for :class:`spec.Const`) or a Placeholder fed ``value``."""
    if isinstance(value, spec.Const):
        return tf.constant(value.value, name=name)
    array = np.asarray(value)
    placeholder = tf.compat.v1.placeholder(tf.as_dtype(array.dtype), array.shape, name=name)
    feeds[placeholder.name] = array
    return placeholder


def run_case(case: spec.Case) -> dict:
    """Build the graph, run it in a TensorFlow Session: the case's entries for the data file."""
    if case.stateful:
        return run_stateful_case(case)
    if case.composite:
        return run_composite_case(case)
    graph, feeds, arguments = tf.Graph(), {}, {}
    with graph.as_default():
        for key, value in case.inputs.items():
            if isinstance(value, list):
                arguments[key] = [tensor_for(f"{key}_{i}", v, feeds) for i, v in enumerate(value)]
            else:
                arguments[key] = tensor_for(key, value, feeds)
        apply_op(case.op, arguments, case.attrs)
        op = graph.get_operation_by_name("op")
        wanted = case.outputs if case.outputs is not None else range(len(op.outputs))
        fetches = [op.outputs[i] for i in wanted]
        with tf.compat.v1.Session(graph=graph) as session:
            values = session.run(fetches, feeds)
    return case_entries(case, graph, feeds, fetches, values)


def run_composite_case(case: spec.Case) -> dict:
    """A composite case: the graph ``case.build`` makes (functions in its library), run once; every op
    type it claims to test must be a node of the graph or of one of its functions."""
    graph, feeds = tf.Graph(), {}

    def feed(name: str, value):
        return tensor_for(name, spec.materialize(value), feeds)

    with graph.as_default():
        fetches = list(case.build(tf, feed))
        with tf.compat.v1.Session(graph=graph) as session:
            values = session.run(fetches, feeds)
    graph_def = numbered_functions(graph.as_graph_def())
    present = {node.op for node in graph_def.node} | {node.op for f in graph_def.library.function for node in f.node_def}
    ops = sorted({case.op, *case.covers})
    if missing := [op for op in ops if op not in present]:
        raise ValueError(f"the graph has no {', '.join(missing)} node")
    return case_entries(case, graph_def, feeds, fetches, values, ops=ops)


def numbered_functions(graph_def):
    """``graph_def`` with its library functions renamed ``f0``, ``f1``... in the order the graph first
    calls them: the names TensorFlow gives (``__inference_body_123``) count every function the
    process traced, so they (and the library's order, by name) would depend on which cases ran."""
    functions = {f.signature.name: f for f in graph_def.library.function}
    names: dict[str, str] = {}

    def references(nodes):
        for node in nodes:
            for key in sorted(node.attr):
                value = node.attr[key]
                yield from ([value.func] if value.HasField("func") else []) + list(value.list.func)

    def number(nodes):
        for function in references(nodes):
            if function.name in functions and function.name not in names:
                names[function.name] = f"f{len(names)}"
                number(functions[function.name].node_def)

    number(graph_def.node)
    for nodes in [graph_def.node, *(f.node_def for f in functions.values())]:
        for function in references(nodes):
            function.name = names.get(function.name, function.name)
    ordered = sorted(functions.values(), key=lambda f: int(names[f.signature.name][1:]))
    for function in ordered:
        function.signature.name = names[function.signature.name]
    del graph_def.library.function[:]
    graph_def.library.function.extend(ordered)
    return graph_def


def case_entries(case: spec.Case, graph, feeds: dict, fetches: list, values: list, **manifest_extra) -> dict:
    """``graph``: a tf.Graph, or the GraphDef to record."""
    graph_def = graph if isinstance(graph, graph_pb2.GraphDef) else graph.as_graph_def()
    entries = {f"{case.id}/graph": np.frombuffer(graph_def.SerializeToString(deterministic=True), np.uint8)}
    entries.update({f"{case.id}/feed/{name}": array for name, array in feeds.items()})
    entries.update({f"{case.id}/out/{i}": np.asarray(v) for i, v in enumerate(values)})
    manifest = {"op": case.op, "feeds": sorted(feeds), "fetches": [t.name for t in fetches], "check": case.check}
    manifest.update({k: v for k, v in (("rtol", case.rtol), ("atol", case.atol)) if v is not None})
    manifest.update(manifest_extra)
    return {"entries": entries, "manifest": manifest}


def variable_for(name: str, var: spec.Variable, arg) -> tuple:
    """A ref or resource variable ``name`` with its initializer ``name/Assign``: (handle, assign, kind)."""
    kind = var.kind or ("resource" if arg.type == tf.resource.as_datatype_enum else "ref")
    value = np.asarray(var.value)
    dtype = tf.as_dtype(value.dtype)
    initial = tf.constant(value, name=f"{name}/initial_value")
    if kind == "resource":
        handle = tf.raw_ops.VarHandleOp(dtype=dtype, shape=value.shape, shared_name=name, name=name)
        assign = tf.raw_ops.AssignVariableOp(resource=handle, value=initial, name=f"{name}/Assign")
    else:
        handle = tf.raw_ops.VariableV2(shape=value.shape, dtype=dtype, name=name)
        assign = tf.raw_ops.Assign(ref=handle, value=initial, name=f"{name}/Assign")
    return handle, assign, kind


def run_stateful_case(case: spec.Case) -> dict:
    """A case with variable inputs: run ``init``, then the op ``case.steps`` times, each time fetching
    its outputs and the variables' values read after it; the last step's values are recorded."""
    graph, feeds, arguments, initializers, variables = tf.Graph(), {}, {}, [], []
    input_args = op_def_registry.get(case.op).input_arg
    parameters = list(inspect.signature(getattr(tf.raw_ops, case.op)).parameters)  # inputs first, in order
    with graph.as_default():
        for key, value in case.inputs.items():
            if isinstance(value, spec.Variable):
                handle, assign, kind = variable_for(key, value, input_args[parameters.index(key)])
                arguments[key] = handle
                if value.initialized:
                    initializers.append(assign)
                    variables.append((key, handle, kind))
            else:
                arguments[key] = tensor_for(key, value, feeds)
        tf.group(*initializers, name="init")
        apply_op(case.op, arguments, case.attrs)
        op = graph.get_operation_by_name("op")
        wanted = case.outputs if case.outputs is not None else range(len(op.outputs))
        fetches = [op.outputs[i] for i in wanted]
        with tf.control_dependencies([op]):
            for key, handle, kind in variables:
                if kind == "resource":
                    fetches.append(tf.raw_ops.ReadVariableOp(resource=handle, dtype=handle.op.get_attr("dtype"), name=f"{key}/read"))
                else:
                    fetches.append(tf.identity(handle, name=f"{key}/read"))
        with tf.compat.v1.Session(graph=graph) as session:
            session.run("init")
            for _ in range(case.steps):
                values = session.run([*fetches, op], feeds)[:-1]
    return case_entries(case, graph, feeds, fetches, values, init="init", steps=case.steps, targets=["op"])


def write_family(name: str, results: dict) -> Path:
    """One deterministic ``.npz``: every case's arrays plus a ``__suite__`` manifest (JSON)."""
    manifest = {"tensorflow": tf.__version__, "cases": {cid: r["manifest"] for cid, r in sorted(results.items())}}
    entries = {k: v for r in results.values() for k, v in r["entries"].items()}
    entries["__suite__"] = np.frombuffer(json.dumps(manifest, indent=1, sort_keys=True).encode(), np.uint8)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.npz"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(entries):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(entries[key]), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue(), zipfile.ZIP_DEFLATED)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return path


def xla_bridge_ops() -> list[str]:
    """Op types with an XLA JIT kernel (what ``tf.function(jit_compile=True)`` compiles)."""
    tf.function(lambda x: x * 2, jit_compile=True)(tf.ones(2))  # registers the XLA kernels
    ops = op_def_pb2.OpList()
    ops.ParseFromString(c_api.TF_GetBuffer(c_api.TF_GetAllOpList()))
    return sorted(op.name for op in ops.op if any(
        k.device_type in ("XLA_CPU_JIT", "XLA_GPU_JIT") for k in kernels.get_registered_kernels_for_op(op.name).kernel))


def main(argv: list[str]) -> None:
    chosen = argv or FAMILIES
    for name in chosen:
        importlib.import_module(f"families.{name}")
    results: dict[str, dict] = {}
    for case in spec.CASES:
        try:
            split_arguments(case)
            results.setdefault(case.family, {})[case.id] = run_case(case)
        except Exception as err:  # noqa: BLE001 - TensorFlow refused the case: report it, leave it out
            print(f"left out {case.id}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    for name, family_results in sorted(results.items()):
        print(f"{write_family(name, family_results).relative_to(ROOT)}: {len(family_results)} cases")
    XLA_OPS.write_text(json.dumps({"tensorflow": tf.__version__, "ops": xla_bridge_ops()}, indent=1) + "\n")
    print(f"{XLA_OPS.relative_to(ROOT)}: TensorFlow's XLA bridge compiles {len(json.loads(XLA_OPS.read_text())['ops'])} op types")


if __name__ == "__main__":
    main(sys.argv[1:])
