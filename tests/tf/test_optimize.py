"""tf-level optimization: ``tf-fold`` and ``tf-fuse`` on small GraphDefs and on the shared corpus.

Each rewrite is checked twice: the tf op counts after the pass, and the values the graph computes
(imported as is vs. optimized, both legalized and run on the interpreter). Negative cases say what
must stay: stateful ops, ops behind control edges, non-constant weights, multi-use intermediates.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tfc.backends.interp.interpreter import run as interp_run
from tfc.frontend.tf.fold import TFFold
from tfc.frontend.tf.fuse import TFFuse
from tfc.frontend.tf.importer import GraphImporter
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .corpus import cases, run_case
from .graphs import GraphBuilder, import_and_legalize, run_graph, shape_attr

TF_PIPELINE = "tf-fold,tf-fuse,cse,dce"  # tf-level cleanup before legalize-tf
FAST_MATH = "tf-fold,tf-fuse{fast-math=true},cse,dce"  # also folds constant steps into contraction weights
RNG = np.random.default_rng(7)
F32 = np.float32
CONV = {"T": F32, "strides": [1, 1, 1, 1], "padding": "SAME", "data_format": "NHWC", "dilations": [1, 1, 1, 1]}


def rand(*shape):
    return RNG.standard_normal(shape).astype(F32)


# ---- helpers ---------------------------------------------------------------------------------------
def imported(graph, feeds: dict, fetches, targets=()):
    types = {name: TensorType(DType.from_numpy(v.dtype), v.shape) for name, v in feeds.items()}
    result = GraphImporter(graph).import_graph(list(fetches), list(targets), types)
    verify(result.module)
    return result


def optimized(graph, feeds: dict, fetches, pipeline: str = TF_PIPELINE, targets=()):
    """Import, run ``pipeline`` (verifying after each pass), check the text form round-trips."""
    result = imported(graph, feeds, fetches, targets)
    PassManager(pipeline, verify_each=True).run(result.module)
    text = print_module(result.module)
    assert print_module(parse_module(text)) == text
    return result


def tf_ops(result) -> Counter:
    """tf op names in ``main`` (what the corpus benchmark counts)."""
    return Counter(op.name for op in result.module.function("main").body.ops if op.name.startswith("tf."))


def evaluate(result, feeds: dict) -> list[np.ndarray]:
    PassManager("legalize-tf", verify_each=True).run(result.module)
    return interp_run(result.module, [feeds[name] for name in result.feeds])


def check_same(graph, feeds: dict, fetches, pipeline: str = TF_PIPELINE, rtol=1e-5, atol=1e-5) -> Counter:
    """Optimize; the values must equal the unoptimized graph's. Returns the tf op counts after."""
    want = evaluate(imported(graph, feeds, fetches), feeds)
    result = optimized(graph, feeds, fetches, pipeline)
    counts = tf_ops(result)
    got = evaluate(result, feeds)
    for w, g in zip(want, got):
        assert w.dtype == g.dtype and w.shape == g.shape
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return counts


def conv2d_same(x, w):
    """NHWC, stride 1, SAME padding (odd kernels): an independent numpy reference."""
    kh, kw = w.shape[:2]
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros(x.shape[:3] + (w.shape[3],), np.float64)
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,co->nhwo", padded[:, i : i + x.shape[1], j : j + x.shape[2], :], w[i, j])
    return out


# ---- tf-fold ---------------------------------------------------------------------------------------
def test_fold_constant_chain_becomes_one_const():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3])
    two, three = g.const(F32(2)), g.const(F32(3))
    scale = g.op("AddV2", [g.op("Mul", [two, three], T=F32), g.const(F32(1))], T=F32, name="scale")
    y = g.op("Mul", [x, scale], T=F32)
    feeds = {"x:0": rand(3)}
    counts = check_same(g.graph, feeds, [y + ":0"], "tf-fold,dce")
    assert counts == Counter({"tf.Const": 1, "tf.Mul": 1})
    result = optimized(g.graph, feeds, [y + ":0"], "tf-fold,dce")
    const = next(op for op in result.module.function("main").body.ops if op.name == "tf.Const")
    assert const.attr("value") == 7.0 and const.location.describe() == "'scale'"


def test_fold_shape_of_static_tensor():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 6])
    n = g.op("Prod", [g.op("Shape", [x], T=F32, out_type=np.int32), g.const(np.int32(0))], T=np.int32, Tidx=np.int32, keep_dims=False)
    y = g.op("Reshape", [x, g.op("Pack", [n], T=np.int32, N=1, axis=0)], T=F32, Tshape=np.int32)
    counts = check_same(g.graph, {"x:0": rand(2, 6)}, [y + ":0"], "tf-fold,dce")
    assert counts == Counter({"tf.Const": 1, "tf.Reshape": 1})


def test_fold_respects_max_elements():
    g = GraphBuilder()
    big = g.op("Fill", [g.const(np.array([4, 4], np.int32)), g.const(F32(1))], T=F32, index_type=np.int32)
    y = g.op("Neg", [big], T=F32)
    assert tf_ops(optimized(g.graph, {}, [y + ":0"], "tf-fold{max_elements=8},dce"))["tf.Fill"] == 1
    assert tf_ops(optimized(g.graph, {}, [y + ":0"], "tf-fold{max_elements=16},dce")) == Counter({"tf.Const": 1})


def test_fold_never_touches_stateful_ops_or_control_inputs():
    g = GraphBuilder()
    ok = g.const(True)
    check = g.op("Assert", [ok, g.const(F32(1))], T=[F32], summarize=3)
    guarded = g.op("Neg", [g.const(F32(2)), f"^{check}"], T=F32)  # waits for the Assert
    handle = g.op("VarHandleOp", dtype=F32, shape=shape_attr([]), shared_name="v", container="")
    read = g.op("ReadVariableOp", [handle], dtype=F32)
    y = g.op("AddV2", [guarded, read], T=F32)
    counts = tf_ops(optimized(g.graph, {}, [y + ":0"], "tf-fold,dce"))
    assert counts["tf.Assert"] == 1 and counts["tf.Neg"] == 1 and counts["tf.ReadVariableOp"] == 1 and counts["tf.VarHandleOp"] == 1


def test_folded_op_keeps_its_control_output():
    g = GraphBuilder()
    c = g.op("Mul", [g.const(F32(2)), g.const(F32(3))], T=F32, name="c")
    handle = g.op("VarHandleOp", dtype=F32, shape=shape_attr([]), shared_name="v", container="")
    assign = g.op("AssignVariableOp", [handle, g.const(F32(5)), "^c"], dtype=F32)
    result = optimized(g.graph, {}, [c + ":0"], "tf-fold", targets=[assign])
    ops = result.module.function("main").body.ops
    assign_op = next(op for op in ops if op.name == "tf.AssignVariableOp")
    assert assign_op.operands[-1].op.name == "tf.Const"  # the token now comes from the folded constant


# ---- tf-fuse: control edges and identities ---------------------------------------------------------
def test_identity_chains_disappear():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    a = g.op("Identity", [x], T=F32)
    b = g.op("Snapshot", [a], T=F32)
    c = g.op("StopGradient", [b], T=F32)  # stays: tf.gradients (expanded after legalization) must see it
    n = g.op("IdentityN", [c, x], T=[F32, F32])
    y = g.op("AddV2", [n, f"{n}:1"], T=F32)
    counts = check_same(g.graph, {"x:0": rand(2)}, [y + ":0"])
    assert counts == Counter({"tf.AddV2": 1, "tf.StopGradient": 1})


def test_identity_arithmetic():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3])
    one, zero = g.const(np.ones((2, 3), F32)), g.const(F32(0))
    y = g.op("Sub", [g.op("AddV2", [zero, g.op("Mul", [x, one], T=F32)], T=F32), zero], T=F32)
    grown = g.op("Mul", [g.op("Neg", [x], T=F32), g.const(np.ones((4, 2, 3), F32))], T=F32)  # broadcasts: kept
    halved = g.op("Mul", [x, g.const(F32(0.5))], T=F32)  # not a unit: kept
    fetches = [y + ":0", grown + ":0", halved + ":0"]
    # x * 1 and x - (+0.0) are exact; +0.0 + x is not (-0.0 + 0.0 is +0.0): it stays, unless fast-math.
    counts = check_same(g.graph, {"x:0": rand(2, 3)}, fetches)
    assert counts == Counter({"tf.Mul": 2, "tf.Neg": 1, "tf.Const": 3, "tf.AddV2": 1})
    counts = check_same(g.graph, {"x:0": rand(2, 3)}, fetches, FAST_MATH)
    assert counts == Counter({"tf.Mul": 2, "tf.Neg": 1, "tf.Const": 2})


def test_adding_positive_zero_keeps_the_sign_of_negative_zero():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    y = g.op("AddV2", [x, g.const(F32(0))], T=F32)
    feeds = {"x:0": np.array([-0.0, 1.0], F32)}
    result = optimized(g.graph, feeds, [y + ":0"])
    assert tf_ops(result)["tf.AddV2"] == 1
    out = evaluate(result, feeds)[0]
    assert not np.signbit(out[0]) and out[1] == 1.0  # -0.0 + 0.0 is +0.0, as TensorFlow computes it


def test_constant_push_down_is_fast_math():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [4])
    y = g.op("Mul", [g.const(F32(3)), g.op("Mul", [x, g.const(F32(2))], T=F32)], T=F32)
    z = g.op("AddV2", [g.op("AddV2", [x, g.const(np.arange(4, dtype=F32))], T=F32), g.const(F32(1))], T=F32)
    counts = check_same(g.graph, {"x:0": rand(4)}, [y + ":0", z + ":0"])
    assert counts == Counter({"tf.Mul": 2, "tf.AddV2": 2, "tf.Const": 4})  # a reassociation: not by default
    counts = check_same(g.graph, {"x:0": rand(4)}, [y + ":0", z + ":0"], FAST_MATH)
    assert counts == Counter({"tf.Mul": 1, "tf.AddV2": 1, "tf.Const": 2})


def test_noops_and_control_edges_from_pure_ops_go():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    w = g.op("Identity", [g.const(np.full(2, 2, F32))], T=F32)
    group = g.op("NoOp", [f"^{w}", f"^{g.op('Neg', [x], T=F32)}"])
    y = g.op("Identity", [g.op("Mul", [x, w], T=F32), f"^{group}"], T=F32)
    counts = check_same(g.graph, {"x:0": rand(2)}, [y + ":0"])
    assert counts == Counter({"tf.Mul": 1, "tf.Const": 1})


def test_control_edges_from_stateful_ops_stay():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    check = g.op("Assert", [g.op("All", [g.op("IsFinite", [x], T=F32), g.const(np.int32(0))], Tidx=np.int32, keep_dims=False), x], T=[F32])
    group = g.op("NoOp", [f"^{check}"])
    y = g.op("Identity", [x, f"^{group}"], T=F32)
    result = optimized(g.graph, {"x:0": rand(2)}, [y + ":0"])
    counts = tf_ops(result)
    assert counts["tf.Identity"] == 1 and counts["tf.Assert"] == 1 and counts["tf.NoOp"] == 0  # NoOp bypassed
    identity = next(op for op in result.module.function("main").body.ops if op.name == "tf.Identity")
    assert identity.operands[-1].op.name == "tf.Assert"


def test_noop_with_many_inputs_and_users_is_kept():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    checks = [g.op("Assert", [g.const(True), x], T=[F32], summarize=3) for _ in range(3)]
    group = g.op("NoOp", [f"^{c}" for c in checks])
    outs = [g.op("Identity", [g.op(op, [x], T=F32), f"^{group}"], T=F32) for op in ("Neg", "Exp", "Abs")]
    counts = tf_ops(optimized(g.graph, {"x:0": rand(2)}, [o + ":0" for o in outs]))
    assert counts["tf.NoOp"] == 1 and counts["tf.Identity"] == 3  # 3 x 3 edges would replace 3 + 3


def test_redundant_control_edge_is_dropped():
    g = GraphBuilder()
    handle = g.op("VarHandleOp", dtype=F32, shape=shape_attr([2]), shared_name="v", container="")
    read = g.op("ReadVariableOp", [handle], dtype=F32)
    y = g.op("Identity", [read, f"^{read}"], T=F32)  # the data edge already orders it
    assert tf_ops(optimized(g.graph, {}, [y + ":0"]))["tf.Identity"] == 0


# ---- tf-fuse: remapping ----------------------------------------------------------------------------
def test_conv_bias_relu_fuses():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [1, 5, 5, 3])
    w, b = rand(3, 3, 3, 4), rand(4)
    conv = g.op("Conv2D", [x, g.op("Identity", [g.const(w)], T=F32)], **CONV)
    y = g.op("Relu", [g.op("BiasAdd", [conv, g.const(b)], T=F32, data_format="NHWC")], T=F32)
    feeds = {"x:0": rand(1, 5, 5, 3)}
    counts = check_same(g.graph, feeds, [y + ":0"])
    assert counts == Counter({"tf._FusedConv2D": 1, "tf.Const": 2})
    result = optimized(g.graph, feeds, [y + ":0"])
    fused = next(op for op in result.module.function("main").body.ops if op.name == "tf._FusedConv2D")
    assert fused.attr("fused_ops") == ("BiasAdd", "Relu") and fused.attr("num_args") == 1 and fused.attr("padding") == "SAME"
    got = evaluate(result, feeds)[0]
    np.testing.assert_allclose(got, np.maximum(conv2d_same(feeds["x:0"], w) + b, 0), rtol=1e-4, atol=1e-4)


def test_keras_batch_norm_folds_into_conv_weights():
    """Keras 3's unfused batch norm: x * (gamma * rsqrt(var + eps)) + (beta - mean * that)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 4, 4, 3])
    gamma, beta, mean, var = rand(6), rand(6), rand(6), np.abs(rand(6)) + 0.5
    factor = g.op("Mul", [g.op("Rsqrt", [g.op("AddV2", [g.const(var), g.const(F32(1e-3))], T=F32)], T=F32), g.const(gamma)], T=F32)
    shift = g.op("Sub", [g.const(beta), g.op("Mul", [g.const(mean), factor], T=F32)], T=F32)
    conv = g.op("Conv2D", [x, g.const(rand(1, 1, 3, 6))], **CONV)
    y = g.op("Relu6", [g.op("AddV2", [g.op("Mul", [conv, factor], T=F32), shift], T=F32)], T=F32)
    counts = check_same(g.graph, {"x:0": rand(2, 4, 4, 3)}, [y + ":0"], FAST_MATH)
    assert counts == Counter({"tf._FusedConv2D": 1, "tf.Const": 2})
    exact = check_same(g.graph, {"x:0": rand(2, 4, 4, 3)}, [y + ":0"])  # a reassociation: only with fast-math
    assert exact["tf.Conv2D"] == 1 and exact["tf.Mul"] == 1 and exact["tf._FusedConv2D"] == 0


def test_fused_batch_norm_folds_into_depthwise_weights():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [1, 5, 5, 2])
    dw = g.op("DepthwiseConv2dNative", [x, g.const(rand(3, 3, 2, 2))], **CONV)
    stats = [g.const(v) for v in (rand(4), rand(4), rand(4), np.abs(rand(4)) + 0.1)]
    bn = g.op("FusedBatchNormV3", [dw, *stats], T=F32, U=F32, epsilon=0.001, is_training=False, data_format="NHWC")
    y = g.op("Relu6", [bn], T=F32)
    counts = check_same(g.graph, {"x:0": rand(1, 5, 5, 2)}, [y + ":0"], FAST_MATH)
    assert counts == Counter({"tf._FusedDepthwiseConv2dNative": 1, "tf.Const": 2})


def test_matmul_scale_and_bias_fold_with_transposed_weights():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3, 4])
    mm = g.op("MatMul", [x, g.const(rand(5, 4))], T=F32, transpose_a=False, transpose_b=True)
    scaled = g.op("RealDiv", [mm, g.const(rand(5) + 3)], T=F32)
    y = g.op("Tanh", [g.op("AddV2", [g.const(rand(5)), scaled], T=F32)], T=F32)
    counts = check_same(g.graph, {"x:0": rand(3, 4)}, [y + ":0"], FAST_MATH)
    assert counts == Counter({"tf._FusedMatMul": 1, "tf.Const": 2})


def test_nchw_conv_bias_fuses():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [1, 3, 4, 4])
    conv = g.op("Conv2D", [x, g.const(rand(3, 3, 3, 2))], **dict(CONV, data_format="NCHW"))
    y = g.op("Mul", [g.op("BiasAdd", [conv, g.const(rand(2))], T=F32, data_format="NCHW"), g.const(rand(2, 1, 1))], T=F32)
    counts = check_same(g.graph, {"x:0": rand(1, 3, 4, 4)}, [y + ":0"], FAST_MATH)
    assert counts == Counter({"tf._FusedConv2D": 1, "tf.Const": 2})


def test_run_time_bias_fuses_as_is():
    g = GraphBuilder()
    x, bias = g.placeholder("x", F32, [3, 4]), g.placeholder("bias", F32, [5])
    y = g.op("Relu", [g.op("AddV2", [g.op("MatMul", [x, g.const(rand(4, 5))], T=F32), bias], T=F32)], T=F32)
    counts = check_same(g.graph, {"x:0": rand(3, 4), "bias:0": rand(5)}, [y + ":0"])
    assert counts == Counter({"tf._FusedMatMul": 1, "tf.Const": 1})


def test_remap_negative_cases():
    g = GraphBuilder()
    x, w = g.placeholder("x", F32, [2, 4]), g.placeholder("w", F32, [4, 4])
    run_time_weights = g.op("Mul", [g.op("MatMul", [x, w], T=F32), g.const(rand(4))], T=F32)  # cannot scale w
    mm = g.op("MatMul", [x, g.const(rand(4, 4))], T=F32)
    shared = g.op("AddV2", [g.op("BiasAdd", [mm, g.const(rand(4))], T=F32), mm], T=F32)  # mm has two users
    full = g.op("Mul", [g.op("MatMul", [x, g.const(rand(4, 4))], T=F32), g.const(rand(2, 4))], T=F32)  # not per channel
    by_zero = g.op("RealDiv", [g.op("MatMul", [x, g.const(rand(4, 4))], T=F32), g.const(np.array([1, 0, 2, 3], F32))], T=F32)
    ints = g.op("BiasAdd", [g.op("MatMul", [g.placeholder("i", np.int32, [2, 2]), g.const(np.eye(2, dtype=np.int32))], T=np.int32), g.const(np.ones(2, np.int32))], T=np.int32)
    feeds = {"x:0": rand(2, 4), "w:0": rand(4, 4), "i:0": np.arange(4, dtype=np.int32).reshape(2, 2)}
    fetches = [run_time_weights + ":0", shared + ":0", full + ":0", ints + ":0", by_zero + ":0"]
    counts = check_same(g.graph, feeds, fetches)
    assert counts["tf.MatMul"] == 5 and counts["tf.Mul"] == 2 and counts["tf.BiasAdd"] == 2 and counts["tf.RealDiv"] == 1
    assert "tf._FusedMatMul" not in counts


def test_training_batch_norm_is_not_folded():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3, 3, 2])
    conv = g.op("Conv2D", [x, g.const(rand(1, 1, 2, 2))], **CONV)
    stats = [g.const(v) for v in (rand(2), rand(2), np.zeros(0, F32), np.zeros(0, F32))]
    y = g.op("FusedBatchNormV3", [conv, *stats], T=F32, U=F32, epsilon=0.001, is_training=True, data_format="NHWC")
    counts = check_same(g.graph, {"x:0": rand(2, 3, 3, 2)}, [y + ":0"], atol=1e-4)
    assert counts["tf.FusedBatchNormV3"] == 1 and counts["tf.Conv2D"] == 1


# ---- the fused ops themselves ----------------------------------------------------------------------
def test_fused_conv2d_node_runs_on_both_backends():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [1, 4, 4, 2])
    w, b = rand(3, 3, 2, 3), rand(3)
    y = g.op("_FusedConv2D", [x, g.const(w), g.const(b)], num_args=1, fused_ops=["BiasAdd", "Relu6"], explicit_paddings=[], **CONV)
    feeds = {"x:0": rand(1, 4, 4, 2) * 3}
    (got,) = run_graph(g.graph, feeds, [y + ":0"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, np.clip(conv2d_same(feeds["x:0"], w) + b, 0, 6), rtol=1e-4, atol=1e-4)


def test_fused_matmul_leaky_relu_and_conv_batch_norm():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3, 2])
    w, b = rand(2, 4), rand(4)
    y = g.op("_FusedMatMul", [x, g.const(w), g.const(b)], T=F32, num_args=1, fused_ops=["BiasAdd", "LeakyRelu"], leakyrelu_alpha=0.3, transpose_a=False, transpose_b=False)
    image = g.placeholder("image", F32, [1, 3, 3, 1])
    k, scale, offset, mean, var = rand(1, 1, 1, 2), rand(2), rand(2), rand(2), np.abs(rand(2)) + 0.5
    z = g.op("_FusedConv2D", [image, *(g.const(v) for v in (k, scale, offset, mean, var))], num_args=4, fused_ops=["FusedBatchNorm"], epsilon=0.01, explicit_paddings=[], **CONV)
    feeds = {"x:0": rand(3, 2), "image:0": rand(1, 3, 3, 1)}
    got_y, got_z = run_graph(g.graph, feeds, [y + ":0", z + ":0"], rtol=1e-5, atol=1e-5)
    pre = feeds["x:0"] @ w + b
    np.testing.assert_allclose(got_y, np.where(pre > 0, pre, 0.3 * pre), rtol=1e-5, atol=1e-5)
    conv = feeds["image:0"] * k[0, 0, 0]
    np.testing.assert_allclose(got_z, (conv - mean) / np.sqrt(var + 0.01) * scale + offset, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"num_args": 1, "fused_ops": ["Relu"]}, r"fused_ops \['Relu'\] is not supported"),
        ({"num_args": 2, "fused_ops": ["BiasAdd"]}, r"_FusedMatMul takes 4 inputs \(a, b, args: num_args of them\), got 3"),
        ({"num_args": 1, "fused_ops": ["BiasAdd", "Softmax"]}, "is not supported"),
    ],
)
def test_fused_op_errors(attrs, message):
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 2])
    y = g.op("_FusedMatMul", [x, g.const(rand(2, 2)), g.const(rand(2))], T=F32, **attrs)
    with pytest.raises(Exception, match=message):
        import_and_legalize(g.graph, {"x:0": rand(2, 2)}, [y + ":0"])


def test_fused_matmul_rejects_batch_norm():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 2])
    y = g.op("_FusedMatMul", [x, g.const(rand(2, 2)), *(g.const(rand(2)) for _ in range(4))], T=F32, num_args=4, fused_ops=["FusedBatchNorm"])
    with pytest.raises(Exception, match="expected BiasAdd, then"):
        import_and_legalize(g.graph, {"x:0": rand(2, 2)}, [y + ":0"])


# ---- the corpus: smaller than Grappler, same values ------------------------------------------------
CASES = [c for c in cases() if c.info.get("grappler_num_nodes") is not None]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_smaller_than_grappler_and_still_right(case):
    """With fast-math (Grappler reassociates by default too) the tf-level pipeline leaves no more ops
    than Grappler's; the graph still computes TensorFlow's values."""
    info = case.info
    feeds = {name: np.asarray(v) for name, v in case.feeds().items()}
    targets = list(info.get("targets") or []) + list(info.get("init_targets") or [])
    result = imported(GraphImporter.from_file(case.graph).graph, feeds, info["fetches"], targets)
    PassManager(FAST_MATH, verify_each=True).run(result.module)
    count = sum(tf_ops(result).values())
    assert count <= info["grappler_num_nodes"], f"{case.name}: {count} tf ops in main, Grappler has {info['grappler_num_nodes']}"
    case.check(run_case(case, "xla", fast_math=True))


GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "tf-opt"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.ir")), ids=lambda p: p.name)
def test_golden_inputs_round_trip_after_the_pipeline(path):
    """Every golden input, after the pipeline, verifies and prints back to the same text."""
    for section in path.read_text().split("// -----"):
        module = parse_module(section)
        PassManager(TF_PIPELINE, verify_each=True).run(module)
        text = print_module(module)
        assert print_module(parse_module(text)) == text


def test_pipeline_is_registered():
    assert TFFold.name == "tf-fold" and TFFuse.name == "tf-fuse"
    PassManager(TF_PIPELINE)  # parses: every pass in it is registered
