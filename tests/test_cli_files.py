"""Every file the CLI reads or writes, every kind of bad one: ONE line on stderr naming the file, no
traceback, exit status 1 for bad content and 2 for a file that cannot be read or written at all, and
nothing left on disk (no output file, no temp file) by the failed command.

Each case builds its bad file in a fresh folder, runs the command in-process (click's CliRunner) and
checks the folder is exactly as it was before the command ran.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tensorboard.compat.proto import graph_pb2, meta_graph_pb2, summary_pb2

from tfc import files
from tfc.tools.cli import cli

from .test_cli import GOOD
from .tf.corpus import CORPUS

SEED = CORPUS / "seed_matmul_f32" / "graph.pb"  # z = matmul(x, x) + matmul(x, eye): x is f32[2, 2]
SMALL_CNN = CORPUS / "small_cnn" / "graph.pb"
X = np.ones((2, 2), np.float32)


def put(folder: Path, name: str, data: bytes | str) -> str:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "."), data)
    return buffer.getvalue()


def crc_broken_npz() -> bytes:
    data = bytearray(npz(x=np.full((2, 2), 7, np.float32)))
    data[data.index(np.float32(7).tobytes())] ^= 0xFF
    return bytes(data)


def meta_graph() -> bytes:
    """A MetaGraphDef (a .meta file) holding the seed graph: a protobuf, but not a GraphDef."""
    graph = graph_pb2.GraphDef()
    graph.ParseFromString(SEED.read_bytes())
    return meta_graph_pb2.MetaGraphDef(graph_def=graph).SerializeToString()


def summary() -> bytes:
    """A Summary: a protobuf that parses as a GraphDef whose one node has a name but no op."""
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)]).SerializeToString()


def read_only_folder(folder: Path, monkeypatch) -> Path:
    """A folder nothing can be written in. Root writes anywhere, so for root, creating a file there
    is refused as the kernel refuses it to everyone else (EACCES from the temp file's creation)."""
    path = folder / "read-only"
    path.mkdir()
    path.chmod(0o555)
    try:
        (path / "probe").touch()
    except PermissionError:
        return path
    (path / "probe").unlink()
    real = files.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)
    return path


def out_dir(folder: Path) -> str:
    (folder / "out").mkdir()
    return str(folder / "out")


def out_under_file(folder: Path) -> str:
    put(folder, "plain", "")
    return str(folder / "plain" / "out")


@dataclass
class Case:
    build: Callable  # (folder, monkeypatch) -> argv, building the files it names
    status: int  # 1: bad content; 2: a file that cannot be read or written
    message: str  # what the one line says after "{file}: error: " ({dir} is the case's folder)
    stdin: bytes | None = None


def graph_case(command: str, make: Callable, status: int, message: str, suffix: str = ".pb") -> Case:
    """``command`` (lower or run) on the graph file ``make(folder)`` writes (None: missing, "dir": a folder)."""

    def build(folder: Path, monkeypatch) -> list[str]:
        path = folder / f"graph{suffix}"
        data = make()
        if data == "dir":
            path.mkdir()
        elif data is not None:
            put(folder, path.name, data)
        extra = ["--inputs", put(folder, "in.npz", npz(x=X)), "--fetch", "z:0"] if command == "run" else []
        return [command, str(path), *extra, "-o", str(folder / "out")]

    return Case(build, status, f"{{dir}}/graph{suffix}{message}")


def ir_case(command: str, make: Callable, status: int, message: str) -> Case:
    def build(folder: Path, monkeypatch) -> list[str]:
        path = folder / "model.ir"
        data = make()
        if data == "dir":
            path.mkdir()
        elif data is not None:
            put(folder, path.name, data)
        extra = ["--to", "stablehlo"] if command == "translate" else []
        return [command, str(path), *extra, "-o", str(folder / "out")]

    return Case(build, status, "{dir}/model.ir" + message)


def inputs_case(make: Callable, status: int, message: str, graph: Path = SEED, name: str = "in.npz") -> Case:
    def build(folder: Path, monkeypatch) -> list[str]:
        path = folder / name
        data = make()
        if data == "dir":
            path.mkdir()
        elif data is not None:
            put(folder, name, data)
        return ["run", str(graph), "--inputs", str(path), "--fetch", "z:0", "-o", str(folder / "out")]

    return Case(build, status, f"{{dir}}/{name}{message}")


def output_case(command: str, target: Callable, message: str) -> Case:
    """``command`` on good input, writing to ``target(folder, monkeypatch)``, which cannot be written."""

    def build(folder: Path, monkeypatch) -> list[str]:
        out = target(folder, monkeypatch)
        if command == "run":
            return ["run", str(SEED), "--inputs", put(folder, "in.npz", npz(x=X)), "--fetch", "z:0", "-o", out]
        if command == "lower":
            return ["lower", str(SEED), "-o", out]
        extra = ["--to", "stablehlo"] if command == "translate" else []
        return [command, put(folder, "good.ir", GOOD), *extra, "-o", out]

    return Case(build, 2, message)


MISSING_FOLDER = (lambda folder, mp: str(folder / "no-such-folder" / "out"), "{dir}/no-such-folder/out: error: cannot write: No such file or directory")
A_FOLDER = (lambda folder, mp: out_dir(folder), "{dir}/out: error: cannot write: Is a directory")
READ_ONLY = (lambda folder, mp: str(read_only_folder(folder, mp) / "out"), "{dir}/read-only/out: error: cannot write: Permission denied")
UNDER_A_FILE = (lambda folder, mp: out_under_file(folder), "{dir}/plain/out: error: cannot write: Not a directory")

CASES = {
    # GraphDefs: tfc lower
    "lower: missing graph": graph_case("lower", lambda: None, 2, ": error: cannot read: No such file or directory"),
    "lower: graph is a folder": graph_case("lower", lambda: "dir", 2, ": error: cannot read: Is a directory"),
    "lower: empty graph": graph_case("lower", lambda: b"", 1, ": error: empty file, not a GraphDef"),
    "lower: truncated graph": graph_case("lower", lambda: SMALL_CNN.read_bytes()[:10_000], 1, ": error: malformed binary GraphDef (truncated, corrupt"),
    "lower: random bytes": graph_case("lower", lambda: np.random.default_rng(0).bytes(300), 1, ": error: malformed binary GraphDef"),
    "lower: text in a .pb": graph_case("lower", lambda: 'node { name: "x" op: "Placeholder" }\n', 1,
                                       ": error: not a binary GraphDef: the file is text (a text GraphDef should end in .pbtxt)"),
    "lower: text that is not pbtxt": graph_case("lower", lambda: "hello world\n", 1, ":1:1: error: malformed text GraphDef: Message type \"tensorboard.GraphDef\" has no field named \"hello\"", ".pbtxt"),
    "lower: pbtxt cut short": graph_case("lower", lambda: 'node {\n  name: "x"\n', 1, ":2:9: error: malformed text GraphDef: Expected \"}\"", ".pbtxt"),
    "lower: pbtxt not utf-8": graph_case("lower", lambda: b'node { name: "\xff" }', 1, ":1:15: error: not UTF-8 text (byte 0xff", ".pbtxt"),
    "lower: a MetaGraphDef": graph_case("lower", meta_graph, 1, ": error: malformed binary GraphDef (truncated, corrupt or another kind of protobuf)"),
    "lower: a Summary": graph_case("lower", summary, 1, ": node 'loss': error: node #0 has no op type"),
    # GraphDefs: tfc run
    "run: missing graph": graph_case("run", lambda: None, 2, ": error: cannot read: No such file or directory"),
    "run: graph is a folder": graph_case("run", lambda: "dir", 2, ": error: cannot read: Is a directory"),
    "run: empty graph": graph_case("run", lambda: b"", 1, ": error: empty file, not a GraphDef"),
    "run: truncated graph": graph_case("run", lambda: SEED.read_bytes()[:200], 1, ": error: malformed binary GraphDef"),
    "run: random bytes": graph_case("run", lambda: np.random.default_rng(1).bytes(300), 1, ": error: malformed binary GraphDef"),
    "run: text in a .pb": graph_case("run", lambda: "not a graph\n", 1, ": error: not a binary GraphDef: the file is text"),
    "run: a MetaGraphDef": graph_case("run", meta_graph, 1, ": error: malformed binary GraphDef"),
    # IR files: tfc opt, tfc translate
    "opt: missing file": ir_case("opt", lambda: None, 2, ": error: cannot read: No such file or directory"),
    "opt: a folder": ir_case("opt", lambda: "dir", 2, ": error: cannot read: Is a directory"),
    "opt: binary": ir_case("opt", lambda: b"\x00\x01\xff\xfe", 1, ":1:3: error: not UTF-8 text (byte 0xff: invalid start byte)"),
    "opt: latin-1 text": ir_case("opt", lambda: GOOD.encode().replace(b"m.py", b"\xe9.py"), 1, ":4:64: error: not UTF-8 text (byte 0xe9"),
    "translate: missing file": ir_case("translate", lambda: None, 2, ": error: cannot read: No such file or directory"),
    "translate: a folder": ir_case("translate", lambda: "dir", 2, ": error: cannot read: Is a directory"),
    "translate: binary": ir_case("translate", lambda: b"\xff" * 10, 1, ":1:1: error: not UTF-8 text (byte 0xff"),
    "opt: binary stdin": Case(lambda folder, mp: ["opt", "-", "-o", str(folder / "out")], 1, "<stdin>:2:1: error: not UTF-8 text (byte 0xfe", b"\n\xfe"),
    # --inputs of tfc run
    "inputs: missing": inputs_case(lambda: None, 2, ": error: cannot read: No such file or directory"),
    "inputs: a folder": inputs_case(lambda: "dir", 2, ": error: cannot read: Is a directory"),
    "inputs: empty": inputs_case(lambda: b"", 1, ": error: empty file, not an .npz archive"),
    "inputs: truncated zip": inputs_case(lambda: npz(x=X)[:150], 1, ": error: truncated or corrupt .npz archive"),
    "inputs: not a zip": inputs_case(lambda: "x:0 = [[1, 2], [3, 4]]\n", 1, ": error: not an .npz archive (np.savez writes a zip file"),
    "inputs: an .npy": inputs_case(lambda: npy(X), 1, ": error: a single .npy array, not an .npz archive", name="in.npy"),
    "inputs: pickled objects": inputs_case(lambda: npz(x=np.array([{"a": 1}, None], object)), 1,
                                           ": error: array 'x' holds Python objects (pickled data), which tfc never loads"),
    "inputs: a member that is no array": inputs_case(lambda: zip_of(x__npy=npy(X), notes__txt=b"hi"), 1, ": error: member 'notes.txt' is not a .npy array"),
    "inputs: corrupt data": inputs_case(crc_broken_npz, 1, ": error: array 'x' is truncated or corrupt: Bad CRC-32"),
    "inputs: array cut short": inputs_case(lambda: zip_of(x__npy=npy(X)[:-3]), 1, ": error: array 'x' is truncated or corrupt: it has 13 bytes of data"),
    "inputs: key names no node": inputs_case(lambda: npz(x=X, nosuch=X), 1, ": error: feed 'nosuch:0' names no tensor of the graph (there is no node 'nosuch')"),
    "inputs: key names no output": inputs_case(lambda: npz(**{"x:1": X}), 1, ": error: feed 'x:1' names no tensor of the graph (Placeholder 'x' has one output"),
    "inputs: placeholder not fed": inputs_case(lambda: npz(), 1, "", graph=SEED),  # its message names the graph: below
    "inputs: wrong shape": inputs_case(lambda: npz(x=np.ones((3, 5), np.float32)), 1,
                                       ": error: cannot feed a value of shape [3, 5] to 'x:0', which has shape [2, 2]"),
    "inputs: wrong rank": inputs_case(lambda: npz(x=np.ones(4, np.float32)), 1, ": error: cannot feed a value of shape [4] to 'x:0'"),
    "inputs: strings": inputs_case(lambda: npz(x=np.array([["a", "b"], ["c", "d"]])), 1,
                                   ": error: cannot feed 'x:0' a value of dtype <U1: feeds are numbers or booleans"),
    "inputs: datetimes": inputs_case(lambda: npz(x=np.zeros((2, 2), "datetime64[s]")), 1, ": error: cannot feed 'x:0' a value of dtype datetime64[s]"),
    "inputs: complex for float": inputs_case(lambda: npz(x=X.astype(np.complex64)), 1,
                                             ": error: cannot feed 'x:0' (float32 tensor) a complex64 value: it would drop the imaginary part"),
    # -o that cannot be written
    **{f"{command} -o: {what}": output_case(command, *target)
       for command in ("opt", "translate", "lower", "run")
       for what, target in (("missing folder", MISSING_FOLDER), ("a folder", A_FOLDER), ("read-only folder", READ_ONLY), ("under a file", UNDER_A_FILE))},
}
CASES["inputs: placeholder not fed"].message = f"{SEED}: node 'x': error: you must feed a value for placeholder 'x' of type tensor<2x2xf32> (needed by z:0)"


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, name):
    case = CASES[name]
    folder = tmp_path / "case"
    folder.mkdir()
    argv = case.build(folder, monkeypatch)
    before = snapshot(folder)
    result = CliRunner().invoke(cli, argv, input=case.stdin, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the very thing this test is about
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    message = case.message.replace("{dir}", str(folder))
    assert lines[0].startswith(message if ": error: " in message else message + ": error: "), f"{lines[0]!r} does not start with {message!r}"
    assert result.exit_code == case.status, (result.exit_code, lines[0])
    assert result.stdout == ""
    assert snapshot(folder) == before  # no output file, no temp file, nothing changed


def test_the_table_has_both_statuses():
    assert {case.status for case in CASES.values()} == {1, 2}


def test_good_inputs_still_run(tmp_path):
    """The checks refuse only bad files: the same commands on good ones succeed and write their output."""
    inputs = put(tmp_path, "in.npz", npz(x=np.array([[5, 6], [7, 8]], np.int32)))  # an int value feeds a float placeholder
    out = tmp_path / "out.npz"
    result = CliRunner().invoke(cli, ["run", str(SEED), "--inputs", inputs, "--fetch", "z:0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        np.testing.assert_array_equal(data["z:0"], [[72, 84], [98, 114]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.npz", "out.npz"]


def test_output_to_a_device_is_written_not_replaced(tmp_path):
    """``-o /dev/null`` writes to the device: replacing it with a file (as root could) would be a disaster."""
    before = os.stat(os.devnull)
    for argv in (["lower", str(SEED)], ["opt", put(tmp_path, "good.ir", GOOD)]):
        result = CliRunner().invoke(cli, [*argv, "-o", os.devnull])
        assert result.exit_code == 0, result.output
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_files_without_read_permission_exit_2(tmp_path):
    graph, inputs, ir = put(tmp_path, "graph.pb", SEED.read_bytes()), put(tmp_path, "in.npz", npz(x=X)), put(tmp_path, "m.ir", GOOD)
    for path in (graph, inputs, ir):
        os.chmod(path, 0)
    for argv, path in ((["lower", graph], graph), (["run", str(SEED), "--inputs", inputs, "--fetch", "z:0"], inputs), (["opt", ir], ir)):
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 2 and result.stderr == f"{path}: error: cannot read: Permission denied\n", result.output


def test_inputs_from_a_pipe(tmp_path):
    """An ``--inputs`` that cannot seek (a pipe) is read whole first: zipfile needs to seek."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    fifo = tmp_path / "in.npz"
    os.mkfifo(fifo)
    data = npz(x=X)
    writer = threading.Thread(target=lambda: fifo.write_bytes(data), daemon=True)
    writer.start()
    try:
        result = CliRunner().invoke(cli, ["run", str(SEED), "--inputs", str(fifo), "--fetch", "z:0"])
    finally:
        writer.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert result.stdout == "z:0 = [[3. 3.]\n [3. 3.]]\n"  # ones @ ones + ones @ eye
