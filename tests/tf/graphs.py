"""Building small GraphDefs in tests (no TensorFlow needed) and running them through tfc.

    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [2, 3])
    y = g.op("Relu", [x], T=np.float32)
    results = run_graph(g.graph, {"x:0": np.ones((2, 3), np.float32)}, [y])
"""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tfc.backends.interp.interpreter import run as interp_run
from tfc.backends.xla.backend import compile_module
from tfc.frontend.tf.importer import GraphImporter
from tfc.passes.lift_variables import lift_variables
from tfc.passmanager import PassManager
from tfc.types import DType, TensorType
from tfc.verifier import verify

_TF_DTYPES = {
    np.dtype(np.float32): types_pb2.DT_FLOAT, np.dtype(np.float64): types_pb2.DT_DOUBLE,
    np.dtype(np.float16): types_pb2.DT_HALF, np.dtype(np.int32): types_pb2.DT_INT32,
    np.dtype(np.int64): types_pb2.DT_INT64, np.dtype(np.int8): types_pb2.DT_INT8,
    np.dtype(np.uint8): types_pb2.DT_UINT8, np.dtype(np.bool_): types_pb2.DT_BOOL,
    np.dtype(np.int16): types_pb2.DT_INT16, np.dtype(np.complex64): types_pb2.DT_COMPLEX64,
    np.dtype(np.complex128): types_pb2.DT_COMPLEX128,
}


def tf_dtype(dtype) -> int:
    return _TF_DTYPES[np.dtype(dtype)]


def tensor_proto(value, dtype=None) -> tensor_pb2.TensorProto:
    array = np.asarray(value, dtype=dtype)
    proto = tensor_pb2.TensorProto(dtype=tf_dtype(array.dtype))
    proto.tensor_shape.CopyFrom(shape_proto(array.shape))
    proto.tensor_content = array.astype(array.dtype.newbyteorder("<")).tobytes()
    return proto


def shape_proto(shape) -> tensor_shape_pb2.TensorShapeProto:
    if shape is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in shape])


def shape_attr(shape) -> attr_value_pb2.AttrValue:
    """A ``shape`` attribute (a plain list would be a ``list(int)`` one)."""
    return attr_value_pb2.AttrValue(shape=shape_proto(shape))


def attr_value(value) -> attr_value_pb2.AttrValue:
    """An AttrValue from a Python value: bool, int, float, str, numpy dtype/type, ndarray, list."""
    if isinstance(value, attr_value_pb2.AttrValue):
        return value
    if isinstance(value, bool):
        return attr_value_pb2.AttrValue(b=value)
    if isinstance(value, int):
        return attr_value_pb2.AttrValue(i=value)
    if isinstance(value, float):
        return attr_value_pb2.AttrValue(f=value)
    if isinstance(value, (str, bytes)):
        return attr_value_pb2.AttrValue(s=value.encode() if isinstance(value, str) else value)
    if isinstance(value, np.ndarray):
        return attr_value_pb2.AttrValue(tensor=tensor_proto(value))
    if isinstance(value, type) or isinstance(value, np.dtype):
        return attr_value_pb2.AttrValue(type=tf_dtype(value))
    if isinstance(value, (list, tuple)):
        lst = attr_value_pb2.AttrValue.ListValue()
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            lst.i.extend(value)
        elif all(isinstance(v, (type, np.dtype)) for v in value):
            lst.type.extend(tf_dtype(v) for v in value)
        elif all(isinstance(v, float) for v in value):
            lst.f.extend(value)
        elif all(isinstance(v, str) for v in value):
            lst.s.extend(v.encode() for v in value)
        return attr_value_pb2.AttrValue(list=lst)
    raise TypeError(f"cannot make an AttrValue from {value!r}")


class GraphBuilder:
    """Appends NodeDefs to a GraphDef; ``op`` returns the new node's name (its output 0)."""

    def __init__(self):
        self.graph = graph_pb2.GraphDef()
        self.counter = 0

    def op(self, op_type: str, inputs=(), name: str | None = None, device: str = "", **attrs) -> str:
        self.counter += 1
        node = self.graph.node.add(name=name or f"{op_type}_{self.counter}", op=op_type, input=list(inputs), device=device)
        for key, value in attrs.items():
            node.attr[key].CopyFrom(attr_value(value))
        return node.name

    def placeholder(self, name: str, dtype, shape) -> str:
        return self.op("Placeholder", name=name, dtype=dtype, shape=shape_attr(shape))

    def const(self, value, dtype=None, name: str | None = None) -> str:
        array = np.asarray(value, dtype=dtype)
        return self.op("Const", name=name, value=array, dtype=array.dtype.type)


def import_and_legalize(graph, feeds: dict, fetches, targets=()):
    """Import ``graph`` for these fetches with the feeds' shapes, then legalize; returns the module."""
    feed_types = {name: TensorType(DType.from_numpy(np.asarray(v).dtype), np.asarray(v).shape) for name, v in feeds.items()}
    result = GraphImporter(graph).import_graph(list(fetches), list(targets), feed_types)
    verify(result.module)
    PassManager("legalize-tf", verify_each=True).run(result.module)
    return result


def initial_op_state(module) -> tuple[list[np.ndarray], int]:
    """Lift ``main``'s op state (a stateful random op's generator position, as a session would):
    the initial values it takes after the feeds, and how many state results come before the fetches."""
    lifted = lift_variables(module, module.function("main"))
    return [np.array(lifted.initial_values[name]) for name in lifted.names_in], len(lifted.names_out)


def run_graph(graph, feeds: dict, fetches, rtol=1e-5, atol=1e-6):
    """Import + legalize, run on interp and xla (a first run, for ops that keep state), check they
    agree; returns the xla results (numpy)."""
    result = import_and_legalize(graph, feeds, fetches)
    state, skip = initial_op_state(result.module)
    args = [np.asarray(feeds[name]) for name in result.feeds] + state
    want = interp_run(result.module, args)[skip:]
    got = [np.asarray(x) for x in compile_module(result.module)(*args)][skip:]
    for w, g in zip(want, got):
        assert w.dtype == g.dtype and w.shape == g.shape, (w.dtype, w.shape, g.dtype, g.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    return got
