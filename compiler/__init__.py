"""tfc: a compiler toolchain for dataflow graphs.

``@tfc.compile`` traces a Python function into tfc IR and runs it on XLA; ``tfc.matmul``, ``tfc.sum``,
... are the numpy-like functions usable inside it (and eagerly). The IR, parser, printer, registry
and verifier live in this package; the frontend and backends are imported lazily on first use.
"""

from __future__ import annotations

import importlib

from .diagnostics import BackendError, ParseError, TfcError, TraceError, VerifyError
from .types import DType

bool_ = DType.bool
int8, int16, int32, int64 = DType.i8, DType.i16, DType.i32, DType.i64
uint8, uint16, uint32, uint64 = DType.u8, DType.u16, DType.u32, DType.u64
float16, bfloat16, float32, float64 = DType.f16, DType.bf16, DType.f32, DType.f64
complex64, complex128 = DType.c64, DType.c128

_LAZY = {
    "compile": "tfc.frontend.compile",
    "CompiledFunction": "tfc.frontend.compile",
    "Lowered": "tfc.frontend.compile",
    "Tensor": "tfc.frontend.tensor",
    "TensorSpec": "tfc.frontend.tensor_spec",
    "as_dtype": "tfc.frontend.tensor",
    "broadcast_shapes": "tfc.frontend.shapes",
    "current_trace": "tfc.frontend.tracing",
    "cond": "tfc.frontend.control",
    "while_loop": "tfc.frontend.control",
    "fori_loop": "tfc.frontend.control",
    "grad": "tfc.frontend.autodiff",
    "value_and_grad": "tfc.frontend.autodiff",
    "stop_gradient": "tfc.frontend.autodiff",
    "custom_op": "tfc.frontend.custom_op",
    "Graph": "tfc.frontend.graph",
    "GraphError": "tfc.frontend.graph",
    "get_default_graph": "tfc.frontend.graph",
    "get_default_session": "tfc.frontend.graph",
    "placeholder": "tfc.frontend.graph_api",
    "identity": "tfc.frontend.graph_api",
    "group": "tfc.frontend.graph_api",
    "no_op": "tfc.frontend.graph_api",
    "name_scope": "tfc.frontend.graph_api",
    "device": "tfc.frontend.graph_api",
    "control_dependencies": "tfc.frontend.graph_api",
    "reduce_sum": "tfc.frontend.graph_api",
    "reduce_mean": "tfc.frontend.graph_api",
    "reduce_max": "tfc.frontend.graph_api",
    "reduce_min": "tfc.frontend.graph_api",
    "reduce_prod": "tfc.frontend.graph_api",
    "gradients": "tfc.frontend.variables",
    "Variable": "tfc.frontend.variables",
    "global_variables": "tfc.frontend.variables",
    "trainable_variables": "tfc.frontend.variables",
    "global_variables_initializer": "tfc.frontend.variables",
    "variables_initializer": "tfc.frontend.variables",
    "Session": "tfc.runtime.session",
    "SessionError": "tfc.runtime.errors",
}
_EAGER_MODULE = "tfc.frontend.eager"  # the numpy-like functions (tfc.add, tfc.matmul, ...), usable eagerly


def __getattr__(name: str):
    """Resolve public names on first use, so ``import tfc`` stays light and rooms stay separate."""
    module_name = _LAZY.get(name)
    if module_name is None:
        return importlib.import_module(_EAGER_MODULE).public(name)  # AttributeError for unknown names
    return getattr(importlib.import_module(module_name), name)


def __dir__():
    api = importlib.import_module("tfc.frontend.api")
    return sorted(set(globals()) | set(_LAZY) | set(api.NUMPY_FUNCTIONS))


__all__ = ["BackendError", "DType", "ParseError", "TfcError", "TraceError", "VerifyError", *_LAZY]
