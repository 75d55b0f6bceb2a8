"""TensorFlow array ops imported from GraphDefs, run on interp and XLA, and checked against numpy
implementations of TensorFlow's documented semantics (TensorFlow itself is not installed)."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.compat.proto import attr_value_pb2

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.passmanager import PassManager

from .graphs import GraphBuilder, run_graph, shape_proto

F32, I32, I64 = np.float32, np.int32, np.int64


class Feed:
    """An operand fed at run time (a Placeholder), where a plain array becomes a Const."""

    def __init__(self, value, dtype=None):
        self.value = np.asarray(value, dtype)


def run_op(op_type, args, outputs=None, name=None, **attrs):
    """Build one ``op_type`` node over ``args`` (Feeds and constants) and run it: its output 0, or a
    list of its first ``outputs`` outputs."""
    g = GraphBuilder()
    inputs, feeds = [], {}
    for i, arg in enumerate(args):
        if isinstance(arg, Feed):
            inputs.append(g.placeholder(f"in{i}", arg.value.dtype, arg.value.shape))
            feeds[f"in{i}:0"] = arg.value
        else:
            inputs.append(g.const(np.asarray(arg)))
    node = g.op(op_type, inputs, name=name, **attrs)
    results = run_graph(g.graph, feeds, [node] if outputs is None else [f"{node}:{i}" for i in range(outputs)])
    return results[0] if outputs is None else results


def shape_attr(dims):
    return attr_value_pb2.AttrValue(shape=shape_proto(dims))


def check(got, want):
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def legalize_unfed(g, fetches):
    """Import with the Placeholders' declared (possibly unknown) shapes, then legalize."""
    result = GraphImporter(g.graph).import_graph(fetches, [], None)
    PassManager("legalize-tf").run(result.module)
    return result


X = np.arange(24, dtype=F32).reshape(2, 3, 4)


# ---- Reshape, Transpose, InvertPermutation --------------------------------------------------------
@pytest.mark.parametrize("shape", [[4, -1], [-1], [24], [2, -1, 2], [1, 24, 1]])
@pytest.mark.parametrize("index_dtype", [I32, I64])
def test_reshape(shape, index_dtype):
    check(run_op("Reshape", [Feed(X), np.array(shape, index_dtype)], T=F32, Tshape=index_dtype), X.reshape(shape))


def test_reshape_ints_and_empty():
    x = np.arange(6, dtype=I64).reshape(2, 3)
    check(run_op("Reshape", [Feed(x), np.array([3, 2], I32)]), x.reshape(3, 2))
    empty = np.zeros((0, 3), F32)
    check(run_op("Reshape", [Feed(empty), np.array([3, 0], I32)]), empty.reshape(3, 0))


def test_reshape_errors():
    with pytest.raises(TfcError, match="r1.*cannot reshape"):
        run_op("Reshape", [Feed(X), np.array([5, -1], I32)], name="r1")
    with pytest.raises(TfcError, match="r2.*-1"):
        run_op("Reshape", [Feed(np.zeros((0, 3), F32)), np.array([0, -1], I32)], name="r2")
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3, 4])
    s = g.placeholder("s", I32, [2])
    node = g.op("Reshape", [x, s], name="dyn_reshape")
    with pytest.raises(TfcError, match="dyn_reshape.*shape.*must be a constant"):
        run_graph(g.graph, {"x:0": X, "s:0": np.array([4, 6], I32)}, [node])


@pytest.mark.parametrize("perm", [[0, 1, 2], [2, 0, 1], [1, 0, 2], [2, 1, 0]])
def test_transpose(perm):
    check(run_op("Transpose", [Feed(X), np.array(perm, I32)], Tperm=I32), X.transpose(perm))
    check(run_op("Transpose", [Feed(X.astype(I32)), np.array(perm, I64)]), X.astype(I32).transpose(perm))


def test_transpose_errors():
    with pytest.raises(TfcError, match="t1.*not a permutation"):
        run_op("Transpose", [Feed(X), np.array([0, 0, 1], I32)], name="t1")
    with pytest.raises(TfcError, match="t2.*one entry per dimension"):
        run_op("Transpose", [Feed(X), np.array([1, 0], I32)], name="t2")


def test_invert_permutation():
    perm = np.array([3, 0, 4, 1, 2], I32)
    want = np.argsort(perm).astype(I32)
    check(run_op("InvertPermutation", [perm]), want)
    check(run_op("InvertPermutation", [Feed(perm)]), want)
    check(run_op("InvertPermutation", [Feed(perm.astype(I64))]), want.astype(I64))
    with pytest.raises(TfcError, match="not a permutation"):
        run_op("InvertPermutation", [np.array([0, 0, 1], I32)])


# ---- ConcatV2, Concat, Split, SplitV --------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concat_v2(axis):
    a, b = X, X + 100
    c = np.ones_like(X) * 7
    got = run_op("ConcatV2", [Feed(a), Feed(b), c, np.array(axis, I32)], N=3, T=F32, Tidx=I32)
    check(got, np.concatenate([a, b, c], axis))


def test_concat_tf1_and_ints():
    a, b = np.arange(6, dtype=I32).reshape(2, 3), np.arange(4, dtype=I32).reshape(2, 2)
    check(run_op("Concat", [np.array(1, I32), Feed(a), Feed(b)], N=2), np.concatenate([a, b], 1))


def test_concat_errors():
    with pytest.raises(TfcError, match="c1.*differ outside the concat axis"):
        run_op("ConcatV2", [Feed(X), Feed(X[:, :2]), np.array(2, I32)], N=2, name="c1")
    with pytest.raises(TfcError, match="c2.*out of range"):
        run_op("ConcatV2", [Feed(X), Feed(X), np.array(3, I32)], N=2, name="c2")
    with pytest.raises(TfcError, match="c3.*attribute 'N' = 1: it must be at least 2"):  # TensorFlow's minimum
        run_op("ConcatV2", [Feed(X), np.array(0, I32)], N=1, name="c3")


@pytest.mark.parametrize("axis,num", [(0, 2), (1, 3), (-1, 2), (2, 4), (2, 1)])
def test_split(axis, num):
    got = run_op("Split", [np.array(axis, I32), Feed(X)], outputs=num, num_split=num, T=F32)
    for g, w in zip(got, np.split(X, num, axis)):
        check(g, w)


def test_split_v():
    x = np.arange(40, dtype=I32).reshape(4, 10)
    got = run_op("SplitV", [Feed(x), np.array([2, -1, 3, 0], I64), np.array(-1, I32)], outputs=4, num_split=4, Tlen=I64)
    for g, w in zip(got, np.split(x, [2, 7, 10], 1)):
        check(g, w)


def test_split_errors():
    with pytest.raises(TfcError, match="s1.*equal parts"):
        run_op("Split", [np.array(1, I32), Feed(X)], outputs=2, num_split=2, name="s1")
    with pytest.raises(TfcError, match="s2.*do not add up"):
        run_op("SplitV", [Feed(X), np.array([1, 1], I32), np.array(2, I32)], outputs=2, num_split=2, name="s2")


# ---- Pack, Unpack, Squeeze, ExpandDims ------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4])
def test_pack(axis):
    got = run_op("Pack", [Feed(X), X * 2, Feed(X + 1)], N=3, axis=axis, T=F32)
    check(got, np.stack([X, X * 2, X + 1], axis))


def test_pack_scalars_fold():
    check(run_op("Pack", [np.array(2, I32), np.array(-1, I32)], N=2), np.array([2, -1], I32))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unpack(axis):
    num = X.shape[axis]
    got = run_op("Unpack", [Feed(X)], outputs=num, num=num, axis=axis, T=F32)
    for i, g in enumerate(got):
        check(g, np.take(X, i, axis))


def test_unpack_and_pack_errors():
    with pytest.raises(TfcError, match="u1.*num = 3"):
        run_op("Unpack", [Feed(X)], outputs=3, num=3, axis=0, name="u1")
    with pytest.raises(TfcError, match="p1.*same shape"):
        run_op("Pack", [Feed(X), Feed(X[0])], N=2, name="p1")


@pytest.mark.parametrize("dims", [[], [0], [2, 4], [-1], [0, -3]])
def test_squeeze(dims):
    x = np.arange(6, dtype=F32).reshape(1, 2, 1, 3, 1)
    check(run_op("Squeeze", [Feed(x)], squeeze_dims=dims), np.squeeze(x, tuple(dims)) if dims else np.squeeze(x))


def test_squeeze_error():
    with pytest.raises(TfcError, match="sq.*cannot squeeze dimension 1"):
        run_op("Squeeze", [Feed(X)], squeeze_dims=[1], name="sq")


@pytest.mark.parametrize("dim", [0, 1, 3, -1, -4])
def test_expand_dims(dim):
    check(run_op("ExpandDims", [Feed(X), np.array(dim, I32)], Tdim=I32), np.expand_dims(X, dim))
    check(run_op("ExpandDims", [Feed(X), np.array([dim], I64)], Tdim=I64), np.expand_dims(X, dim))


def test_expand_dims_error():
    with pytest.raises(TfcError, match="e1.*out of range"):
        run_op("ExpandDims", [Feed(X), np.array(4, I32)], name="e1")


# ---- Shape, ShapeN, Size, Rank --------------------------------------------------------------------
def test_shape_queries():
    check(run_op("Shape", [Feed(X)]), np.array([2, 3, 4], I32))
    check(run_op("Shape", [Feed(X)], out_type=I64), np.array([2, 3, 4], I64))
    check(run_op("Shape", [Feed(np.float32(3))]), np.zeros(0, I32))
    check(run_op("Size", [Feed(X)]), np.array(24, I32))
    check(run_op("Size", [Feed(X)], out_type=I64), np.array(24, I64))
    check(run_op("Rank", [Feed(X)]), np.array(3, I32))
    a, b = run_op("ShapeN", [Feed(X), Feed(X[0])], outputs=2, N=2, out_type=I64)
    check(a, np.array([2, 3, 4], I64))
    check(b, np.array([3, 4], I64))


def test_shape_arithmetic_folds_into_reshape():
    """TensorFlow's flatten: Reshape(x, Pack([StridedSlice(Shape(x), [0], [1]), -1]))."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3, 4])
    shape = g.op("Shape", [x])
    one = g.const(np.array([1], I32))
    batch = g.op("StridedSlice", [shape, g.const(np.array([0], I32)), one, one], shrink_axis_mask=1)
    target = g.op("Pack", [batch, g.const(np.array(-1, I32))], N=2)
    rows = g.op("GatherV2", [shape, g.const(np.array([1, 2], I32)), g.const(np.array(0, I32))])
    square = g.op("ConcatV2", [rows, g.const(np.array([-1], I32)), g.const(np.array(0, I32))], N=2)
    out, out2 = run_graph(g.graph, {"x:0": X}, [g.op("Reshape", [x, target]), g.op("Reshape", [x, square])])
    check(out, X.reshape(2, 12))
    check(out2, X.reshape(3, 4, 2))


def test_shape_of_dynamic_tensor_is_an_error():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [None, 3])
    node = g.op("Shape", [x], name="dyn_shape")
    with pytest.raises(TfcError, match="dyn_shape.*not static"):
        legalize_unfed(g, [node])


# ---- Fill, Range, Tile ----------------------------------------------------------------------------
def test_fill():
    check(run_op("Fill", [np.array([2, 3], I32), np.float32(1.5)]), np.full((2, 3), 1.5, F32))
    check(run_op("Fill", [np.array([4], I64), Feed(np.int32(-3))], index_type=I64), np.full(4, -3, I32))
    check(run_op("Fill", [np.array([], I32), Feed(np.float32(2))]), np.float32(2))
    with pytest.raises(TfcError, match="f1.*non-negative"):
        run_op("Fill", [np.array([2, -1], I32), Feed(np.float32(0))], name="f1")


def _tf_range(start, limit, delta, dtype):
    """TensorFlow's Range kernel: size from |limit - start| / |delta| (rounded up), values by repeated addition."""
    start, limit, delta = (np.array(v, dtype) for v in (start, limit, delta))
    if np.issubdtype(dtype, np.integer):
        size = (abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta))
    else:
        size = int(np.ceil(np.abs((limit - start) / delta)))
    values, value = [], start
    for _ in range(size):
        values.append(value)
        value = np.array(value + delta, dtype)
    return np.array(values, dtype)


@pytest.mark.parametrize("start,limit,delta,dtype", [
    (0, 10, 3, I32), (10, 0, -3, I32), (5, 5, 1, I32), (-4, 7, 2, I64),
    (0.0, 1.0, 0.1, F32), (1.0, -2.5, -0.3, F32), (0.0, 2.0, 0.25, np.float64), (3.0, 3.0, 0.5, F32),
])
def test_range(start, limit, delta, dtype):
    got = run_op("Range", [np.array(start, dtype), np.array(limit, dtype), np.array(delta, dtype)], Tidx=dtype)
    check(got, _tf_range(start, limit, delta, dtype))


def test_range_errors():
    with pytest.raises(TfcError, match="delta must not be 0"):
        run_op("Range", [np.array(0, I32), np.array(3, I32), np.array(0, I32)])
    with pytest.raises(TfcError, match="sign of delta"):
        run_op("Range", [np.array(5, I32), np.array(3, I32), np.array(1, I32)])
    with pytest.raises(TfcError, match="rng.*limit.*must be a constant"):
        run_op("Range", [np.array(0, I32), Feed(np.int32(3)), np.array(1, I32)], name="rng")


@pytest.mark.parametrize("multiples", [[1, 1, 1], [2, 1, 3], [1, 0, 2], [3, 2, 1]])
def test_tile(multiples):
    check(run_op("Tile", [Feed(X), np.array(multiples, I32)]), np.tile(X, multiples))
    x = np.array([[True, False]])
    check(run_op("Tile", [Feed(x), np.array(multiples[:2], I64)]), np.tile(x, multiples[:2]))


def test_tile_error():
    with pytest.raises(TfcError, match="tl.*one entry per dimension"):
        run_op("Tile", [Feed(X), np.array([2, 2], I32)], name="tl")


# ---- Pad, PadV2, MirrorPad ------------------------------------------------------------------------
PADDINGS = [[[0, 0], [0, 0], [0, 0]], [[1, 0], [0, 2], [3, 1]], [[0, 1], [2, 2], [0, 0]]]


@pytest.mark.parametrize("paddings", PADDINGS)
def test_pad(paddings):
    check(run_op("Pad", [Feed(X), np.array(paddings, I32)]), np.pad(X, paddings))
    xi = X.astype(I64)
    got = run_op("PadV2", [Feed(xi), np.array(paddings, I64), np.array(-7, I64)])
    check(got, np.pad(xi, paddings, constant_values=-7))
    got = run_op("PadV2", [Feed(X), np.array(paddings, I32), Feed(np.float32(2.5))])
    check(got, np.pad(X, paddings, constant_values=2.5))


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("paddings", PADDINGS[1:] + [[[1, 1], [2, 2], [3, 3]]])
def test_mirror_pad(mode, paddings):
    got = run_op("MirrorPad", [Feed(X), np.array(paddings, I32)], mode=mode)
    check(got, np.pad(X, paddings, mode=mode.lower()))


def test_pad_errors():
    with pytest.raises(TfcError, match="mp.*REFLECT paddings"):
        run_op("MirrorPad", [Feed(X), np.array([[0, 0], [3, 0], [0, 0]], I32)], mode="REFLECT", name="mp")
    check(run_op("MirrorPad", [Feed(X), np.array([[0, 0], [3, 0], [0, 0]], I32)], mode="SYMMETRIC"),
          np.pad(X, [[0, 0], [3, 0], [0, 0]], mode="symmetric"))
    with pytest.raises(TfcError, match="pd.*non-negative"):
        run_op("Pad", [Feed(X), np.array([[0, -1], [0, 0], [0, 0]], I32)], name="pd")
    with pytest.raises(TfcError, match="pd2.*shape \\[3, 2\\]"):
        run_op("Pad", [Feed(X), np.array([[0, 1]], I32)], name="pd2")


# ---- BroadcastTo, pass-through ops ----------------------------------------------------------------
def test_broadcast_to():
    check(run_op("BroadcastTo", [Feed(np.arange(3, dtype=F32)), np.array([2, 3], I32)]), np.broadcast_to(np.arange(3, dtype=F32), (2, 3)))
    x = np.arange(3, dtype=I32).reshape(1, 3)
    check(run_op("BroadcastTo", [Feed(x), np.array([4, 2, 3], I64)]), np.broadcast_to(x, (4, 2, 3)))
    check(run_op("BroadcastTo", [Feed(x), np.array([0, 3], I32)]), np.zeros((0, 3), I32))
    with pytest.raises(TfcError, match="bt.*cannot broadcast"):
        run_op("BroadcastTo", [Feed(X), np.array([2, 5, 4], I32)], name="bt")


def test_pass_through_ops():
    x = np.array([1.0, np.nan, np.inf], F32)
    check(run_op("CheckNumerics", [Feed(x)], message="bad"), x)  # never fails on XLA
    check(run_op("PreventGradient", [Feed(X)], message="no"), X)
    check(run_op("EnsureShape", [Feed(X)], shape=shape_attr([2, 3, 4])), X)
    check(run_op("EnsureShape", [Feed(X)], shape=shape_attr([None, 3, 4])), X)
    check(run_op("EnsureShape", [Feed(X)], shape=shape_attr(None)), X)
    with pytest.raises(TfcError, match="es.*not compatible"):
        run_op("EnsureShape", [Feed(X)], shape=shape_attr([2, 4, 3]), name="es")


# ---- shapes unknown at import ---------------------------------------------------------------------
UNKNOWN = [  # op, operands ("x": the placeholder, "v": a run-time int32 vector of length 2), attrs, types for x: * and ?x3x?
    ("Reshape", ["x", np.array([4, -1], I32)], {}, "tensor<4x?xf32>", "tensor<4x?xf32>"),
    ("Reshape", ["x", "v"], {}, "tensor<?x?xf32>", "tensor<?x?xf32>"),
    ("Transpose", ["x", np.array([2, 0, 1], I32)], {}, "tensor<?x?x?xf32>", "tensor<?x?x3xf32>"),
    ("ConcatV2", ["x", "x", np.array(1, I32)], {"N": 2}, "tensor<*xf32>", "tensor<?x6x?xf32>"),
    ("Split", [np.array(1, I32), "x"], {"num_split": 3}, "tensor<*xf32>", "tensor<?x1x?xf32>"),
    ("Pack", ["x", "x"], {"N": 2, "axis": 1}, "tensor<*xf32>", "tensor<?x2x3x?xf32>"),
    ("Squeeze", ["x"], {"squeeze_dims": [1]}, "tensor<*xf32>", None),
    ("Squeeze", ["x"], {"squeeze_dims": [0]}, "tensor<*xf32>", "tensor<3x?xf32>"),
    ("ExpandDims", ["x", np.array(-1, I32)], {}, "tensor<*xf32>", "tensor<?x3x?x1xf32>"),
    ("Shape", ["x"], {}, "tensor<?xi32>", "tensor<3xi32>"),
    ("Fill", ["v", np.float32(1)], {}, "tensor<?x?xf32>", "tensor<?x?xf32>"),
    ("Tile", ["x", np.array([1, 2, 3], I32)], {}, "tensor<?x?x?xf32>", "tensor<?x6x?xf32>"),
    ("MirrorPad", ["x", np.ones((3, 2), I32)], {"mode": "REFLECT"}, "tensor<?x?x?xf32>", "tensor<?x5x?xf32>"),
    ("Slice", ["x", np.array([0, 1, 0], I32), np.array([-1, 2, -1], I32)], {}, "tensor<*xf32>", "tensor<?x2x?xf32>"),
    ("StridedSlice", ["x", *[np.array([v], I32) for v in (0, 1, 1)]], {"shrink_axis_mask": 1}, "tensor<*xf32>", "tensor<3x?xf32>"),
    ("GatherV2", ["x", "v", np.array(1, I32)], {}, "tensor<*xf32>", "tensor<?x2x?xf32>"),
    ("Where", ["x"], {}, "tensor<?x?xi64>", "tensor<?x3xi64>"),
    ("TopKV2", ["x", np.array(2, I32)], {}, "tensor<*xf32>", "tensor<?x3x2xf32>"),
    ("MatrixDiagV3", ["x", *[np.array(v, I32) for v in (0, -1, -1)], np.float32(0)], {}, "tensor<*xf32>", "tensor<?x3x?x?xf32>"),
]


@pytest.mark.parametrize("op,args,attrs,unranked,partial", UNKNOWN, ids=[f"{row[0]}{i}" for i, row in enumerate(UNKNOWN)])
def test_import_with_unknown_shapes(op, args, attrs, unranked, partial):
    for shape, want in ((None, unranked), ([None, 3, None], partial)):
        g = GraphBuilder()
        x, v = g.placeholder("x", F32, shape), g.placeholder("v", I32, [2])
        node = g.op(op, [{"x": x, "v": v}.get(a, None) if isinstance(a, str) else g.const(a) for a in args], **attrs)
        if want is None:
            with pytest.raises(TfcError, match="cannot squeeze"):
                GraphImporter(g.graph).import_graph([node], [], None)
            continue
        result = GraphImporter(g.graph).import_graph([node], [], None)
        assert str(result.module.functions[0].type.results[0]) == want
