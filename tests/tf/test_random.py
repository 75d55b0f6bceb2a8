"""TensorFlow's random ops (frontend/tf/ops/random.py): the Philox generator against its published
known answers, bfloat16 values against TensorFlow's (the op suite cannot store bfloat16), the
statistics of each distribution, seeding, and clear errors. The op suite checks the other values."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from tensorboard.compat.proto import attr_value_pb2, tensor_pb2, types_pb2

import tfc
from tfc.backends.xla.backend import compile_module
from tfc.frontend import api as tnp
from tfc.frontend.autodiff import add_gradients
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.ops.philox import philox
from tfc.passmanager import PassManager
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .graphs import GraphBuilder, initial_op_state, run_graph, shape_proto

BF16 = attr_value_pb2.AttrValue(type=types_pb2.DT_BFLOAT16)


# ---- the generator -------------------------------------------------------------------------------
# Philox4x32-10 known answers from Random123 (counter, key, output).
KNOWN_ANSWERS = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0], [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


@pytest.mark.parametrize("backend", ["interp", "xla"])
def test_philox_known_answers(backend):
    counters = np.array([c for c, _, _ in KNOWN_ANSWERS], np.uint64).T
    keys = np.array([k for _, k, _ in KNOWN_ANSWERS], np.uint64).T

    def blocks(counter, key):
        return tnp.stack(philox([counter[i] for i in range(4)], [key[0], key[1]]), axis=-1)

    got = np.asarray(tfc.compile(blocks, backend=backend)(counters, keys))
    np.testing.assert_array_equal(got, np.array([out for _, _, out in KNOWN_ANSWERS], np.uint64))


# ---- graphs ----------------------------------------------------------------------------------------
def stateless(op: str, shape, dtype=np.float32, seed=(7, -3), **inputs) -> tuple:
    g = GraphBuilder()
    names = [g.const(np.asarray(shape, np.int32)), g.const(np.asarray(seed, np.int64))]
    names += [g.const(v) for v in inputs.values()]
    return g, g.op(op, names, name="random", dtype=dtype, T=np.int32, Tseed=np.int64)


def run(g: GraphBuilder, node: str, outputs: int = 1):
    fetches = [node] if outputs == 1 else [f"{node}:{i}" for i in range(outputs)]
    results = run_graph(g.graph, {}, fetches)
    return results[0] if outputs == 1 else results


# TensorFlow 2.21's outputs for seed [7, -3], shape [7], as bfloat16 bit patterns.
BF16_WANT = {
    "StatelessRandomUniform": [0x3F36, 0x3F6C, 0x3F10, 0x3ED0, 0x3E78, 0x3D20, 0x3F04],
    "StatelessRandomNormal": [0x3F04, 0x3F98, 0x3F1D, 0x3EE8, 0x3F6E, 0xBEDE, 0xBF01],
    "StatelessTruncatedNormal": [0x3F04, 0x3F98, 0x3F1D, 0x3EE8, 0x3F82, 0xBC92, 0x3BD2],
}


@pytest.mark.parametrize("op", sorted(BF16_WANT))
def test_bfloat16_matches_tensorflow(op):
    got = run(*stateless(op, [7], dtype=BF16))
    want = np.array(BF16_WANT[op], np.uint16).view(ml_dtypes.bfloat16)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), rtol=1e-2)


# ---- statistics ------------------------------------------------------------------------------------
N = 20000


def test_uniform_statistics():
    x = run(*stateless("StatelessRandomUniform", [N]))
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_statistics(dtype):
    x = run(*stateless("StatelessRandomNormal", [N], dtype=dtype))
    assert x.dtype == dtype
    assert abs(x.mean()) < 0.03 and abs(x.std() - 1) < 0.03


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_truncated_normal_statistics(dtype):
    x = run(*stateless("StatelessTruncatedNormal", [N], dtype=dtype))
    assert np.abs(x).max() < 2 and np.isfinite(x).all()
    assert abs(x.mean()) < 0.03 and abs(x.std() - 0.8796) < 0.02  # the std of a normal cut at 2 sigma


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_uniform_int_statistics(dtype):
    x = run(*stateless("StatelessRandomUniformInt", [N], dtype=dtype, minval=dtype(-3), maxval=dtype(5)))
    assert x.dtype == dtype and x.min() == -3 and x.max() == 4
    np.testing.assert_allclose(np.bincount(x + 3) / N, 1 / 8, atol=0.015)


def test_multinomial_frequencies():
    g = GraphBuilder()
    logits = g.const(np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], np.float32)))
    node = g.op("StatelessMultinomial", [logits, g.const(np.int32(N // 2)), g.const(np.array([1, 2], np.int64))],
                T=np.float32, Tseed=np.int64, output_dtype=np.int64)
    x = run(g, node)
    assert x.shape == (2, N // 2) and x.dtype == np.int64
    np.testing.assert_allclose(np.bincount(x[0], minlength=3) / (N // 2), [0.1, 0.2, 0.7], atol=0.02)
    np.testing.assert_allclose(np.bincount(x[1], minlength=3) / (N // 2), [0.5, 0.5, 0.0], atol=0.02)


def test_shuffle_permutes_rows():
    g = GraphBuilder()
    value = np.arange(40, dtype=np.float32).reshape(20, 2)
    node = g.op("RandomShuffle", [g.const(value)], T=np.float32, seed=3, seed2=4)
    x = run(g, node)
    assert not np.array_equal(x, value)
    np.testing.assert_array_equal(x[np.argsort(x[:, 0])], value)


# ---- seeding ---------------------------------------------------------------------------------------
def stateful_pair(first: dict, second: dict, names=("a", "b")):
    g = GraphBuilder()
    shape = g.const(np.array([50], np.int32))
    nodes = [g.op("RandomUniform", [shape], name=name, dtype=np.float32, T=np.int32, **seeds) for name, seeds in zip(names, (first, second))]
    return run_graph(g.graph, {}, nodes)


def test_stateful_seeds_choose_the_stream():
    a, b = stateful_pair(dict(seed=5, seed2=9), dict(seed=5, seed2=9))
    np.testing.assert_array_equal(a, b)
    a, b = stateful_pair(dict(seed=5, seed2=9), dict(seed=5, seed2=10))
    assert not np.allclose(a, b)
    again, _ = stateful_pair(dict(seed=5, seed2=9), dict(seed=1, seed2=1))
    np.testing.assert_array_equal(a, again)


def test_unseeded_ops_differ_by_node_name():
    a, b = stateful_pair(dict(seed=0, seed2=0), dict(seed=0, seed2=0))
    assert not np.allclose(a, b)
    again, _ = stateful_pair(dict(seed=0, seed2=0), dict(seed=0, seed2=0), names=("a", "c"))
    np.testing.assert_array_equal(a, again)


def test_key_counter_feeds_the_v2_ops():
    """V1(seed) == V2(StatelessRandomGetKeyCounterAlg(seed)), as in TensorFlow."""
    g, v1 = stateless("StatelessRandomNormal", [3, 4])
    key_counter = g.op("StatelessRandomGetKeyCounterAlg", [g.const(np.array([7, -3], np.int64))], Tseed=np.int64)
    v2 = g.op("StatelessRandomNormalV2", [g.const(np.array([3, 4], np.int32)), key_counter, f"{key_counter}:1", f"{key_counter}:2"],
              dtype=np.float32, Tshape=np.int32)
    first, second = run_graph(g.graph, {}, [v1, v2])
    np.testing.assert_array_equal(first, second)


# ---- errors ----------------------------------------------------------------------------------------
def v2_graph(alg: int):
    g = GraphBuilder()
    key_counter = g.op("StatelessRandomGetKeyCounter", [g.const(np.array([1, 2], np.int64))], Tseed=np.int64)
    node = g.op("StatelessRandomUniformV2", [g.const(np.array([3], np.int32)), key_counter, f"{key_counter}:1", g.const(np.int32(alg))],
                name="node", dtype=np.float32, Tshape=np.int32)
    return g, node


def test_threefry_is_refused():
    with pytest.raises(Exception, match=r"'node'.*alg 2 \(ThreeFry\) is not supported"):
        run(*v2_graph(2))
    run(*v2_graph(3))  # AUTO_SELECT is Philox on CPU


@pytest.mark.parametrize("build, message", [
    (lambda g: g.op("StatelessRandomUniformInt", [g.const(np.array([3], np.int32)), g.const(np.array([1, 2], np.int64)),
                                                  g.const(np.int32(5)), g.const(np.int32(5))], name="node", dtype=np.int32, Tseed=np.int64),
     r"'node'.*needs minval < maxval, got minval 5 and maxval 5"),
    (lambda g: g.op("StatelessRandomUniform", [g.const(np.array([3], np.int32)), g.const(np.array([1, 2, 3], np.int64))],
                    name="node", dtype=np.float32, Tseed=np.int64),
     r"'node'.*seed must have shape \[2\], got \[3\]"),
    (lambda g: g.op("StatelessMultinomial", [g.const(np.zeros(3, np.float32)), g.const(np.int32(2)), g.const(np.array([1, 2], np.int64))],
                    name="node", T=np.float32, Tseed=np.int64),
     r"'node'.*logits must be 2-D"),
    (lambda g: g.op("RandomUniform", [g.placeholder("shape", np.int32, [2])], name="node", dtype=np.float32, T=np.int32),
     r"'node'.*shape .*must be a constant"),
])
def test_errors_name_the_node(build, message):
    g = GraphBuilder()
    node = build(g)
    with pytest.raises(Exception, match=message):
        feeds = {"shape:0": np.array([2, 2], np.int32)} if "shape" in [n.name for n in g.graph.node] else {}
        run_graph(g.graph, feeds, [node])


def test_unsigned_seeds_are_refused():
    """StatelessRandomUniformFullInt's OpDef allows uint32/uint64 seeds, but TensorFlow's kernel refuses them."""
    g = GraphBuilder()
    seed = tensor_pb2.TensorProto(dtype=types_pb2.DT_UINT32, tensor_shape=shape_proto((2,)),
                                  tensor_content=np.array([1, 2], "<u4").tobytes())
    seed_node = g.op("Const", value=attr_value_pb2.AttrValue(tensor=seed), dtype=attr_value_pb2.AttrValue(type=types_pb2.DT_UINT32))
    node = g.op("StatelessRandomUniformFullInt", [g.const(np.array([3], np.int32)), seed_node], name="node", dtype=np.int32,
                Tseed=attr_value_pb2.AttrValue(type=types_pb2.DT_UINT32))
    with pytest.raises(Exception, match=r"'node'.*seed must be int32 or int64, got ui32"):
        run_graph(g.graph, {}, [node])


def test_gradient_flows_around_a_dropout_mask():
    """Random values are constants to autodiff (TensorFlow registers no gradient for them): the
    gradient of sum(x * mask) is the mask."""
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [20])
    uniform = g.op("RandomUniform", [g.const(np.array([20], np.int32))], name="uniform", dtype=np.float32, T=np.int32, seed=1, seed2=2)
    keep = g.op("Cast", [g.op("GreaterEqual", [uniform, g.const(np.float32(0.5))], T=np.float32)], SrcT=np.bool_, DstT=np.float32)
    g.op("Sum", [g.op("Mul", [x, keep], T=np.float32), g.const(np.array([0], np.int32))], name="loss", T=np.float32, Tidx=np.int32)
    imported = GraphImporter(g.graph).import_graph(["loss:0", "uniform:0"], [], {"x:0": TensorType(DType.f32, (20,))})
    PassManager("legalize-tf").run(imported.module)
    add_gradients(imported.module, wrt=[0])
    PassManager("canonicalize", verify_each=True).run(imported.module)
    verify(imported.module)
    x_value = np.arange(20, dtype=np.float32)
    state, skip = initial_op_state(imported.module)  # the generator's position, before the first run
    _, drawn, grad = (np.asarray(v) for v in compile_module(imported.module)(x_value, *state)[skip:])
    np.testing.assert_array_equal(grad, (drawn >= 0.5).astype(np.float32))
