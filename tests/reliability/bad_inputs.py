"""A generator of bad inputs, one or more of each kind tfc was once caught out by: GraphDefs, ``--inputs``
npz files, IR texts and checkpoints. Each case says how to run it from the CLI and from the Python
API, and what must happen: a clean error whose message contains ``error`` (and, as one line, names
the file, node or line at fault), or, for inputs that are odd but legal, the right result.

    for case in cases():
        folder = case.materialize(tmp_path)
        ...
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import graph_pb2, tensor_pb2

from ..tf.graphs import GraphBuilder, shape_proto, tf_dtype

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
SEED = CORPUS / "seed_matmul_f32"  # z = x @ x + x @ eye, x: f32[2, 2]
SEED_X = np.array([[1, 2], [3, 4]], np.float32)
SEED_Z = SEED_X @ SEED_X + SEED_X
X2 = {"x:0": np.ones(2, np.float32)}  # the feed of the one-node graphs


@dataclass(frozen=True)
class Case:
    """One input: the files it consists of, how each interface is driven, what must come out.

    ``cli`` is the argument list of ``tfc`` (``None`` where no command reads this kind of file);
    ``api`` drives the Python API on the materialized folder (``None`` where only the CLI reads it).
    ``error`` is a fragment the error must contain; ``None`` means the run must succeed, and
    ``check(folder, api_result_or_None)`` then checks the result (``None``: the CLI's output file)."""

    name: str
    files: dict[str, bytes]
    cli: tuple[str, ...] | None
    api: Callable[[Path], object] | None
    error: str | None
    check: Callable[[Path, object], None] | None = None
    folders: tuple[str, ...] = field(default=())

    def materialize(self, root: Path) -> Path:
        folder = root / self.name.replace("/", "-")
        folder.mkdir(parents=True)
        for name in self.folders:
            (folder / name).mkdir()
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder


def cases() -> list[Case]:
    return [*graphdef_cases(), *npz_cases(), *ir_cases(), *checkpoint_cases()]


# ---- GraphDefs (tfc lower; GraphSession) ---------------------------------------------------------------
def graph_bytes(builder: GraphBuilder) -> bytes:
    return builder.graph.SerializeToString()


def graph_case(name: str, graph: bytes, error: str | None, fetch: str = "out:0", feed: dict | None = None) -> Case:
    def api(folder: Path):
        from tfc.runtime.graph_session import GraphSession

        return GraphSession.from_file(folder / "graph.pb", backend="interp").run([fetch], feed)

    return Case(f"graphdef/{name}", {"graph.pb": graph}, ("lower", "graph.pb", "--outputs", fetch), api, error)


def huge_const(dims: list[int]) -> bytes:
    """A Const whose declared shape is absurd (its content is empty: TensorFlow would fill zeros)."""
    g = GraphBuilder()
    proto = tensor_pb2.TensorProto(dtype=tf_dtype(np.float32))
    proto.tensor_shape.CopyFrom(shape_proto(dims))
    g.op("Const", name="huge", value=np.zeros(1, np.float32), dtype=np.float32)
    g.graph.node[-1].attr["value"].tensor.CopyFrom(proto)
    g.op("Identity", ["huge"], name="out", T=np.float32)
    return graph_bytes(g)


def huge_fill() -> bytes:
    g = GraphBuilder()
    dims = g.const(np.array([2 ** 40], np.int64), name="dims")
    one = g.const(np.float32(1), name="one")
    g.op("Fill", [dims, one], name="fill", T=np.float32, index_type=np.int64)
    g.op("Sum", ["fill", g.const(np.int32(0))], name="out", T=np.float32, Tidx=np.int32, keep_dims=False)
    return graph_bytes(g)


def one_node(op: str, inputs: list[str], **attrs) -> bytes:
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [2])
    g.op(op, [x if i == "x" else i for i in inputs], name="out", **attrs)
    return graph_bytes(g)


def cyclic() -> bytes:
    g = GraphBuilder()
    g.op("Identity", ["b"], name="a", T=np.float32)
    g.op("Identity", ["a"], name="b", T=np.float32)
    g.op("Identity", ["b"], name="out", T=np.float32)
    return graph_bytes(g)


def duplicate_names() -> bytes:
    graph = graph_pb2.GraphDef()
    graph.ParseFromString(one_node("Identity", ["x"], T=np.float32))
    graph.node.add().CopyFrom(graph.node[0])
    return graph.SerializeToString()


def graphdef_cases() -> list[Case]:
    seed = (SEED / "graph.pb").read_bytes()
    return [
        graph_case("const-2^40-elements", huge_const([2 ** 20, 2 ** 20]), "huge"),
        graph_case("const-dims-overflow-int64", huge_const([2 ** 40, 2 ** 40]), "huge"),
        graph_case("fill-4TB", huge_fill(), "fill"),
        graph_case("addv2-one-input", one_node("AddV2", ["x"], T=np.float32), "out", feed=X2),
        graph_case("matmul-three-inputs", one_node("MatMul", ["x", "x", "x"], T=np.float32), "out", feed=X2),
        graph_case("missing-attribute", one_node("Cast", ["x"], SrcT=np.float32), "out", feed=X2),
        graph_case("attribute-of-wrong-kind", one_node("Relu", ["x"], T=[1, 2]), "out", feed=X2),
        graph_case("unknown-op", one_node("NoSuchOp", ["x"]), "NoSuchOp", feed=X2),
        graph_case("dangling-input", one_node("Identity", ["ghost:0"], T=np.float32), "ghost", feed=X2),
        graph_case("input-index-out-of-range", one_node("Identity", ["x:3"], T=np.float32), "x:3", feed=X2),
        graph_case("cycle", cyclic(), "cycle"),
        graph_case("duplicate-node-names", duplicate_names(), "x"),
        graph_case("truncated", seed[: len(seed) // 2], "graph.pb", fetch="z:0"),
        graph_case("not-a-protobuf", b"\xff\xfe not a graph \x00" * 8, "graph.pb", fetch="z:0"),
        graph_case("empty-file", b"", "empty file", fetch="z:0"),
    ]


# ---- --inputs npz files (tfc run; GraphSession feeds) -------------------------------------------------
def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def expect_output(key: str, want: np.ndarray) -> Callable[[Path, object], None]:
    """The check of a run that must succeed: the CLI's out.npz, or the API's list of results."""
    def check(folder: Path, result) -> None:
        if result is None:
            with np.load(folder / "out.npz", allow_pickle=False) as data:
                result = [data[key]]
        assert result[0].dtype == want.dtype, (result[0].dtype, want.dtype)
        np.testing.assert_array_equal(result[0], want)
    return check


def feed_case(name: str, inputs: bytes | None, error: str | None, *, feed=None, graph: bytes | None = None,
              fetch: str = "z:0", want: np.ndarray | None = None, output: str = "out.npz", folders=()) -> Case:
    """``tfc run graph.pb --inputs in.npz --fetch z:0 -o out.npz``; the API feeds ``feed`` (or nothing)."""
    files = {"graph.pb": graph if graph is not None else (SEED / "graph.pb").read_bytes()}
    if inputs is not None:
        files["in.npz"] = inputs
    api = None
    if feed is not None:
        def api(folder: Path):
            from tfc.runtime.graph_session import GraphSession

            return GraphSession.from_file(folder / "graph.pb", backend="interp").run([fetch], feed)
    cli = ("run", "graph.pb", "--inputs", "in.npz", "--fetch", fetch, "-o", output, "--backend", "interp")
    check = None if want is None else expect_output(fetch, want)
    return Case(f"npz/{name}", files, cli, api, error, check, tuple(folders))


def int_graph() -> bytes:
    """y = 2 * x with x: int32[2, 2] — a float feed must be truncated to int32 first, as TensorFlow does."""
    g = GraphBuilder()
    x = g.placeholder("x", np.int32, [2, 2])
    g.op("Mul", [x, g.const(np.int32(2))], name="z", T=np.int32)
    return graph_bytes(g)


def npz_cases() -> list[Case]:
    good = npz(x=SEED_X)
    npy = io.BytesIO()
    np.save(npy, SEED_X)
    floats = np.array([[1.5, 2.5], [4.9, 7.1]])
    return [
        feed_case("truncated", good[: len(good) // 2], "in.npz"),
        feed_case("not-a-zip", b"x = [[1, 2], [3, 4]]\n", "in.npz"),
        feed_case("npy-not-npz", npy.getvalue(), "in.npz"),
        feed_case("pickled-object-array", npz(x=np.array([{"x": 1}], dtype=object)), "in.npz"),
        feed_case("unknown-feed-name", npz(nope=SEED_X), "nope", feed={"nope:0": SEED_X}),
        feed_case("string-into-float", npz(x=np.array([["a", "b"], ["c", "d"]])), "x", feed={"x:0": [["a", "b"], ["c", "d"]]}),
        feed_case("wrong-shape", npz(x=np.ones((3, 2), np.float32)), "x", feed={"x:0": np.ones((3, 2), np.float32)}),
        feed_case("big-endian", npz(x=SEED_X.astype(">f4")), None, feed={"x:0": SEED_X.astype(">f4")}, want=SEED_Z),
        feed_case("float64-into-float32", npz(x=SEED_X.astype(np.float64)), None, feed={"x:0": SEED_X.astype(np.float64)}, want=SEED_Z),
        feed_case("float-into-int32", npz(x=floats), None, feed={"x:0": floats}, graph=int_graph(),
                  want=np.array([[2, 4], [8, 14]], np.int32)),
        feed_case("output-is-a-directory", good, "out.npz", output="out.npz", folders=("out.npz",)),
        feed_case("output-in-missing-folder", good, "missing", output="missing/out.npz"),
    ]


# ---- IR texts (tfc opt, tfc translate; parse, verify and run) ----------------------------------------
def module(body: str, args: str = "%x: tensor<2xf32>", results: str = "tensor<2xf32>") -> str:
    """``main(args) -> results`` around ``body``, whose first line is line 4 of the text."""
    types = ", ".join(arg.split(": ", 1)[1] for arg in args.split(", "))
    return ('"builtin.module"() ({\n  "func.func"() ({\n  ^bb0(' + args + "):\n" + body +
            f'  }}) {{function_type = ({types}) -> {results}, sym_name = "main"}} : () -> ()\n}}) : () -> ()\n')


def nested_ifs(depth: int) -> str:
    """``depth`` tfc.if ops, each inside the then-branch of the one before."""
    inner = '"tfc.yield"(%x) : (tensor<2xf32>) -> ()\n'
    for _ in range(depth):
        inner = ('%r = "tfc.if"(%p) ({\n' + inner + '}, {\n"tfc.yield"(%x) : (tensor<2xf32>) -> ()\n}) : (tensor<i1>) -> tensor<2xf32>\n'
                 '"tfc.yield"(%r) : (tensor<2xf32>) -> ()\n')
    top = inner.rsplit('"tfc.yield"', 1)[0] + '"func.return"(%r) : (tensor<2xf32>) -> ()\n'
    return module(top, "%p: tensor<i1>, %x: tensor<2xf32>")


def nested_locations(depth: int) -> str:
    location = '"leaf"'
    for i in range(depth):
        location = f'"f{i}"({location})'
    location = f"loc({location})"
    return module(f'    %y = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32> {location}\n    "func.return"(%y) : (tensor<2xf32>) -> ()\n')


def nested_attribute(depth: int) -> str:
    attribute = "[" * depth + "1" + "]" * depth
    return module(f'    %y = "tfc.exp"(%x) {{_note = {attribute}}} : (tensor<2xf32>) -> tensor<2xf32>\n    "func.return"(%y) : (tensor<2xf32>) -> ()\n')


EXP = '    %y = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32>\n'
RETURN = '    "func.return"(%y) : (tensor<2xf32>) -> ()\n'


def ir_case(name: str, text: str, error: str | None, args=None, want=None) -> Case:
    """``tfc opt`` (and ``tfc translate``: both read IR); the API parses, verifies, lowers and runs."""
    def api(folder: Path):
        from tfc.backends import load
        from tfc.parser import parse_module
        from tfc.passmanager import PassManager, default_pipeline
        from tfc.verifier import verify

        parsed = parse_module((folder / "in.ir").read_text(), str(folder / "in.ir"))
        verify(parsed)
        PassManager(default_pipeline("core"), verify_each=True).run(parsed)
        return [np.asarray(r) for r in load(parsed, backend="interp").call(*(args or [np.ones(2, np.float32)]))]

    check = None if want is None else (lambda folder, result: result is None or np.testing.assert_allclose(result[0], want))
    return Case(f"ir/{name}", {"in.ir": text.encode()}, ("opt", "in.ir"), api, error, check)


def ir_cases() -> list[Case]:
    splat = '    %c = "tfc.constant"() {value = dense<1.0> : tensor<1000000x1000000xf32>} : () -> tensor<1000000x1000000xf32>\n'
    one = np.ones(2, np.float32)
    return [
        ir_case("splat-10^12-elements", module(splat + EXP + RETURN), "in.ir:4"),
        ir_case("return-mid-block", module(RETURN.replace("%y", "%x") + EXP + RETURN), "in.ir:4"),
        ir_case("add-one-operand", module('    %y = "tfc.add"(%x) : (tensor<2xf32>) -> tensor<2xf32>\n' + RETURN), "in.ir:4"),
        ir_case("add-three-operands", module('    %y = "tfc.add"(%x, %x, %x) : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n' + RETURN), "in.ir:4"),
        ir_case("result-type-mismatch", module('    %y = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<3xf32>\n' + RETURN), "in.ir:5"),
        ir_case("unknown-op", module('    %y = "tfc.no_such_op"(%x) : (tensor<2xf32>) -> tensor<2xf32>\n' + RETURN), "in.ir:4"),
        ir_case("syntax-error", module(EXP.replace(" : (", " : ) (") + RETURN), "in.ir:4"),
        ir_case("undefined-value", module(EXP.replace("(%x)", "(%nope)") + RETURN), "nope"),
        Case("ir/not-utf8", {"in.ir": b"\xff\xfe\x00"}, ("opt", "in.ir"), None, "in.ir"),
        ir_case("nested-regions-62", nested_ifs(62), None, args=[np.array(True), one], want=one),  # tfc's limit: runs
        ir_case("nested-regions-400", nested_ifs(400), "nested in 65 regions"),
        ir_case("nested-locations-60", nested_locations(60), None, want=np.exp(one)),
        ir_case("nested-locations-2000", nested_locations(2000), "in.ir:4"),
        ir_case("nested-attribute-60", nested_attribute(60), None, want=np.exp(one)),
        ir_case("nested-attribute-2000", nested_attribute(2000), "in.ir:4"),
    ]


# ---- checkpoints (runtime.checkpoint.load / restore_session) -----------------------------------------
def checkpoint(arrays: dict, manifest) -> bytes:
    """An npz holding ``arrays`` and, unless ``manifest`` is None, ``manifest`` as the __tfc__ entry."""
    entries = dict(arrays)
    if manifest is not None:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        entries["__tfc__"] = np.frombuffer(text.encode(), np.uint8)
    return npz(**entries)


W = np.arange(6, dtype=np.float32).reshape(2, 3)


def manifest_of(arrays: dict, version: int = 1) -> dict:
    return {"format": version, "variables": {k: {"dtype": v.dtype.str, "shape": list(v.shape)} for k, v in sorted(arrays.items())}}


def checkpoint_case(name: str, data: bytes, error: str | None) -> Case:
    def api(folder: Path):
        from tfc.runtime.checkpoint import load

        return load(folder / "model.npz")

    def check(folder: Path, result) -> None:
        np.testing.assert_array_equal(result["w"], W)

    return Case(f"checkpoint/{name}", {"model.npz": data}, None, api, error, None if error else check)


def checkpoint_cases() -> list[Case]:
    good = {"w": W}
    manifest = manifest_of(good)
    wrong_dtype = dict(manifest, variables={"w": {"dtype": "<i4", "shape": [2, 3]}})
    wrong_shape = dict(manifest, variables={"w": {"dtype": "<f4", "shape": [3, 2]}})
    full = checkpoint(good, manifest)
    return [
        checkpoint_case("valid", full, None),
        checkpoint_case("truncated", full[: len(full) // 2], "model.npz"),
        checkpoint_case("not-a-zip", b"not a checkpoint", "model.npz"),
        checkpoint_case("no-manifest", checkpoint(good, None), "manifest"),
        checkpoint_case("manifest-not-json", checkpoint(good, "{oops"), "manifest"),
        checkpoint_case("manifest-a-list", checkpoint(good, [1, 2]), "manifest"),
        checkpoint_case("manifest-without-variables", checkpoint(good, {"format": 1}), "variables"),
        checkpoint_case("variables-not-a-mapping", checkpoint(good, {"format": 1, "variables": ["w"]}), "variables"),
        checkpoint_case("entry-not-a-mapping", checkpoint(good, {"format": 1, "variables": {"w": 3}}), "w"),
        checkpoint_case("format-version-99", checkpoint(good, manifest_of(good, 99)), "format"),
        checkpoint_case("format-version-missing", checkpoint(good, {"variables": manifest["variables"]}), "format"),
        checkpoint_case("array-missing", checkpoint({}, manifest), "w"),
        checkpoint_case("array-not-in-manifest", checkpoint({"w": W, "extra": W}, manifest), "extra"),
        checkpoint_case("dtype-disagrees", checkpoint(good, wrong_dtype), "w"),
        checkpoint_case("shape-disagrees", checkpoint(good, wrong_shape), "w"),
        checkpoint_case("pickled-array", pickled_checkpoint(manifest), "w"),
    ]


def pickled_checkpoint(manifest: dict) -> bytes:
    """A checkpoint whose ``w`` is a pickled object array: loading it must never unpickle."""
    return checkpoint({"w": np.array([{"w": 1}], dtype=object)}, manifest)
