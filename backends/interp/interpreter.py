"""The numpy interpreter: evaluates any core-op module with each op's registry reference.

It is tfc's reference semantics, the constant folder's engine and the oracle of differential tests,
so it favours being obviously right over being fast. Every value it computes lives in host memory,
so an op whose declared result is larger than ``tfc.limits.max_tensor_bytes()`` is refused before
its reference runs (a ``BackendError`` at the op's location), and a result whose size was not known
from its type is checked as soon as it exists.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence

import numpy as np

from tfc.diagnostics import BackendError
from tfc.ir import Module, Operation, Region
from tfc.limits import max_tensor_bytes, type_too_big
from tfc.registry import Trait, lookup
from tfc.types import TensorType


class EvalContext:
    """What an op's ``reference(ctx, *arrays)`` can use."""

    __slots__ = ("op", "attrs", "operand_types", "result_types", "_interp", "_env")

    def __init__(self, interp: Interpreter, op: Operation, env: Mapping):
        self._interp = interp
        self._env = env
        self.op = op
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operand_types = [v.type for v in op.operands]
        self.result_types = [r.type for r in op.results]

    @property
    def result_type(self):
        return self.result_types[0]

    def run_region(self, index: int, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run region ``index`` of this op on ``args``; returns the values its terminator yields."""
        return self._interp.run_region(self.op.regions[index], args, self._env)

    def call(self, name: str, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self._interp.call(name, args)


class Interpreter:
    """Evaluates functions of one module."""

    def __init__(self, module: Module):
        self.module = module
        self.max_bytes = max_tensor_bytes()  # read once: the setting holds for this evaluator's life

    def call(self, name: str, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        function = self.module.function(name)
        if len(args) != len(function.args):
            raise BackendError(f"function '{name}' takes {len(function.args)} arguments, got {len(args)}")
        return self.run_region(function.op.regions[0], args)

    def run_region(self, region: Region, args: Sequence[np.ndarray], outer: Mapping | None = None) -> list[np.ndarray]:
        """Run ``region``'s block on ``args``; values from ``outer`` (enclosing blocks) are visible."""
        block = region.block
        local = dict(zip(block.args, (np.asarray(a) for a in args)))
        env = ChainMap(local, outer) if outer is not None else local
        for op in block.ops:
            operands = [env[v] for v in op.operands]
            opdef = lookup(op.name)
            if opdef is not None and opdef.has(Trait.TERMINATOR):
                return operands
            for result, value in zip(op.results, self.evaluate(op, operands, env)):
                local[result] = value
        raise BackendError("region ended without a terminator")

    def evaluate(self, op: Operation, operands: list[np.ndarray], env: Mapping) -> list[np.ndarray]:
        opdef = lookup(op.name)
        if opdef is None or opdef.reference is None:
            raise BackendError(f"op '{op.name}' has no numpy reference", op.location)
        for result in op.results:
            problem = type_too_big(result.type, "its result", self.max_bytes)
            if problem:
                raise BackendError(f"the interpreter will not compute '{op.name}': {problem}", op.location)
        produced = opdef.reference(EvalContext(self, op, env), *operands)
        if not isinstance(produced, (list, tuple)):
            produced = [produced]
        if len(produced) != len(op.results):
            raise BackendError(f"reference of '{op.name}' made {len(produced)} values for {len(op.results)} results", op.location)
        return [_conform(np.asarray(v), r.type, op, self.max_bytes) for v, r in zip(produced, op.results)]


def _conform(value: np.ndarray, rtype, op: Operation, max_bytes: int) -> np.ndarray:
    """Cast to the declared dtype; a shape that disagrees with a static result type is a reference bug."""
    if not isinstance(rtype, TensorType):
        return value
    if value.nbytes > max_bytes:  # a result whose type did not say its size
        raise BackendError(f"the interpreter will not keep what '{op.name}' computed: {value.nbytes} bytes, more than the "
                           f"{max_bytes} bytes tfc materializes", op.location)
    value = value.astype(rtype.dtype.numpy, copy=False)
    if rtype.shape is not None and (len(rtype.shape) != value.ndim or not all(d is None or d == s for d, s in zip(rtype.shape, value.shape))):
        raise BackendError(f"'{op.name}' produced shape {value.shape}, declared {rtype}", op.location)
    return value


def run(module: Module, args: Sequence, entry: str = "main") -> list[np.ndarray]:
    """Evaluate function ``entry`` of ``module`` on numpy ``args``."""
    return Interpreter(module).call(entry, [np.asarray(a) for a in args])
