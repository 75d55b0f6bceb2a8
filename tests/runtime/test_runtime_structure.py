"""The runtime's shared pieces: one backend loader, one step builder and variable store (GraphSession
donates variable buffers too), the default session, atomic writes, and a Tensor whose methods do
not depend on what was imported."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import tfc
from tfc import files
from tfc.backends import load
from tfc.compat.v1 import get_default_session
from tfc.diagnostics import BackendError
from tfc.parser import parse_module
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession

from ..tf.corpus import CORPUS

ADD = parse_module("""\
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<2xf32>, %y: tensor<2xf32>):
    %s = "tfc.add"(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%s) : (tensor<2xf32>) -> ()
  }) {function_type = (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
""")
ONES = np.ones(2, np.float32)


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_load_gives_the_same_callable_on_both_backends(backend):
    loaded = load(ADD, backend=backend)
    np.testing.assert_array_equal(loaded.call(ONES, ONES)[0], [2, 2])
    np.testing.assert_array_equal(loaded.call_single(ONES, ONES), [2, 2])
    with pytest.raises(TypeError, match="argument 0"):
        loaded.call(np.ones(3, np.float32), ONES)


def test_load_refuses_unknown_backends_and_devices():
    with pytest.raises(BackendError, match="unknown backend 'tpu7'"):
        load(ADD, backend="tpu7")
    with pytest.raises(BackendError, match="does not exist"):
        load(ADD, device="cpu:99")


def test_xla_donates_what_it_is_told_to():
    from tfc.backends import device_put

    loaded = load(ADD, backend="xla", donate=[0])
    x = device_put(ONES)
    loaded.call(x, ONES)
    assert x.is_deleted()


def test_graph_session_donates_variable_buffers():
    """TF1 training through GraphSession updates the variables in place (their buffers are donated)."""
    case = CORPUS / "linreg_sgd_train"
    with np.load(case / "inputs.npz") as data:
        feeds = {"x:0": data["x"], "y:0": data["y"]}
    session = GraphSession.from_file(case / "graph.pb")
    session.run([], {}, ["init"])
    before = dict(session.variables)
    session.run([], feeds, ["train_step"])
    assert before and all(value.is_deleted() for value in before.values())
    assert all(not value.is_deleted() for value in session.variables.values())


def test_both_sessions_report_uninitialized_variables_the_same_way():
    session = GraphSession.from_file(CORPUS / "linreg_sgd_train" / "graph.pb")
    with pytest.raises(SessionError, match="variable '.*' is not initialized"):
        session.run(["loss:0"], {"x:0": np.zeros((16, 3), np.float32), "y:0": np.zeros((16, 1), np.float32)})
    g = tfc.Graph()
    with g.as_default():
        v = tfc.Variable(1.0, name="v")
    with pytest.raises(tfc.SessionError, match="variable 'v' is not initialized"):
        tfc.Session(graph=g).run(v)
    assert tfc.SessionError is SessionError


def test_sessions_are_the_default_inside_with():
    with tfc.Graph().as_default() as g:
        x = tfc.placeholder(tfc.float32, [], name="x")
        tripled = x * 3.0
    assert get_default_session() is None
    with tfc.Session(graph=g) as sess:
        assert get_default_session() is sess and tfc.get_default_session() is sess
        assert float(tripled.eval({x: 2.0})) == 6.0
    assert get_default_session() is None


def test_tensor_methods_do_not_depend_on_imports():
    """A fresh interpreter that imports only the tensor module sees every method and operator."""
    code = (
        "import tfc.frontend.tensor as t, sys\n"
        "names = ['__add__', '__radd__', '__matmul__', '__getitem__', '__mod__', '__floordiv__', '__neg__', 'T',\n"
        "         'reshape', 'sum', 'get_shape']\n"
        "missing = [n for n in names if n not in vars(t.Tensor)]\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('tfc.') and m.count('.') > 0)\n"
        "print(missing, [m for m in loaded if m.startswith(('tfc.runtime', 'tfc.compat', 'tfc.frontend.api'))])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[] []", result.stdout + result.stderr


def test_atomic_write_replaces_whole_files_with_normal_permissions(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    files.write_atomically(target, "first")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text() == "first" and target.stat().st_mode & 0o777 == 0o666 & ~mask
    with pytest.raises(RuntimeError), files.atomic_write(target) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "first" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
