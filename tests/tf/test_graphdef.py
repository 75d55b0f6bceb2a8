"""TensorFlow protobuf decoding: every TensorProto encoding, attribute kinds, devices and colocation."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from tensorboard.compat.proto import tensor_pb2, types_pb2

import tfc
from tfc.frontend.tf.graphdef import GraphImportError, convert_attr, decode_tensor
from tfc.frontend.tf.importer import GraphImporter
from tfc.printer import print_module
from tfc.tools import graph_commands

from .graphs import GraphBuilder, attr_value, shape_proto


def proto(dtype, shape, **fields):
    p = tensor_pb2.TensorProto(dtype=dtype, **fields)
    p.tensor_shape.CopyFrom(shape_proto(shape))
    return p


@pytest.mark.parametrize(
    "dtype, field, values, numpy_dtype",
    [
        (types_pb2.DT_FLOAT, "float_val", [1.5, -2.0, 3.25, 0.0], np.float32),
        (types_pb2.DT_DOUBLE, "double_val", [1e300, -2.0, 3.0, 4.0], np.float64),
        (types_pb2.DT_INT32, "int_val", [1, -2, 3, 2**31 - 1], np.int32),
        (types_pb2.DT_INT64, "int64_val", [1, -2, 2**40, -(2**62)], np.int64),
        (types_pb2.DT_INT8, "int_val", [1, -2, 127, -128], np.int8),
        (types_pb2.DT_UINT8, "int_val", [0, 1, 200, 255], np.uint8),
        (types_pb2.DT_BOOL, "bool_val", [True, False, True, True], np.bool_),
    ],
)
def test_typed_value_lists(dtype, field, values, numpy_dtype):
    array = decode_tensor(proto(dtype, [2, 2], **{field: values}))
    np.testing.assert_array_equal(array, np.array(values, numpy_dtype).reshape(2, 2))
    assert array.dtype == numpy_dtype


@pytest.mark.parametrize("dtype, numpy_dtype", [(types_pb2.DT_HALF, np.float16), (types_pb2.DT_BFLOAT16, ml_dtypes.bfloat16)])
def test_half_precision_values_are_bit_patterns(dtype, numpy_dtype):
    values = np.array([1.5, -2.0, 0.333], numpy_dtype)
    array = decode_tensor(proto(dtype, [3], half_val=values.view(np.uint16).tolist()))
    np.testing.assert_array_equal(array, values)


def test_complex_values():
    array = decode_tensor(proto(types_pb2.DT_COMPLEX64, [2], scomplex_val=[1.0, 2.0, -3.0, 0.5]))
    np.testing.assert_array_equal(array, np.array([1 + 2j, -3 + 0.5j], np.complex64))


def test_tensor_content_every_dtype():
    for value in [np.arange(6, dtype=np.float32), np.arange(6, dtype=np.int64) - 3, np.array([True, False] * 3),
                  np.arange(6, dtype=np.float16) / 3, (np.arange(6) / 7).astype(ml_dtypes.bfloat16)]:
        dtype = {np.dtype(np.float32): types_pb2.DT_FLOAT, np.dtype(np.int64): types_pb2.DT_INT64, np.dtype(np.bool_): types_pb2.DT_BOOL,
                 np.dtype(np.float16): types_pb2.DT_HALF, np.dtype(ml_dtypes.bfloat16): types_pb2.DT_BFLOAT16}[value.dtype]
        array = decode_tensor(proto(dtype, [2, 3], tensor_content=value.tobytes()))
        np.testing.assert_array_equal(array, value.reshape(2, 3))


def test_splat_and_repeated_last_value():
    np.testing.assert_array_equal(decode_tensor(proto(types_pb2.DT_FLOAT, [2, 3], float_val=[7.0])), np.full((2, 3), 7, np.float32))
    np.testing.assert_array_equal(decode_tensor(proto(types_pb2.DT_INT32, [5], int_val=[1, 2])), [1, 2, 2, 2, 2])
    np.testing.assert_array_equal(decode_tensor(proto(types_pb2.DT_FLOAT, [2])), [0, 0])  # no values: zeros
    assert decode_tensor(proto(types_pb2.DT_FLOAT, [], float_val=[3.0])).shape == ()


def test_mismatched_content_is_an_error():
    with pytest.raises(GraphImportError, match="tensor_content has 4 bytes"):
        decode_tensor(proto(types_pb2.DT_FLOAT, [2], tensor_content=b"\0" * 4))
    with pytest.raises(GraphImportError, match="3 values but shape"):
        decode_tensor(proto(types_pb2.DT_FLOAT, [2], float_val=[1, 2, 3]))
    with pytest.raises(GraphImportError, match="DT_STRING"):
        decode_tensor(proto(types_pb2.DT_STRING, [1]))


def test_attribute_kinds():
    assert convert_attr(attr_value(np.float32)).value.value == "f32"
    assert convert_attr(attr_value([1, 2, 3])).value == (1, 2, 3)
    assert convert_attr(attr_value("SAME")).value == "SAME"
    assert convert_attr(attr_value(True)).value is True
    assert convert_attr(attr_value(0.5)).value == 0.5
    assert [d.value for d in convert_attr(attr_value([np.float32, np.int32])).value] == ["f32", "i32"]


def test_devices_colocation_names_and_control_edges_are_kept():
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    g.op("Relu", ["x"], name="a", device="/device:CPU:1", T=np.float32)
    node = g.graph.node.add(name="b", op="Identity", input=["a", "^x"])
    node.attr["T"].CopyFrom(attr_value(np.float32))
    node.attr["_class"].CopyFrom(attr_value(["loc:@a"]))
    text = print_module(GraphImporter(g.graph).import_graph(["b:0"]).module)
    assert 'tf.device = "/device:CPU:1"' in text
    assert '_class = ["loc:@a"]' in text
    assert 'loc("a")' in text and "%a = " in text
    assert "!tfc.token" in text  # the control edge ^x orders b after x


def test_cpu_devices_named_by_the_graph(caplog):
    g = GraphBuilder()
    g.placeholder("x", np.float32, [2])
    g.op("Relu", ["x"], name="a", device="/job:localhost/replica:0/task:0/device:CPU:5", T=np.float32)
    assert graph_commands.cpu_devices_named(GraphImporter(g.graph)) == 6
    tfc.devices()  # the backend has started here with the suite's four CPU devices: a warning, not a failure
    graph_commands.ensure_cpu_devices(6)
    assert "the graph names 6 CPU devices but cannot make 6 CPU devices" in caplog.text


