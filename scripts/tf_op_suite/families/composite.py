"""Ops that cannot be fed or fetched alone, tested in small graphs (composite cases): TensorList*
(lists built, written, read, resized, split and concatenated), TF1 TensorArray*V3 (written, read,
scattered, gathered, split, concatenated, closed), functional control flow and calls (If,
StatelessIf, Case, StatelessCase, While, StatelessWhile, PartitionedCall, StatefulPartitionedCall;
their functions in the graph's library), the variable ops (VarHandleOp, VariableV2, Variable) and
the ops TensorFlow runs only through XLA (Segment*V2: no CPU kernel; called in an XLA-compiled
function), each run by TensorFlow in one Session.run with its fetched outputs plain tensors."""

import numpy as np
from spec import composite, f32, f64, family, i32, i32v, i64

family("composite")


# ---- TensorList ----------------------------------------------------------------------------------
def reserve_set_stack(tf, feed):
    items = tf.raw_ops.TensorListReserve(element_shape=tf.constant([2, 3]), num_elements=tf.constant(4), element_dtype=tf.float32)
    items = tf.raw_ops.TensorListSetItem(input_handle=items, index=tf.constant(1), item=feed("item1", f32(2, 3)))
    items = tf.raw_ops.TensorListSetItem(input_handle=items, index=feed("index", np.int32(3)), item=feed("item3", f32(2, 3)))
    return [tf.raw_ops.TensorListStack(input_handle=items, element_shape=tf.constant([2, 3]), element_dtype=tf.float32)]


def from_tensor_get_gather(tf, feed):
    items = tf.raw_ops.TensorListFromTensor(tensor=feed("tensor", f64(5, 2)), element_shape=tf.constant([2]))
    return [tf.raw_ops.TensorListGetItem(input_handle=items, index=tf.constant(3), element_shape=tf.constant([2]), element_dtype=tf.float64),
            tf.raw_ops.TensorListGather(input_handle=items, indices=tf.constant([4, 0, 4]), element_shape=tf.constant([2]),
                                        element_dtype=tf.float64),
            tf.raw_ops.TensorListLength(input_handle=items),
            tf.raw_ops.TensorListElementShape(input_handle=items, shape_type=tf.int32)]


def empty_push_pop(tf, feed):
    items = tf.raw_ops.EmptyTensorList(element_shape=tf.constant([3], tf.int64), max_num_elements=tf.constant(-1),
                                       element_dtype=tf.int32)
    for i in range(3):
        items = tf.raw_ops.TensorListPushBack(input_handle=items, tensor=feed(f"x{i}", i32(3)))
    items, last = tf.raw_ops.TensorListPopBack(input_handle=items, element_shape=tf.constant([3]), element_dtype=tf.int32)
    return [last, tf.raw_ops.TensorListStack(input_handle=items, element_shape=tf.constant([3]), element_dtype=tf.int32),
            tf.raw_ops.TensorListLength(input_handle=items),
            tf.raw_ops.TensorListElementShape(input_handle=items, shape_type=tf.int64)]


def scatter_forms(tf, feed):
    shape = tf.constant([2])
    scattered = tf.raw_ops.TensorListScatter(tensor=feed("rows", f32(3, 2)), indices=tf.constant([2, 0, 1]), element_shape=shape)
    scattered_v2 = tf.raw_ops.TensorListScatterV2(tensor=feed("rows_v2", f32(2, 2)), indices=tf.constant([3, 1]),
                                                   element_shape=shape, num_elements=tf.constant(5))
    into = tf.raw_ops.TensorListScatterIntoExistingList(input_handle=scattered_v2, tensor=feed("more", f32(2, 2)),
                                                          indices=tf.constant([0, 3]))
    return [tf.raw_ops.TensorListStack(input_handle=lst, element_shape=shape, element_dtype=tf.float32)
            for lst in (scattered, scattered_v2, into)]


def resize(tf, feed):
    items = tf.raw_ops.TensorListFromTensor(tensor=feed("tensor", f32(3, 2)), element_shape=tf.constant([2]))
    shape = tf.constant([2])
    return [tf.raw_ops.TensorListStack(input_handle=tf.raw_ops.TensorListResize(input_handle=items, size=tf.constant(size)),
                                       element_shape=shape, element_dtype=tf.float32) for size in (5, 2)]


def split_concat(tf, feed):
    items = tf.raw_ops.TensorListSplit(tensor=feed("tensor", f32(6, 2)), element_shape=tf.constant([-1, 2]),
                                       lengths=tf.constant(np.int64([2, 2, 2])))
    value, lengths = tf.raw_ops.TensorListConcat(input_handle=items, element_dtype=tf.float32, element_shape=[2, 2])
    value_v2, lengths_v2 = tf.raw_ops.TensorListConcatV2(input_handle=items, element_shape=tf.constant([2, 2]),
                                                         leading_dims=tf.constant(np.int64([])), element_dtype=tf.float32)
    return [value, lengths, value_v2, lengths_v2,
            tf.raw_ops.TensorListGetItem(input_handle=items, index=tf.constant(1), element_shape=tf.constant([2, 2]),
                                         element_dtype=tf.float32)]


composite("TensorListSetItem", "reserve_set_stack", reserve_set_stack, covers=("TensorListReserve", "TensorListStack"))
composite("TensorListFromTensor", "get_gather_length_shape", from_tensor_get_gather,
          covers=("TensorListGetItem", "TensorListGather", "TensorListLength", "TensorListElementShape"))
composite("EmptyTensorList", "push_pop", empty_push_pop,
          covers=("TensorListPushBack", "TensorListPopBack", "TensorListStack", "TensorListLength", "TensorListElementShape"))
composite("TensorListScatter", "forms", scatter_forms, covers=("TensorListScatterV2", "TensorListScatterIntoExistingList"))
composite("TensorListResize", "grow_and_shrink", resize, covers=("TensorListFromTensor", "TensorListStack"))
composite("TensorListSplit", "concat", split_concat, covers=("TensorListConcat", "TensorListConcatV2", "TensorListGetItem"))


# ---- TensorArray (TF1) ---------------------------------------------------------------------------
def tensor_array(tf, size, dtype, element_shape):
    return tf.raw_ops.TensorArrayV3(size=tf.constant(size), dtype=dtype, element_shape=element_shape, dynamic_size=False,
                                    clear_after_read=False, identical_element_shapes=True, tensor_array_name="")


def array_write_read(tf, feed):
    handle, flow = tensor_array(tf, 3, tf.float32, [2])
    flow = tf.raw_ops.TensorArrayWriteV3(handle=handle, index=tf.constant(0), value=feed("a", f32(2)), flow_in=flow)
    flow = tf.raw_ops.TensorArrayWriteV3(handle=handle, index=tf.constant(2), value=feed("b", f32(2)), flow_in=flow)
    read = tf.raw_ops.TensorArrayReadV3(handle=handle, index=tf.constant(2), flow_in=flow, dtype=tf.float32)
    gathered = tf.raw_ops.TensorArrayGatherV3(handle=handle, indices=tf.constant([2, 0]), flow_in=flow, dtype=tf.float32,
                                              element_shape=[2])
    size = tf.raw_ops.TensorArraySizeV3(handle=handle, flow_in=flow)
    with tf.control_dependencies([read, gathered, size]):
        close = tf.raw_ops.TensorArrayCloseV3(handle=handle)
    with tf.control_dependencies([close]):
        return [tf.identity(read), tf.identity(gathered), tf.identity(size)]


def array_scatter_concat(tf, feed):
    handle, flow = tensor_array(tf, 4, tf.int64, [2, 3])
    flow = tf.raw_ops.TensorArrayScatterV3(handle=handle, indices=tf.constant([3, 1, 0, 2]), value=feed("rows", i64(4, 2, 3)),
                                           flow_in=flow)
    value, lengths = tf.raw_ops.TensorArrayConcatV3(handle=handle, flow_in=flow, dtype=tf.int64, element_shape_except0=[3])
    return [value, lengths, tf.raw_ops.TensorArrayReadV3(handle=handle, index=tf.constant(1), flow_in=flow, dtype=tf.int64)]


def array_split_gather(tf, feed):
    handle, flow = tensor_array(tf, 3, tf.float32, [2, 2])
    flow = tf.raw_ops.TensorArraySplitV3(handle=handle, value=feed("value", f32(6, 2)), lengths=tf.constant(np.int64([2, 2, 2])),
                                         flow_in=flow)
    return [tf.raw_ops.TensorArrayGatherV3(handle=handle, indices=tf.constant([1, 2, 0]), flow_in=flow, dtype=tf.float32,
                                           element_shape=[2, 2])]


composite("TensorArrayWriteV3", "read_gather_size_close", array_write_read,
          covers=("TensorArrayV3", "TensorArrayReadV3", "TensorArrayGatherV3", "TensorArraySizeV3", "TensorArrayCloseV3"))
composite("TensorArrayScatterV3", "concat_read", array_scatter_concat,
          covers=("TensorArrayV3", "TensorArrayConcatV3", "TensorArrayReadV3"))
composite("TensorArraySplitV3", "gather", array_split_gather, covers=("TensorArrayV3", "TensorArrayGatherV3"))


# ---- functional control flow and calls -----------------------------------------------------------
def concrete(tf, function, *specs):
    return tf.function(function, autograph=False).get_concrete_function(*specs)


def branches(tf, shape, dtype):
    """Three functions of one tensor: doubled, minus one, squared."""
    spec = tf.TensorSpec(shape, dtype)
    return [concrete(tf, lambda v: [v * 2], spec), concrete(tf, lambda v: [v - 1], spec), concrete(tf, lambda v: [v * v], spec)]


def if_forms(tf, feed):
    x = feed("x", f32(2, 3))
    then_branch, else_branch, _ = branches(tf, [2, 3], tf.float32)
    outputs = []
    for op, predicate in ((tf.raw_ops.If, feed("predicate", np.bool_(True))), (tf.raw_ops.StatelessIf, feed("other", np.bool_(False)))):
        outputs += op(cond=predicate, input=[x], Tout=[tf.float32], then_branch=then_branch, else_branch=else_branch)
    return outputs


def if_int_predicate(tf, feed):
    x = feed("x", i32(4))
    then_branch, else_branch, _ = branches(tf, [4], tf.int32)
    return [*tf.raw_ops.StatelessIf(cond=feed("count", np.int32(0)), input=[x], Tout=[tf.int32], then_branch=then_branch,
                                    else_branch=else_branch),
            *tf.raw_ops.If(cond=feed("other", np.int32(3)), input=[x], Tout=[tf.int32], then_branch=then_branch,
                           else_branch=else_branch)]


def case_forms(tf, feed):
    x = feed("x", f64(3))
    functions = branches(tf, [3], tf.float64)
    outputs = []
    for op in (tf.raw_ops.Case, tf.raw_ops.StatelessCase):
        for index in (0, 2, 7, -1):  # out of range: the last branch
            outputs += op(branch_index=feed(f"{op.__name__}_index_{index}".replace("-", "m"), np.int32(index)), input=[x],
                          Tout=[tf.float64], branches=functions)
    return outputs


def while_forms(tf, feed):
    specs = [tf.TensorSpec([], tf.int32), tf.TensorSpec([3], tf.float32)]
    cond = concrete(tf, lambda i, v: i < 4, *specs)
    body = concrete(tf, lambda i, v: (i + 1, v * 0.5 + 1.0), *specs)
    start = [tf.constant(0), feed("x", f32(3))]
    return [tf.raw_ops.While(input=start, cond=cond, body=body)[1], *tf.raw_ops.StatelessWhile(input=start, cond=cond, body=body)]


def while_fed_trip_count(tf, feed):
    specs = [tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32), tf.TensorSpec([2, 2], tf.float64)]
    cond = concrete(tf, lambda i, n, v: i < n, *specs)
    body = concrete(tf, lambda i, n, v: (i + 1, n, tf.matmul(v, v) * 0.5), *specs)
    return tf.raw_ops.StatelessWhile(input=[tf.constant(0), feed("n", np.int32(3)), feed("x", f64(2, 2))], cond=cond, body=body,
                                     parallel_iterations=1)[1:]


def while_list(tf, feed):
    """Keras' RNN loop: a While writing one TensorList element per step."""
    x = feed("x", f32(4, 2))
    specs = [tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32), tf.TensorSpec(None, tf.variant),
             tf.TensorSpec(None, tf.variant)]

    def body(i, state, rows, items):
        row = tf.raw_ops.TensorListGetItem(input_handle=rows, index=i, element_shape=tf.constant([2]), element_dtype=tf.float32)
        state = tf.tanh(state + row)
        return i + 1, state, rows, tf.raw_ops.TensorListSetItem(input_handle=items, index=i, item=state)

    rows = tf.raw_ops.TensorListFromTensor(tensor=x, element_shape=tf.constant([2]))
    items = tf.raw_ops.TensorListReserve(element_shape=tf.constant([2]), num_elements=tf.constant(4), element_dtype=tf.float32)
    cond = concrete(tf, lambda i, state, rows, items: i < 4, *specs)
    loop = tf.raw_ops.StatelessWhile(input=[tf.constant(0), tf.zeros([2]), rows, items], cond=cond,
                                     body=concrete(tf, body, *specs))
    return [loop[1], tf.raw_ops.TensorListStack(input_handle=loop[3], element_shape=tf.constant([2]), element_dtype=tf.float32)]


def calls(tf, feed):
    x, y = feed("x", f32(2, 2)), feed("y", f32(2))
    specs = [tf.TensorSpec([2, 2], tf.float32), tf.TensorSpec([2], tf.float32)]
    function = concrete(tf, lambda a, b: [tf.linalg.matvec(a, b), a + 1], *specs)
    return [*tf.raw_ops.PartitionedCall(args=[x, y], Tout=[tf.float32, tf.float32], f=function),
            *tf.raw_ops.StatefulPartitionedCall(args=[x, y], Tout=[tf.float32, tf.float32], f=function)]


composite("If", "bool_predicates", if_forms, covers=("StatelessIf",))
composite("StatelessIf", "int_predicates", if_int_predicate, covers=("If",))
composite("Case", "indices_in_and_out_of_range", case_forms, covers=("StatelessCase",))
composite("While", "fixed_trip_count", while_forms, covers=("StatelessWhile",))
composite("StatelessWhile", "fed_trip_count", while_fed_trip_count)
composite("StatelessWhile", "tensor_list_loop", while_list,
          covers=("TensorListFromTensor", "TensorListReserve", "TensorListGetItem", "TensorListSetItem", "TensorListStack"))
composite("PartitionedCall", "two_results", calls, covers=("StatefulPartitionedCall",))


# ---- variables -----------------------------------------------------------------------------------
def resource_variable(tf, feed):
    handle = tf.raw_ops.VarHandleOp(dtype=tf.float32, shape=[2, 3], shared_name="v")
    assign = tf.raw_ops.AssignVariableOp(resource=handle, value=feed("value", f32(2, 3)))
    with tf.control_dependencies([assign]):
        return [tf.raw_ops.ReadVariableOp(resource=handle, dtype=tf.float32)]


def ref_variables(tf, feed):
    outputs = []
    for op, value in ((tf.raw_ops.VariableV2, f32(3)), (tf.raw_ops.Variable, i32(2, 2))):
        array = value()
        ref = op(shape=array.shape, dtype=tf.as_dtype(array.dtype))
        outputs.append(tf.identity(tf.raw_ops.Assign(ref=ref, value=feed(op.__name__, array))))
    return outputs


composite("VarHandleOp", "assign_read", resource_variable, covers=("AssignVariableOp", "ReadVariableOp"))
composite("VariableV2", "assign", ref_variables, covers=("Variable", "Assign"))


# ---- ops with XLA kernels only: called in a function TensorFlow must compile with XLA ---------------
def xla_segments(op, data, segment_ids, num_segments):
    def build(tf, feed):
        def segments(values):
            return getattr(tf.raw_ops, op)(data=values, segment_ids=tf.constant(segment_ids), num_segments=tf.constant(num_segments))

        return [tf.function(segments, jit_compile=True, autograph=False)(feed("data", data))]

    return build


for op in ("SegmentSumV2", "SegmentMaxV2", "SegmentMinV2", "SegmentProdV2"):
    composite(op, "rows_with_empty_segments", xla_segments(op, f32(5, 2), i32v([0, 0, 2, 2, 3]), np.int32(5)),
              covers=("PartitionedCall",))
    composite(op, "ints_i64_ids", xla_segments(op, i32(6, low=-4, high=5), np.int64([0, 1, 1, 1, 3, 3]), np.int64(4)),
              covers=("PartitionedCall",))
    composite(op, "f64_matrix_rows", xla_segments(op, f64(3, 2, 2), i32v([1, 1, 2]), np.int64(3)), covers=("PartitionedCall",))
