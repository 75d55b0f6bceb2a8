"""tfc: a compiler toolchain for dataflow graphs.

``@tfc.compile`` traces a Python function into tfc IR and runs it on XLA; ``tfc.matmul``, ``tfc.sum``,
... are the numpy-like functions usable inside it (and eagerly). The IR, parser, printer, registry
and verifier live in this package; the frontend and backends are imported lazily on first use.
"""

from __future__ import annotations

import importlib

from .diagnostics import BackendError, ParseError, TfcError, TraceError, VerifyError
from .types import STRING, DType

bool_ = DType.bool
int8, int16, int32, int64 = DType.i8, DType.i16, DType.i32, DType.i64
uint8, uint16, uint32, uint64 = DType.u8, DType.u16, DType.u32, DType.u64
float16, bfloat16, float32, float64 = DType.f16, DType.bf16, DType.f32, DType.f64
complex64, complex128 = DType.c64, DType.c128
string = STRING  # input pipelines only (tfc.data, tfc.io): compiled programs hold numbers

_LAZY = {
    "compile": "tfc.frontend.compile",
    "CompiledFunction": "tfc.frontend.compile",
    "Lowered": "tfc.frontend.compile",
    "Tensor": "tfc.frontend.tensor",
    "TensorSpec": "tfc.frontend.tensor_spec",
    "as_dtype": "tfc.frontend.tensor",
    "broadcast_shapes": "tfc.frontend.shapes",
    "current_trace": "tfc.frontend.tracing",
    "fori_loop": "tfc.frontend.control",
    "grad": "tfc.frontend.autodiff",
    "value_and_grad": "tfc.frontend.autodiff",
    "custom_op": "tfc.frontend.custom_op",
    "SessionError": "tfc.runtime.errors",
    "set_cpu_devices": "tfc.backends",
    "devices": "tfc.backends",
    "DeviceSpec": "tfc.device_spec",
    "DeviceError": "tfc.device_spec",
    "profile": "tfc.backends.profiler",
}
# names that are modules: tfc.distributed.rank(), ...
_MODULES = {"distributed": "tfc.runtime.distributed", "keras": "tfc.keras", "data": "tfc.data", "io": "tfc.data.io",
            "feature_column": "tfc.feature_column", "estimator": "tfc.estimator", "toolkit": "tfc.toolkit",
            "contrib": "tfc.contrib", "saved_model": "tfc.saved_model", "summary": "tfc.summary", "tuning": "tfc.tuning"}
_SHARED_MODULE = "tfc.compat.dispatch"  # numpy-like functions (tfc.add, ...) and TensorFlow 1's names (tfc.placeholder, ...)


def __getattr__(name: str):
    """Resolve public names on first use, so ``import tfc`` stays light and rooms stay separate."""
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    module_name = _LAZY.get(name)
    if module_name is None:
        return importlib.import_module(_SHARED_MODULE).public_name(name)  # AttributeError for unknown names
    return getattr(importlib.import_module(module_name), name)


def __dir__():
    shared = importlib.import_module(_SHARED_MODULE)
    return sorted(set(globals()) | set(_LAZY) | set(_MODULES) | shared.public_names())


__all__ = ["BackendError", "DType", "ParseError", "TfcError", "TraceError", "VerifyError", *_LAZY, *_MODULES]
