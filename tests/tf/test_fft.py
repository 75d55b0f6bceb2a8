"""FFT, IFFT, RFFT, IRFFT (1-3D) beyond the op suite: zero-padding to fft_length (TensorFlow's XLA
bridge pads, its CPU kernels refuse to, so numpy is the reference), gradients of imported graphs
through legalization, and the errors, each naming the node. The op suite (family ``fft``) checks
values against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends import load
from tfc.diagnostics import TfcError
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import GraphBuilder, import_and_legalize
from .test_array import I32, Feed, run_op

RNG = np.random.default_rng(0)
C64 = np.complex64


def _complex(shape, dtype=np.complex128):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("op, shape, lengths", [("RFFT", (2, 5), [8]), ("RFFT2D", (3, 2, 5), [4, 3]),
                                                ("RFFT3D", (1, 2, 3), [3, 2, 4])])
def test_rfft_pads_with_zeros(op, shape, lengths):
    x = RNG.standard_normal(shape).astype(np.float32)
    got = run_op(op, [Feed(x), np.array(lengths, I32)], Tcomplex=C64)
    axes = tuple(range(-len(lengths), 0))
    np.testing.assert_allclose(got, np.fft.rfftn(x, lengths, axes), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op, shape, lengths", [("IRFFT", (2, 3), [8]), ("IRFFT2D", (3, 2, 5), [4, 7]),
                                                ("IRFFT3D", (1, 2, 3), [3, 2, 9])])
def test_irfft_pads_with_zeros(op, shape, lengths):
    x = _complex(shape, C64)
    got = run_op(op, [Feed(x), np.array(lengths, I32)], Treal=np.float32)
    axes = tuple(range(-len(lengths), 0))
    np.testing.assert_allclose(got, np.fft.irfftn(x, lengths, axes), rtol=1e-5, atol=1e-5)


# ---- gradients of imported graphs ----------------------------------------------------------------
F32 = np.float32
_RANK = {"": 1, "2D": 2, "3D": 3}


def _kind_and_rank(op):
    kind = op[: op.index("FFT") + 3]
    return kind, _RANK[op[len(kind):]]


def _numpy_transform(op, lengths):
    kind, rank = _kind_and_rank(op)
    axes = tuple(range(-rank, 0))
    return {"FFT": lambda x: np.fft.fftn(x, axes=axes), "IFFT": lambda x: np.fft.ifftn(x, axes=axes),
            "RFFT": lambda x: np.fft.rfftn(x, lengths, axes), "IRFFT": lambda x: np.fft.irfftn(x, lengths, axes)}[kind]


def _loss_graph(op, shape, lengths, weights):
    """sum(w * op(x)) with x real or Complex(re, im), a complex result taken apart as Real and Imag."""
    kind, _ = _kind_and_rank(op)
    g = GraphBuilder()
    parts = [g.placeholder(name, F32, shape) for name in (("x",) if kind == "RFFT" else ("re", "im"))]
    x = parts[0] if kind == "RFFT" else g.op("Complex", parts, T=F32, Tout=C64)
    args = [x] if lengths is None else [x, g.const(np.array(lengths, I32))]
    y = g.op(op, args, **({"Treal": F32} if kind == "IRFFT" else {"Tcomplex": C64} if kind == "RFFT" else {}))
    outs = [y] if kind == "IRFFT" else [g.op(part, [y], T=C64, Tout=F32) for part in ("Real", "Imag")]
    terms = [g.op("Sum", [g.op("Mul", [out, g.const(w)], T=F32), g.const(np.arange(w.ndim, dtype=I32))], T=F32, Tidx=I32)
             for out, w in zip(outs, weights)]
    loss = g.op("AddN", terms, T=F32, N=len(terms)) if len(terms) > 1 else terms[0]
    return g, loss, [f"{p}:0" for p in parts]


def _numpy_gradients(transform, shape, weights, n_inputs):
    """The loss is linear, so its exact gradient is its value at each unit input."""
    def loss(x):
        y = transform(x)
        return np.sum(weights[0] * y) if len(weights) == 1 else np.sum(weights[0] * y.real) + np.sum(weights[1] * y.imag)

    gradients = []
    for unit in (1.0, 1j)[:n_inputs]:
        gradient = np.zeros(shape)
        for position in np.ndindex(shape):
            e = np.zeros(shape, complex)
            e[position] = unit
            gradient[position] = loss(e if n_inputs == 2 else e.real)
        gradients.append(gradient)
    return gradients


@pytest.mark.parametrize("op, shape, lengths", [
    ("FFT", (2, 5), None), ("IFFT2D", (2, 3, 2), None), ("FFT3D", (2, 2, 3), None),
    ("RFFT", (2, 6), [6]), ("RFFT2D", (3, 5), [4, 4]), ("RFFT3D", (2, 2, 3), [2, 2, 3]),
    ("IRFFT", (2, 4), [6]), ("IRFFT2D", (3, 3), [2, 5]), ("IRFFT3D", (2, 2, 2), [2, 2, 2]),
])
def test_gradients_through_legalization(op, shape, lengths):
    transform = _numpy_transform(op, lengths)
    result_shape = transform(np.zeros(shape)).shape
    weights = [RNG.standard_normal(result_shape).astype(F32) for _ in range(1 if op.startswith("IRFFT") else 2)]
    g, loss, inputs = _loss_graph(op, shape, lengths, weights)
    feeds = {name: RNG.standard_normal(shape).astype(F32) for name in inputs}
    result = import_and_legalize(g.graph, feeds, [f"{loss}:0"])
    add_gradients(result.module)
    PassManager("canonicalize", verify_each=True).run(result.module)
    got = [np.asarray(v) for v in load(result.module, backend="xla").call(*[feeds[n] for n in result.feeds])][1:]
    for g_got, want in zip(got, _numpy_gradients(transform, shape, weights, len(inputs)), strict=True):
        np.testing.assert_allclose(g_got, want, rtol=1e-4, atol=1e-4)


# ---- errors --------------------------------------------------------------------------------------
def test_errors_name_the_node():
    with pytest.raises(TfcError, match=r"f1.*input must have rank >= 2, got shape \[4\]"):
        run_op("FFT2D", [Feed(_complex(4, C64))], name="f1")
    with pytest.raises(TfcError, match="f2.*'Tcomplex' = float is not allowed"):
        run_op("FFT", [Feed(np.ones(4, np.float32))], name="f2", Tcomplex=np.float32)
    with pytest.raises(TfcError, match=r"r1.*fft_length must have 2 entries, got \[4\]"):
        run_op("RFFT2D", [Feed(np.ones((2, 4), np.float32)), np.array([4], I32)], name="r1")
    with pytest.raises(TfcError, match=r"r2.*fft_length must be positive, got \[0\]"):
        run_op("RFFT", [Feed(np.ones(4, np.float32)), np.array([0], I32)], name="r2")
    with pytest.raises(TfcError, match="r3.*fft_length.*must be a constant"):
        run_op("RFFT", [Feed(np.ones(4, np.float32)), Feed(np.array([4], I32))], name="r3")
    with pytest.raises(TfcError, match="r4.*Tcomplex must be complex<f32> for a f32 input, got complex<f64>"):
        run_op("RFFT", [Feed(np.ones(4, np.float32)), np.array([4], I32)], name="r4", Tcomplex=np.complex128)
    with pytest.raises(TfcError, match="i1.*Treal must be f32 for a complex<f32> input, got f64"):
        run_op("IRFFT", [Feed(_complex(3, C64)), np.array([4], I32)], name="i1", Treal=np.float64)
    with pytest.raises(TfcError, match=r"i2.*input must have rank >= 3, got shape \[2, 3\]"):
        run_op("IRFFT3D", [Feed(_complex((2, 3), C64)), np.array([2, 2, 4], I32)], name="i2")
