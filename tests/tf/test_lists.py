"""TensorList ops (dense-tensor lists) and Case, against numpy references of TensorFlow's semantics.

A TensorList is a Python list of equally shaped arrays here: Reserve makes n zero elements (what
TensorFlow returns for an element never set, when the element shape is known), SetItem replaces
one, Stack stacks them, PushBack appends. The While tests build Keras-style loops: a FunctionDef
body that reads the input list with GetItem and writes the output list with SetItem.
"""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.compat.proto import attr_value_pb2, types_pb2

from tfc.diagnostics import TfcError
from tfc.printer import print_module

from .graphs import GraphBuilder, attr_value, import_and_legalize, run_graph

RNG = np.random.default_rng(0)
F32, I32 = np.float32, np.int32
VARIANT, DT_F32, DT_I32, DT_BOOL = types_pb2.DT_VARIANT, types_pb2.DT_FLOAT, types_pb2.DT_INT32, types_pb2.DT_BOOL


def rand(*shape):
    return RNG.standard_normal(shape).astype(F32)


def func_attr(name: str) -> attr_value_pb2.AttrValue:
    return attr_value_pb2.AttrValue(func=attr_value_pb2.NameAttrList(name=name))


def func_list(names) -> attr_value_pb2.AttrValue:
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(func=[attr_value_pb2.NameAttrList(name=n) for n in names]))


def variant_types(*dtypes) -> attr_value_pb2.AttrValue:
    """A list(type) attribute that may hold DT_VARIANT (list handles), which numpy has no dtype for."""
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=list(dtypes)))


def add_function(g: GraphBuilder, name: str, inputs, outputs, nodes, ret: dict) -> None:
    """A FunctionDef: ``inputs``/``outputs`` are (arg name, DataType) pairs, ``nodes`` are
    (name, op, inputs, attrs) with ``node:out_arg:index`` references, ``ret`` maps outputs to them."""
    f = g.graph.library.function.add()
    f.signature.name = name
    for arg, dtype in inputs:
        f.signature.input_arg.add(name=arg, type=dtype)
    for arg, dtype in outputs:
        f.signature.output_arg.add(name=arg, type=dtype)
    for node_name, op, node_inputs, attrs in nodes:
        node = f.node_def.add(name=node_name, op=op, input=list(node_inputs))
        for key, value in attrs.items():
            node.attr[key].CopyFrom(attr_value(value))
    for key, value in ret.items():
        f.ret[key] = value


def reserve(g: GraphBuilder, n: int, element_shape, dtype=F32, name=None) -> str:
    return g.op("TensorListReserve", [g.const(np.array(element_shape, I32)), g.const(np.array(n, I32))], name=name, element_dtype=dtype, shape_type=I32)


def const_fn(name, value):
    array = np.asarray(value)
    return (name, "Const", [], {"value": array, "dtype": array.dtype.type})


# ---- element access --------------------------------------------------------------------------------
def test_reserve_set_item_stack():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3])
    lst = reserve(g, 4, [2, 3])
    lst = g.op("TensorListSetItem", [lst, g.const(np.array(2, I32)), x], element_dtype=F32)
    lst = g.op("TensorListSetItem", [lst, g.const(np.array(0, I32)), g.op("Neg", [x], T=F32)], element_dtype=F32)
    out = g.op("TensorListStack", [lst, g.const(np.array([2, 3], I32))], element_dtype=F32, num_elements=4)
    xv = rand(2, 3)
    want = np.stack([-xv, np.zeros_like(xv), xv, np.zeros_like(xv)])
    (got,) = run_graph(g.graph, {"x:0": xv}, [out])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [F32, I32])
def test_from_tensor_get_item_with_runtime_index(dtype):
    g = GraphBuilder()
    x = g.placeholder("x", dtype, [5, 2])
    i = g.placeholder("i", I32, [])
    lst = g.op("TensorListFromTensor", [x, g.const(np.array([-1], I32))], element_dtype=dtype, shape_type=I32)
    item = g.op("TensorListGetItem", [lst, i, g.const(np.array([2], I32))], element_dtype=dtype)
    xv = (rand(5, 2) * 10).astype(dtype)
    for index in (0, 3, 4):
        (got,) = run_graph(g.graph, {"x:0": xv, "i:0": np.array(index, I32)}, [item])
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, xv[index])


def test_set_item_with_runtime_index_then_get_item():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3])
    i = g.placeholder("i", I32, [])
    lst = reserve(g, 3, [3])
    lst = g.op("TensorListSetItem", [lst, i, x], element_dtype=F32)
    item = g.op("TensorListGetItem", [lst, i, g.const(np.array(-1, I32))], element_dtype=F32)
    out = g.op("TensorListStack", [lst, g.const(np.array(-1, I32))], element_dtype=F32)
    xv = rand(3)
    got_item, got = run_graph(g.graph, {"x:0": xv, "i:0": np.array(1, I32)}, [item, out])
    np.testing.assert_array_equal(got_item, xv)
    np.testing.assert_array_equal(got, np.stack([np.zeros(3, F32), xv, np.zeros(3, F32)]))


@pytest.mark.parametrize("shape_type", [I32, np.int64])
def test_length_and_element_shape(shape_type):
    g = GraphBuilder()
    x = g.placeholder("x", F32, [4, 2, 3])
    lst = g.op("TensorListFromTensor", [x, g.const(np.array([2, 3], shape_type))], element_dtype=F32, shape_type=shape_type)
    length = g.op("TensorListLength", [lst])
    shape = g.op("TensorListElementShape", [lst], shape_type=shape_type)
    got_length, got_shape = run_graph(g.graph, {"x:0": rand(4, 2, 3)}, [length, shape])
    assert got_length.dtype == I32 and got_length == 4
    assert got_shape.dtype == shape_type and list(got_shape) == [2, 3]


def test_gather_and_scatter_into_existing_list():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [5, 2])
    idx = g.placeholder("idx", I32, [3])
    rows = g.placeholder("rows", F32, [3, 2])
    lst = g.op("TensorListFromTensor", [x, g.const(np.array([2], I32))], element_dtype=F32, shape_type=I32)
    gathered = g.op("TensorListGather", [lst, idx, g.const(np.array([2], I32))], element_dtype=F32)
    scattered = g.op("TensorListScatterIntoExistingList", [lst, rows, idx], element_dtype=F32)
    stacked = g.op("TensorListStack", [scattered, g.const(np.array([2], I32))], element_dtype=F32)
    xv, rv, iv = rand(5, 2), rand(3, 2), np.array([4, 0, 2], I32)
    got_gather, got_scatter = run_graph(g.graph, {"x:0": xv, "idx:0": iv, "rows:0": rv}, [gathered, stacked])
    np.testing.assert_array_equal(got_gather, xv[iv])
    want = xv.copy()
    want[iv] = rv
    np.testing.assert_array_equal(got_scatter, want)


def test_scatter_v2_creates_a_list():
    g = GraphBuilder()
    rows = g.placeholder("rows", F32, [2, 3])
    idx = g.const(np.array([3, 1], I32))
    for num_elements, length in ((-1, 4), (6, 6)):
        lst = g.op(
            "TensorListScatterV2", [rows, idx, g.const(np.array([3], I32)), g.const(np.array(num_elements, I32))],
            element_dtype=F32, shape_type=I32,
        )
        out = g.op("TensorListStack", [lst, g.const(np.array([3], I32))], element_dtype=F32)
        rv = rand(2, 3)
        (got,) = run_graph(g.graph, {"rows:0": rv}, [out])
        want = np.zeros((length, 3), F32)
        want[[3, 1]] = rv
        np.testing.assert_array_equal(got, want)


def test_unknown_element_dims_come_from_the_items_written():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3])
    lst = g.op("TensorListReserve", [g.const(np.array([-1, 3], I32)), g.const(np.array(2, I32))], element_dtype=F32, shape_type=I32)
    lst = g.op("TensorListSetItem", [lst, g.const(np.array(1, I32)), x], element_dtype=F32)
    out = g.op("TensorListStack", [lst, g.const(np.array(-1, I32))], element_dtype=F32)
    xv = rand(2, 3)
    (got,) = run_graph(g.graph, {"x:0": xv}, [out])
    np.testing.assert_array_equal(got, np.stack([np.zeros_like(xv), xv]))


def test_scatter_v1_sizes_the_list_by_its_largest_index():
    g = GraphBuilder()
    rows = g.placeholder("rows", F32, [2])
    lst = g.op("TensorListScatter", [rows, g.const(np.array([2, 0], I32)), g.const(np.array([], I32))], element_dtype=F32, shape_type=I32)
    out = g.op("TensorListStack", [lst, g.const(np.array([], I32))], element_dtype=F32)
    (got,) = run_graph(g.graph, {"rows:0": np.array([5, 7], F32)}, [out])
    np.testing.assert_array_equal(got, np.array([7, 0, 5], F32))


# ---- whole-list ops ---------------------------------------------------------------------------------
def test_push_back_and_pop_back_on_a_static_list():
    g = GraphBuilder()
    a, b = g.placeholder("a", F32, [2]), g.placeholder("b", F32, [2])
    lst = g.op("EmptyTensorList", [g.const(np.array([2], I32)), g.const(np.array(-1, I32))], element_dtype=F32, shape_type=I32)
    lst = g.op("TensorListPushBack", [lst, a], element_dtype=F32)
    lst = g.op("TensorListPushBack", [lst, b], element_dtype=F32)
    length = g.op("TensorListLength", [lst])
    stacked = g.op("TensorListStack", [lst, g.const(np.array([2], I32))], element_dtype=F32, num_elements=2)
    popped = g.op("TensorListPopBack", [lst, g.const(np.array([2], I32))], element_dtype=F32)
    rest = g.op("TensorListStack", [popped, g.const(np.array([2], I32))], element_dtype=F32)
    av, bv = rand(2), rand(2)
    got_len, got_stack, got_rest, got_item = run_graph(
        g.graph, {"a:0": av, "b:0": bv}, [length, stacked, rest, popped + ":1"]
    )
    assert got_len == 2
    np.testing.assert_array_equal(got_stack, np.stack([av, bv]))
    np.testing.assert_array_equal(got_rest, av[None])
    np.testing.assert_array_equal(got_item, bv)


def test_concat_split_and_resize():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [6, 3])
    lst = g.op("TensorListSplit", [x, g.const(np.array([-1, 3], I32)), g.const(np.array([2, 2, 2], np.int64))], element_dtype=F32, shape_type=I32)
    concat = g.op("TensorListConcatV2", [lst, g.const(np.array([-1, 3], I32)), g.const(np.array(0, np.int64))], element_dtype=F32, shape_type=I32)
    first = g.op("TensorListGetItem", [lst, g.const(np.array(1, I32)), g.const(np.array([2, 3], I32))], element_dtype=F32)
    grown = g.op("TensorListResize", [lst, g.const(np.array(4, I32))])
    shrunk = g.op("TensorListResize", [lst, g.const(np.array(1, I32))])
    stack_grown = g.op("TensorListStack", [grown, g.const(np.array([2, 3], I32))], element_dtype=F32)
    stack_shrunk = g.op("TensorListStack", [shrunk, g.const(np.array([2, 3], I32))], element_dtype=F32)
    xv = rand(6, 3)
    got = run_graph(g.graph, {"x:0": xv}, [concat, concat + ":1", first, stack_grown, stack_shrunk])
    np.testing.assert_array_equal(got[0], xv)
    assert got[1].dtype == np.int64 and list(got[1]) == [2, 2, 2]
    np.testing.assert_array_equal(got[2], xv[2:4])
    np.testing.assert_array_equal(got[3], np.concatenate([xv.reshape(3, 2, 3), np.zeros((1, 2, 3), F32)]))
    np.testing.assert_array_equal(got[4], xv[:2][None])


# ---- lists through While loops -------------------------------------------------------------------
def rnn_graph(steps: int, batch: int, features: int, units: int, keras_size=False, unknown_batch=False) -> GraphBuilder:
    """A Keras SimpleRNN as TF2's while_v2 builds it: the input unstacked into a list (FromTensor),
    an output list (Reserve) written with SetItem in the body, stacked after the loop.

    ``keras_size``: the output list's size is ``tf.shape(x)[0]`` (StridedSlice of Shape), as Keras
    computes it; ``unknown_batch``: its element shape is [-1, units], as Keras writes it for a model
    built with batch size None."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [steps, batch, features])
    w = g.placeholder("w", F32, [features, units])
    u = g.placeholder("u", F32, [units, units])
    h0 = g.placeholder("h0", F32, [batch, units])
    inputs = g.op("TensorListFromTensor", [x, g.const(np.array([batch, features], I32))], element_dtype=F32, shape_type=I32)
    size = g.const(np.array(steps, I32))
    if keras_size:
        one = g.const(np.array([1], I32))
        size = g.op("StridedSlice", [g.op("Shape", [x], T=F32, out_type=I32), g.const(np.array([0], I32)), one, one],
                    T=I32, Index=I32, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=1)
    element_shape = g.const(np.array([-1 if unknown_batch else batch, units], I32))
    outputs = g.op("TensorListReserve", [element_shape, size], element_dtype=F32, shape_type=I32)
    loop_args = [("i", DT_I32), ("h", DT_F32), ("out", VARIANT), ("in", VARIANT), ("w", DT_F32), ("u", DT_F32)]
    add_function(
        g, "rnn_body", loop_args, [(n + "_next", t) for n, t in loop_args],
        [
            const_fn("shape", np.array([batch, features], I32)),
            ("xt", "TensorListGetItem", ["in", "i", "shape:output:0"], {"element_dtype": F32}),
            ("xw", "MatMul", ["xt:item:0", "w"], {"T": F32}),
            ("hu", "MatMul", ["h", "u"], {"T": F32}),
            ("pre", "AddV2", ["xw:product:0", "hu:product:0"], {"T": F32}),
            ("h_new", "Tanh", ["pre:z:0"], {"T": F32}),
            ("out_new", "TensorListSetItem", ["out", "i", "h_new:y:0"], {"element_dtype": F32}),
            const_fn("one", np.array(1, I32)),
            ("i_new", "AddV2", ["i", "one:output:0"], {"T": I32}),
        ],
        {"i_next": "i_new:z:0", "h_next": "h_new:y:0", "out_next": "out_new:output_handle:0", "in_next": "in", "w_next": "w", "u_next": "u"},
    )
    add_function(
        g, "rnn_cond", loop_args, [("go", DT_BOOL)],
        [const_fn("steps", np.array(steps, I32)), ("less", "Less", ["i", "steps:output:0"], {"T": I32})],
        {"go": "less:z:0"},
    )
    loop = g.op(
        "While", [g.const(np.array(0, I32)), h0, outputs, inputs, w, u], name="rnn",
        T=variant_types(DT_I32, DT_F32, VARIANT, VARIANT, DT_F32, DT_F32), body=func_attr("rnn_body"), cond=func_attr("rnn_cond"),
    )
    g.op("TensorListStack", [loop + ":2", g.const(np.array([batch, units], I32))], name="stacked", element_dtype=F32, num_elements=steps)
    return g


def rnn_reference(x, w, u, h):
    outputs = []
    for xt in x:
        h = np.tanh(xt @ w + h @ u)
        outputs.append(h)
    return np.stack(outputs), h


def check_rnn(g, steps, batch, features, units):
    feeds = {"x:0": rand(steps, batch, features), "w:0": rand(features, units), "u:0": rand(units, units) * 0.5, "h0:0": rand(batch, units)}
    got_stack, got_h = run_graph(g.graph, feeds, ["stacked", "rnn:1"])
    want_stack, want_h = rnn_reference(feeds["x:0"], feeds["w:0"], feeds["u:0"], feeds["h0:0"])
    np.testing.assert_allclose(got_stack, want_stack, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_h, want_h, rtol=1e-5, atol=1e-5)


def test_simple_rnn_loop_reads_and_writes_lists():
    check_rnn(rnn_graph(5, 2, 3, 4), 5, 2, 3, 4)


def test_list_size_computed_from_a_shape_is_known_at_import():
    """Keras sizes the output list with tf.shape(x)[0]: the loop body must still see a static list."""
    check_rnn(rnn_graph(4, 3, 2, 5, keras_size=True), 4, 3, 2, 5)


def test_list_with_unknown_batch_takes_its_shape_from_the_loop_body():
    check_rnn(rnn_graph(3, 2, 3, 4, keras_size=True, unknown_batch=True), 3, 2, 3, 4)


def test_list_types_are_dense_through_the_loop():
    g = rnn_graph(3, 2, 3, 4)
    feeds = {"x:0": rand(3, 2, 3), "w:0": rand(3, 4), "u:0": rand(4, 4), "h0:0": rand(2, 4)}
    text = print_module(import_and_legalize(g.graph, feeds, ["stacked"]).module)
    assert "tfc.while" in text and "tfc.dynamic_update_slice" in text and "tfc.dynamic_slice" in text
    assert "tensor<3x2x4xf32>" in text and '"tf.' not in text


def test_push_back_in_a_loop_is_a_clear_error():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    lst = g.op("EmptyTensorList", [g.const(np.array([2], I32)), g.const(np.array(3, I32))], element_dtype=F32, shape_type=I32)
    args = [("i", DT_I32), ("l", VARIANT), ("x", DT_F32)]
    add_function(
        g, "push_body", args, [(n + "_out", t) for n, t in args],
        [("push", "TensorListPushBack", ["l", "x"], {"element_dtype": F32}), const_fn("one", np.array(1, I32)),
         ("next", "AddV2", ["i", "one:output:0"], {"T": I32})],
        {"i_out": "next:z:0", "l_out": "push:output_handle:0", "x_out": "x"},
    )
    add_function(g, "push_cond", args, [("go", DT_BOOL)], [const_fn("n", np.array(3, I32)), ("lt", "Less", ["i", "n:output:0"], {"T": I32})], {"go": "lt:z:0"})
    loop = g.op("While", [g.const(np.array(0, I32)), lst, x], T=variant_types(DT_I32, VARIANT, DT_F32), body=func_attr("push_body"), cond=func_attr("push_cond"))
    with pytest.raises(TfcError, match=r"While.*loop variable 1 \(a TensorList\) changes shape .*a list that grows in a loop \(TensorListPushBack\)"):
        import_and_legalize(g.graph, {"x:0": rand(2)}, [loop + ":1"])


# ---- Case ---------------------------------------------------------------------------------------------
def case_graph(op: str = "Case") -> GraphBuilder:
    g = GraphBuilder()
    index = g.placeholder("index", I32, [])
    x = g.placeholder("x", F32, [3])
    y = g.placeholder("y", F32, [3])
    args = [("a", DT_F32), ("b", DT_F32)]
    for name, body_op in (("add_branch", "AddV2"), ("sub_branch", "Sub"), ("mul_branch", "Mul")):
        add_function(g, name, args, [("r", DT_F32)], [("op", body_op, ["a", "b"], {"T": F32})], {"r": "op:z:0"})
    g.op(op, [index, x, y], name="case", Tin=[F32, F32], Tout=[F32], branches=func_list(["add_branch", "sub_branch", "mul_branch"]))
    return g


@pytest.mark.parametrize("op", ["Case", "StatelessCase"])
def test_case_runs_the_indexed_branch_and_the_last_one_by_default(op):
    g = case_graph(op)
    xv, yv = rand(3), rand(3)
    want = {0: xv + yv, 1: xv - yv, 2: xv * yv, 7: xv * yv, -1: xv * yv}
    for index, expected in want.items():
        (got,) = run_graph(g.graph, {"index:0": np.array(index, I32), "x:0": xv, "y:0": yv}, ["case"])
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_case_legalizes_to_ifs_calling_each_branch_once():
    g = case_graph()
    text = print_module(import_and_legalize(g.graph, {"index:0": np.array(0, I32), "x:0": rand(3), "y:0": rand(3)}, ["case"]).module)
    assert text.count('"tfc.if"') == 2 and text.count('"tfc.call"') == 3 and "@mul_branch" in text


def test_case_of_many_branches_nests_logarithmically():
    """200 branches: a chain of ifs would nest 200 regions (past tfc's limit of 64); the binary
    search nests 1 + ceil(log2(199)) = 9, and every index still picks its branch."""
    from tfc.ir import walk_with_depth

    n = 200
    g = GraphBuilder()
    index, x = g.placeholder("index", I32, []), g.placeholder("x", F32, [3])
    for k in range(n):
        add_function(g, f"b{k}", [("a", DT_F32)], [("r", DT_F32)],
                     [const_fn("k", np.array(k, F32)), ("r", "Mul", ["a", "k:output:0"], {"T": F32})], {"r": "r:z:0"})
    g.op("Case", [index, x], name="case", Tin=[F32], Tout=[F32], branches=func_list([f"b{k}" for k in range(n)]))
    xv = rand(3)
    module = import_and_legalize(g.graph, {"index:0": np.array(0, I32), "x:0": xv}, ["case"]).module
    main = module.function("main").op
    assert max(depth for op, depth in walk_with_depth(main) if op.name == "tfc.if") == 9
    for k in (0, 1, 99, 100, 198, 199, 200, -1):
        (got,) = run_graph(g.graph, {"index:0": np.array(k, I32), "x:0": xv}, ["case"])
        np.testing.assert_array_equal(got, xv * (k if 0 <= k < n else n - 1))


def test_case_branch_whose_type_legalization_refines():
    """A branch whose result shape is known only once legalize-tf folds Shape -> Prod -> Reshape."""
    g = GraphBuilder()
    index, x = g.placeholder("index", I32, []), g.placeholder("x", F32, [2, 3])
    add_function(
        g, "flatten", [("a", DT_F32)], [("r", DT_F32)],
        [("s", "Shape", ["a"], {"T": F32, "out_type": I32}), const_fn("axis", np.array([0], I32)),
         ("p", "Prod", ["s:output:0", "axis:output:0"], {"T": I32, "Tidx": I32, "keep_dims": True}),
         ("r", "Reshape", ["a", "p:output:0"], {"T": F32, "Tshape": I32})],
        {"r": "r:output:0"},
    )
    add_function(g, "negate", [("a", DT_F32)], [("r", DT_F32)],
                 [const_fn("shape", np.array([6], I32)), ("r", "Reshape", ["a", "shape:output:0"], {"T": F32, "Tshape": I32}),
                  ("n", "Neg", ["r:output:0"], {"T": F32})], {"r": "n:y:0"})
    g.op("Case", [index, x], name="case", Tin=[F32], Tout=[F32], branches=func_list(["flatten", "negate"]))
    xv = rand(2, 3)
    for index_value, want in ((0, xv.reshape(6)), (1, -xv.reshape(6))):
        (got,) = run_graph(g.graph, {"index:0": np.array(index_value, I32), "x:0": xv}, ["case"])
        np.testing.assert_array_equal(got, want)


def test_case_branches_with_different_dtypes_are_an_error():
    g = GraphBuilder()
    index, x = g.placeholder("index", I32, []), g.placeholder("x", F32, [2])
    add_function(g, "keep", [("a", DT_F32)], [("r", DT_F32)], [("id", "Identity", ["a"], {"T": F32})], {"r": "id:output:0"})
    add_function(g, "to_int", [("a", DT_F32)], [("r", DT_I32)], [("c", "Cast", ["a"], {"SrcT": F32, "DstT": I32})], {"r": "c:y:0"})
    g.op("Case", [index, x], name="case", Tin=[F32], Tout=[F32], branches=func_list(["keep", "to_int"]))
    with pytest.raises(TfcError, match=r"node 'case'.*branches return different types"):
        import_and_legalize(g.graph, {"index:0": np.array(0, I32), "x:0": rand(2)}, ["case"])


# ---- errors ---------------------------------------------------------------------------------------------
def test_runtime_list_size_is_a_clear_error():
    g = GraphBuilder()
    n = g.placeholder("n", I32, [])
    lst = g.op("TensorListReserve", [g.const(np.array([2], I32)), n], name="ta", element_dtype=F32, shape_type=I32)
    out = g.op("TensorListStack", [lst, g.const(np.array([2], I32))], element_dtype=F32)
    with pytest.raises(TfcError, match=r"ta.*size and element shape must be constants, got \? elements of shape \[2\]"):
        import_and_legalize(g.graph, {"n:0": np.array(3, I32)}, [out])


def test_unknown_element_shape_is_a_clear_error():
    g = GraphBuilder()
    lst = g.op("TensorListReserve", [g.const(np.array(-1, I32)), g.const(np.array(3, I32))], name="ta", element_dtype=F32, shape_type=I32)
    out = g.op("TensorListStack", [lst, g.const(np.array(-1, I32))], element_dtype=F32)
    with pytest.raises(TfcError, match=r"ta.*got 3 elements of shape \[\*\]"):
        import_and_legalize(g.graph, {}, [out])


def test_constant_index_out_of_range_and_wrong_item_shape():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3])
    lst = reserve(g, 2, [3])
    bad_index = g.op("TensorListSetItem", [lst, g.const(np.array(2, I32)), x], name="bad_index", element_dtype=F32)
    with pytest.raises(TfcError, match=r"node 'bad_index'.*index 2 is out of range for a list of 2 elements"):
        import_and_legalize(g.graph, {"x:0": rand(3)}, [bad_index])
    y = g.placeholder("y", F32, [4])
    bad_shape = g.op("TensorListSetItem", [lst, g.const(np.array(0, I32)), y], name="bad_shape", element_dtype=F32)
    with pytest.raises(TfcError, match=r"node 'bad_shape'.*element shapes \[3\] and \[4\] are incompatible"):
        import_and_legalize(g.graph, {"y:0": rand(4)}, [bad_shape])


def test_element_dtype_mismatch_and_nested_lists():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3])
    lst = g.op("TensorListFromTensor", [x, g.const(np.array([3], I32))], element_dtype=F32, shape_type=I32)
    item = g.op("TensorListGetItem", [lst, g.const(np.array(0, I32)), g.const(np.array([3], I32))], name="wrong", element_dtype=I32)
    with pytest.raises(TfcError, match=r"node 'wrong'.*not elements of i32"):
        import_and_legalize(g.graph, {"x:0": rand(2, 3)}, [item])
    nested = g.op("TensorListReserve", [g.const(np.array(-1, I32)), g.const(np.array(2, I32))], name="nested",
                  element_dtype=attr_value_pb2.AttrValue(type=VARIANT), shape_type=I32)
    with pytest.raises(TfcError, match=r"node 'nested'.*lists of lists"):
        import_and_legalize(g.graph, {}, [nested])
