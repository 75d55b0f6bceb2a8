"""TensorFlow 1's API over tfc: ``import tfc.compat.v1 as tf`` and a TF1 program runs unchanged.

Programs build a real GraphDef in the default graph (:mod:`.graph`); a Session imports it, compiles
each (fetches, feeds, shapes) once with XLA and keeps the variables between runs. ``tf.gradients``
and the optimizers differentiate through tfc's core autodiff after legalization
(:mod:`tfc.frontend.tf.gradients_op`).
"""

import importlib

from tensorboard.compat.proto.config_pb2 import ConfigProto, GPUOptions, RunMetadata, RunOptions

from tfc.types import DType

from . import app, clip_ops, indexing_ops, layout_ops, losses, train
from . import debugging_ns as debugging
from . import dtypes_ns as dtypes
from . import errors_ns as errors
from . import initializers_ns as initializers
from . import linalg_ns as linalg
from . import math_ns as math
from . import nn_ops as nn
from . import random_ns as random
from .app import logging
from .array_ops import (
    boolean_mask,
    concat,
    constant,
    convert_to_tensor,
    expand_dims,
    fill,
    gather,
    group,
    identity,
    no_op,
    one_hot,
    ones,
    ones_like,
    pad,
    placeholder,
    placeholder_with_default,
    range,
    rank,
    reshape,
    shape,
    size,
    slice,
    split,
    squeeze,
    stack,
    stop_gradient,
    tile,
    transpose,
    unique,
    unstack,
    where,
    zeros,
    zeros_like,
)
from .control_flow import cond, while_loop
from .functional_ops import foldl, foldr, map_fn, scan
from .gradients import gradients
from .graph import Graph, GraphError, get_default_graph, reset_default_graph
from .math_ops import abs_ as abs
from .math_ops import add_ as add
from .math_ops import (
    add_n,
    argmax,
    argmin,
    cast,
    ceil,
    clip_by_value,
    cos,
    div,
    divide,
    equal,
    exp,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    realdiv,
    reciprocal,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    squared_difference,
    subtract,
    tanh,
    to_double,
    to_float,
    to_int32,
    to_int64,
    truediv,
)
from .math_ops import pow_ as pow
from .math_ops import round_ as round
from .random_ops import random_normal, random_uniform, set_random_seed, truncated_normal
from .session import InteractiveSession, Session, get_default_session
from .tensor import Operation, Tensor, TensorShape, register_tensor_conversion_function
from .variable_scope import (
    AUTO_REUSE,
    VariableScope,
    constant_initializer,
    get_variable,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    variable_scope,
    zeros_initializer,
)
from .variables import (
    EagerVariable,
    Variable,
    all_variables,
    assign,
    assign_add,
    assign_sub,
    global_variables,
    global_variables_initializer,
    graph_variable,
    initialize_all_variables,
    local_variables,
    local_variables_initializer,
    trainable_variables,
    variables_initializer,
)

float16, bfloat16, float32, float64 = DType.f16, DType.bf16, DType.f32, DType.f64
int8, int16, int32, int64 = DType.i8, DType.i16, DType.i32, DType.i64
uint8, uint16, uint32, uint64 = DType.u8, DType.u16, DType.u32, DType.u64
bool = DType.bool
complex64, complex128 = DType.c64, DType.c128
sub, mul, neg = subtract, multiply, negative
newaxis = None


def _top_level(modules) -> dict:
    """The names TensorFlow 1 has both in a namespace and at the top level (tf.cumsum is tf.math.cumsum),
    and those of the modules whose every name is top-level: a name defined above keeps its meaning, and
    the first module that has a name gives it (tf.is_nan is tf.math.is_nan, not tf.debugging's)."""
    names: dict = {}
    for module in modules:
        for name in module.TOP_LEVEL:
            if name not in globals():
                names.setdefault(name, getattr(module, name))
    return names


_TOP_LEVEL = _top_level((math, linalg, random, debugging, dtypes, errors, initializers, indexing_ops, layout_ops, clip_ops))
globals().update(_TOP_LEVEL)


def name_scope(name, default_name=None, values=None):
    """Ops created inside are named ``name/...`` in the default graph."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def colocate_with(op, ignore_existing=False):
    if isinstance(op, EagerVariable):  # a variable made before any graph op: its graph stand-in
        op = graph_variable(op)
    return get_default_graph().colocate_with(op, ignore_existing)


def device(device_name):
    return get_default_graph().device(device_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"


def disable_eager_execution() -> None:
    """Nothing to do: this namespace is always in graph mode."""


def disable_v2_behavior() -> None:
    """Nothing to do: this namespace is TensorFlow 1's behaviour."""



# Namespaces of the rooms above this one, resolved on first use as the ``tfc`` package resolves its
# own (so nothing here imports them and the rooms stay layered): ``tf.summary.FileWriter``,
# ``tf.estimator.Estimator``, ``tf.feature_column``, ``tf.keras``, ``tf.data``, ``tf.io``.
_UPPER_ROOMS = {"summary": "tfc.summary.v1", "estimator": "tfc.estimator", "feature_column": "tfc.feature_column",
                "keras": "tfc.keras", "data": "tfc.data", "io": "tfc.data.io",
                "layers": "tfc.keras.tf1_layers", "metrics": "tfc.estimator.metrics"}


def __getattr__(name: str):
    if name in _UPPER_ROOMS:
        return importlib.import_module(_UPPER_ROOMS[name])
    raise AttributeError(f"module 'tfc.compat.v1' has no attribute {name!r}")

__all__ = [
    "app", "logging", "losses", *_UPPER_ROOMS, *_TOP_LEVEL,
    "debugging", "dtypes", "errors", "initializers", "linalg", "math", "random",
    "cond", "while_loop", "foldl", "foldr", "map_fn", "scan",
    "AUTO_REUSE", "VariableScope", "constant_initializer", "get_variable", "glorot_uniform_initializer", "ones_initializer",
    "random_normal_initializer", "random_uniform_initializer", "truncated_normal_initializer", "variable_scope", "zeros_initializer",
    "ConfigProto", "GPUOptions", "RunMetadata", "RunOptions",
    "Graph", "GraphError", "GraphKeys", "InteractiveSession", "Operation", "Session", "Tensor", "TensorShape", "Variable", "abs", "add", "add_n",
    "add_to_collection", "all_variables", "assign", "assign_add", "assign_sub", "register_tensor_conversion_function", "argmax", "argmin",
    "bfloat16", "bool", "boolean_mask", "cast", "colocate_with", "ceil", "clip_by_value", "complex128", "complex64",
    "concat", "constant", "control_dependencies", "convert_to_tensor",
    "cos", "device", "disable_eager_execution", "disable_v2_behavior", "div", "divide", "equal", "exp",
    "expand_dims", "fill", "float16", "float32", "float64", "floor", "floordiv", "floormod", "gather", "get_collection", "get_default_graph",
    "get_default_session", "global_variables", "global_variables_initializer", "gradients", "greater", "greater_equal", "group", "identity",
    "initialize_all_variables", "int16", "int32", "int64", "int8", "less", "less_equal", "local_variables", "local_variables_initializer", "log",
    "log1p", "logical_and", "logical_not", "logical_or", "matmul", "maximum", "minimum", "mod", "mul", "multiply", "name_scope", "neg", "negative",
    "newaxis", "nn", "no_op", "not_equal", "one_hot", "ones", "ones_like", "pad", "placeholder", "placeholder_with_default", "pow", "random_normal",
    "random_uniform", "range", "rank", "realdiv", "reciprocal", "reduce_all", "reduce_any", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod",
    "reduce_sum", "reset_default_graph", "reshape", "round", "rsqrt", "set_random_seed", "shape", "sigmoid", "sign", "sin", "size", "slice", "split",
    "sqrt", "square", "squared_difference", "squeeze", "stack", "stop_gradient", "sub", "subtract", "tanh", "tile", "to_double", "to_float",
    "to_int32", "to_int64", "train", "trainable_variables", "transpose", "truediv", "truncated_normal", "uint16", "unique", "uint32", "uint64", "uint8",
    "unstack", "variables_initializer", "where", "zeros", "zeros_like",
]
