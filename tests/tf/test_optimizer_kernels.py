"""Optimizer kernels and partial variable writes beyond the op suite: bad inputs are clear errors
naming the node, indices out of range (constant: an error; computed at run time: skipped, as
TensorFlow's GPU kernels do), and constant indices, which take other paths than fed ones."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession

from .graphs import GraphBuilder, shape_attr
from .test_state import variable

F32 = np.float32
BACKENDS = ("interp", "xla")


class Fed:
    """An input fed at run time (a placeholder named ``ids``), not a constant."""

    def __init__(self, value: np.ndarray):
        self.value = value


def build(op: str, variables: dict, inputs: list, resource: bool = True, **attrs):
    """A graph with initialized ``variables`` (name -> initial value) and ``op`` (node ``step``)
    taking them, then ``inputs``: arrays made constants, or one :class:`Fed`."""
    g = GraphBuilder()
    inits = []
    for var_name, value in variables.items():
        inits.append(variable(g, var_name, value, resource)[1])
    operands = [g.placeholder("ids", i.value.dtype.type, i.value.shape) if isinstance(i, Fed) else g.const(i) for i in inputs]
    g.op(op, [*variables, *operands], name="step", **attrs)
    g.op("NoOp", [f"^{i}" for i in inits], name="init")
    return g


def run(g: GraphBuilder, fetch: list[str], fed: np.ndarray | None = None, backend: str = "xla") -> list[np.ndarray]:
    """Initialize, run ``step`` once (feeding ``ids`` if given), fetch the variables named."""
    session = GraphSession(GraphImporter(g.graph), backend=backend)
    session.run([], targets=["init"])
    session.run([], {} if fed is None else {"ids": fed}, ["step"])
    return session.run([f"{name}:0" for name in fetch])


def adagrad(var, accum, grad, indices=None, resource=True, **attrs):
    """A (Sparse)ApplyAdagrad graph, lr 0.5; ``indices`` an array or :class:`Fed`."""
    sparse = indices is not None
    op = ("Resource" if resource else "") + ("SparseApplyAdagrad" if sparse else "ApplyAdagrad")
    inputs = [np.float32(0.5), grad] + ([indices] if sparse else [])
    if sparse:
        attrs["Tindices"] = (indices.value if isinstance(indices, Fed) else indices).dtype.type
    return build(op, {"var": var, "accum": accum}, inputs, resource, T=F32, **attrs)


def adagrad_rows(var, accum, grad, indices):
    """numpy: SparseApplyAdagrad one index after another, indices out of range skipped."""
    var, accum = var.copy(), accum.copy()
    for row, g in zip(indices, grad):
        if 0 <= row < len(var):
            accum[row] += g * g
            var[row] -= 0.5 * g / np.sqrt(accum[row])
    return var, accum


def rows(n: int, width: int = 2, start: float = 1.0) -> np.ndarray:
    return (np.arange(n * width, dtype=F32).reshape(n, width) + start) / 4


# ---- errors naming the node -----------------------------------------------------------------------
def test_a_slot_of_another_shape_is_an_error():
    g = adagrad(rows(3), rows(3, 3), rows(3))
    with pytest.raises(TfcError, match=r"'step'.*var and accum do not have the same shape: \[3, 2\] vs \[3, 3\]"):
        run(g, ["var"])


def test_a_ref_slot_of_another_shape_is_an_error():
    g = build("ApplyMomentum", {"var": rows(2), "accum": rows(2, 1)}, [F32(0.1), rows(2), F32(0.9)], resource=False, T=F32)
    with pytest.raises(TfcError, match=r"'step'.*var and accum do not have the same shape"):
        run(g, ["var"])


def test_a_gradient_of_another_shape_is_an_error():
    with pytest.raises(TfcError, match=r"'step'.*var and grad do not have the same shape: \[3, 2\] vs \[2, 2\]"):
        run(adagrad(rows(3), rows(3), rows(2)), ["var"])


def test_a_learning_rate_that_is_not_a_scalar_is_an_error():
    g = build("ResourceApplyGradientDescent", {"var": rows(2)}, [np.ones(1, F32), rows(2)], T=F32)
    with pytest.raises(TfcError, match=r"'step'.*'alpha' must be a scalar"):
        run(g, ["var"])


def test_a_variable_of_another_dtype_is_an_error():
    g = build("ResourceApplyAdagrad", {"var": rows(2), "accum": rows(2).astype(np.float64)}, [F32(0.5), rows(2)], T=F32)
    with pytest.raises(TfcError, match=r"'step'.*'accum' holds f64 values, but T = f32"):
        run(g, ["var"])


def test_integer_variables_are_not_supported():
    ints = np.ones((2, 2), np.int32)
    g = build("ResourceApplyGradientDescent", {"var": ints}, [np.int32(1), ints], T=np.int32)
    with pytest.raises(TfcError, match=r"'step'.*T = i32 is not supported \(expected a floating-point or complex type"):
        run(g, ["var"])


@pytest.mark.parametrize("grad,indices,message", [
    (rows(2), np.array([0, 3], np.int32), r"indices \[3\] out of range \[0, 3\)"),
    (rows(2), np.array([-1, 0], np.int64), r"indices \[-1\] out of range \[0, 3\)"),
    (rows(3), np.array([0, 1], np.int32), r"grad must have shape \[2, 2\] \(one row of var per index\), got \[3, 2\]"),
    (rows(1, 4).reshape(2, 2), np.array([[0], [1]], np.int32), r"indices must be 1-dimensional"),
])
def test_sparse_kernel_errors(grad, indices, message):
    with pytest.raises(TfcError, match="'step'.*" + message):
        run(adagrad(rows(3), rows(3), grad, indices), ["var"])


def test_rows_without_elements_are_an_error_where_tensorflow_rejects_them():
    empty = np.zeros((3, 0), F32)
    with pytest.raises(TfcError, match=r"'step'.*var's rows must not be empty.*got shape \[3, 0\]"):
        run(adagrad(empty, empty, np.zeros((1, 0), F32), np.array([1], np.int32)), ["var"])


def test_a_sparse_kernel_needs_a_vector_or_more():
    g = adagrad(np.float32(1.0), np.float32(1.0), np.ones(1, F32), np.array([0], np.int32))
    with pytest.raises(TfcError, match=r"'step'.*var must be at least 1-dimensional"):
        run(g, ["var"])


@pytest.mark.parametrize("op,inputs", [
    ("ResourceApplyAdagrad", ["var", "accum", F32(0.5), rows(3)]),
    ("ResourceScatterAdd", ["var", np.array([0], np.int32), rows(1)]),
    ("AssignAddVariableOp", ["var", rows(3)]),
])
def test_a_variable_of_unknown_shape_is_an_error(op, inputs):
    g = GraphBuilder()
    for name in ("var", "accum"):
        g.op("VarHandleOp", name=name, dtype=F32, shape=shape_attr(None))
        g.op("AssignVariableOp", [name, g.const(rows(3))], name=f"{name}/Assign", dtype=F32)
    g.op(op, [i if isinstance(i, str) else g.const(i) for i in inputs], name="step", **{"T" if "Apply" in op else "dtype": F32})
    g.op("NoOp", ["^var/Assign", "^accum/Assign"], name="init")
    with pytest.raises(TfcError, match=r"'step'.*needs the variable's static shape"):
        run(g, ["var"])


def test_an_uninitialized_slot_is_named():
    g = adagrad(rows(2), rows(2), rows(2))
    g.graph.node.remove(next(n for n in g.graph.node if n.name == "init"))
    g.op("NoOp", ["^var/Assign"], name="init")
    with pytest.raises(TfcError, match="variable 'accum' is not initialized"):
        run(g, ["var"])


@pytest.mark.parametrize("op,indices,updates,message", [
    ("ResourceScatterAdd", np.array([1, 4], np.int32), rows(2), r"indices \[4\] out of range \[0, 3\)"),
    ("ScatterUpdate", np.array([0, 1], np.int64), rows(2, 3), r"updates must have shape \[2, 2\]"),
    ("ResourceScatterNdUpdate", np.array([[0, 2], [2, 1]], np.int32), np.ones(2, F32), r"indices \[\[0, 2\]\] out of range"),
    ("ScatterNdAdd", np.array([[0, 0, 0]], np.int32), np.ones(1, F32), "index depth 3 is larger than the variable's rank 2"),
    ("ScatterNdAdd", np.array([[0, 0]], np.int32), np.ones(1, F32), "bad_indices_policy must be .*, got 'SKIP'"),
])
def test_scatter_errors(op, indices, updates, message):
    resource = op.startswith("Resource")
    policy = {"bad_indices_policy": "SKIP"} if "SKIP" in message else {}
    g = build(op, {"var": rows(3)}, [indices, updates], resource, **{"dtype" if op.startswith("ResourceScatter") and "Nd" not in op else "T": F32},
              **policy)
    with pytest.raises(TfcError, match="'step'.*" + message):
        run(g, ["var"])


# ---- indices: constant, fed, out of range at run time ---------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("indices", [[2, 0], [1, 1, 0, 1]])
def test_constant_indices_match_fed_ones(backend, indices):
    """Unique constant indices take one gather and scatter; repeated ones the rounds fed ones take."""
    indices = np.array(indices, np.int64)
    var, accum, grad = rows(3), rows(3, start=2.0), rows(len(indices), start=-3.0)
    want = adagrad_rows(var, accum, grad, indices)
    got = run(adagrad(var, accum, grad, indices), ["var", "accum"], backend=backend)
    got_fed = run(adagrad(var, accum, grad, Fed(indices)), ["var", "accum"], indices, backend=backend)
    for value, value_fed, expected in zip(got, got_fed, want):
        np.testing.assert_allclose(value, expected, rtol=1e-6)
        np.testing.assert_allclose(value_fed, expected, rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_indices_out_of_range_at_run_time_are_skipped(backend):
    indices = np.array([5, 0, -1, 0, 3], np.int32)
    var, accum, grad = rows(3), rows(3, start=2.0), rows(5, start=-3.0)
    got = run(adagrad(var, accum, grad, Fed(indices), resource=False), ["var", "accum"], indices, backend=backend)
    for value, expected in zip(got, adagrad_rows(var, accum, grad, indices)):
        np.testing.assert_allclose(value, expected, rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scatter_indices_out_of_range_at_run_time_are_skipped(backend):
    indices = np.array([1, 3, 1], np.int32)
    scatter = build("ResourceScatterMul", {"var": rows(3)}, [Fed(indices), np.full((3, 2), 2, F32)], dtype=F32)
    got = run(scatter, ["var"], indices, backend=backend)
    np.testing.assert_array_equal(got[0], rows(3) * np.array([[1], [4], [1]], F32))


@pytest.mark.parametrize("backend", BACKENDS)
def test_scatter_nd_can_ignore_constant_indices_out_of_range(backend):
    indices = np.array([[2, 1], [3, 0], [0, -1]], np.int64)
    g = build("ResourceScatterNdAdd", {"var": rows(3)}, [indices, np.ones(3, F32)], T=F32, bad_indices_policy="IGNORE")
    want = rows(3)
    want[2, 1] += 1
    np.testing.assert_array_equal(run(g, ["var"], backend=backend)[0], want)
