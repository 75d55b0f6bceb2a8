"""Lowers a tfc module to a StableHLO ``ir.Module`` with jaxlib's MLIR builder API.

Each op's registry entry supplies ``lower(ctx, *operands)``; this module walks functions, maps tfc
values to MLIR values, turns tfc locations into MLIR locations (so XLA errors point at the user's
line) and gives each lowering a :class:`LoweringContext` with the helpers it needs.
"""

from __future__ import annotations

import numpy as np

from tfc.diagnostics import BackendError
from tfc.ir import RETURN_OP, Function, Module, Operation, Region
from tfc.location import FileLineColLoc, Location, NameLoc
from tfc.registry import Trait, lookup
from tfc.types import DType, ResourceType, TensorType, TokenType, Type

from . import jaxlib_adapter as jx

ir, hlo, chlo, func = jx.ir, jx.stablehlo, jx.chlo, jx.func

ENTRY = "main"


# ---- types ---------------------------------------------------------------------------------------
def element_type(dtype: DType):
    """The MLIR element type of a tfc dtype (unsigned ints stay unsigned, as StableHLO wants)."""
    if dtype is DType.bool:
        return ir.IntegerType.get_signless(1)
    if dtype.is_signed_int:
        return ir.IntegerType.get_signless(dtype.bits)
    if dtype.is_unsigned_int:
        return ir.IntegerType.get_unsigned(dtype.bits)
    if dtype.is_complex:
        return ir.ComplexType.get(element_type(DType.f32 if dtype is DType.c64 else DType.f64))
    return {DType.f16: ir.F16Type, DType.bf16: ir.BF16Type, DType.f32: ir.F32Type, DType.f64: ir.F64Type}[dtype].get()


def mlir_type(t: Type):
    if isinstance(t, TensorType):
        if t.shape is None:
            return ir.UnrankedTensorType.get(element_type(t.dtype))
        dims = [ir.ShapedType.get_dynamic_size() if d is None else d for d in t.shape]
        return ir.RankedTensorType.get(dims, element_type(t.dtype))
    if isinstance(t, TokenType):
        return hlo.TokenType.get()
    if isinstance(t, ResourceType):
        raise BackendError("resource handles cannot be lowered to StableHLO directly; run variable lowering first")
    raise BackendError(f"cannot lower type {t}")


def dense_attr(array: np.ndarray, dtype: DType):
    """An MLIR dense elements attribute holding ``array`` exactly (bool and bf16 arrays pass as they are)."""
    array = np.asarray(array, dtype=dtype.numpy, order="C")  # keeps 0-d arrays 0-d, unlike ascontiguousarray
    return ir.DenseElementsAttr.get(array, type=element_type(dtype), shape=array.shape)


# ---- locations -----------------------------------------------------------------------------------
def mlir_location(loc: Location):
    if isinstance(loc, FileLineColLoc):
        return ir.Location.file(loc.file, loc.line, loc.col)
    if isinstance(loc, NameLoc):
        if loc.child is None:
            return ir.Location.name(loc.name)
        return ir.Location.name(loc.name, childLoc=mlir_location(loc.child))
    return ir.Location.unknown()


# ---- the context each lowering rule sees ---------------------------------------------------------
class LoweringContext:
    """What an op's ``lower(ctx, *operands)`` can use: attributes, types, dialects and helpers."""

    hlo = hlo
    chlo = chlo
    ir = ir

    def __init__(self, lowerer: _FunctionLowerer, op: Operation):
        self._lowerer = lowerer
        self.op = op
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operand_types = [v.type for v in op.operands]
        self.result_tfc_types = [r.type for r in op.results]
        self.result_types = [mlir_type(t) for t in self.result_tfc_types]

    @property
    def result_type(self):
        return self.result_types[0]

    mlir_type = staticmethod(mlir_type)
    element_type = staticmethod(element_type)

    @staticmethod
    def i64_array(values):
        return ir.DenseI64ArrayAttr.get([int(v) for v in values])

    @staticmethod
    def bool_array(values):
        return ir.DenseBoolArrayAttr.get([bool(v) for v in values])

    @staticmethod
    def constant(array, dtype: DType | None = None):
        """A ``stablehlo.constant`` holding ``array`` (numpy, or a Python scalar with ``dtype``)."""
        dtype = dtype or DType.from_numpy(np.asarray(array).dtype)
        return hlo.ConstantOp(dense_attr(np.asarray(array, dtype=dtype.numpy), dtype)).result

    def lower_region(self, index: int, target, arg_types=None) -> None:
        """Lower tfc region ``index`` of this op into MLIR region ``target``; ``tfc.yield`` → ``stablehlo.return``."""
        self._lowerer.lower_region(self.op.regions[index], target, arg_types)

    @staticmethod
    def scalar_body(target, dtype: DType, combine) -> None:
        """Fill ``target`` with ``(a, b) -> combine(a, b)`` on 0-d tensors: the body of reduce/scatter."""
        scalar = ir.RankedTensorType.get([], element_type(dtype))
        block = target.blocks.append(scalar, scalar)
        with ir.InsertionPoint(block):
            hlo.ReturnOp([combine(*block.arguments)])

    def callee(self, name: str) -> str:
        """The StableHLO symbol a tfc function name was lowered to."""
        return self._lowerer.module_lowerer.symbols[name]

    def call_jax(self, fn, *operands) -> list:
        """Call the jax function ``fn`` on ``operands`` (MLIR values); returns its results.

        ``fn``'s StableHLO (``jax.jit(fn).lower``) is imported into the module being built under
        fresh private names (``<op name>_<n>_main``...) once per (``fn``, operand types) in this
        lowering, and each call is a ``func.call`` of it. Pass the same ``fn`` object for the same
        computation so calls share one copy.
        """
        callee, function_type = self._lowerer.module_lowerer.import_jax(fn, [v.type for v in operands], self.op.name)
        call = func.CallOp(list(function_type.results), ir.FlatSymbolRefAttr.get(callee), list(operands))
        return list(call.results)


# ---- walking functions ---------------------------------------------------------------------------
class _FunctionLowerer:
    def __init__(self, module_lowerer: _ModuleLowerer):
        self.module_lowerer = module_lowerer
        self.values: dict = {}

    def lower_ops(self, ops: list[Operation]) -> list | None:
        """Lower ``ops`` at the current insertion point; returns the operands of the terminator."""
        for op in ops:
            operands = [self.values[v] for v in op.operands]
            opdef = lookup(op.name)
            if opdef is not None and opdef.has(Trait.TERMINATOR):
                return operands
            if opdef is None or opdef.lower is None:
                raise BackendError(f"op '{op.name}' has no StableHLO lowering", op.location)
            with mlir_location(op.location):
                produced = opdef.lower(LoweringContext(self, op), *operands)
            if not isinstance(produced, (list, tuple)):
                produced = [produced]
            produced = [p if isinstance(p, ir.Value) else p.result for p in produced]  # OpViews give .result
            if len(produced) != len(op.results):
                raise BackendError(f"lowering of '{op.name}' made {len(produced)} values for {len(op.results)} results", op.location)
            for result, value in zip(op.results, produced):
                self.values[result] = value
        return None

    def lower_region(self, region: Region, target, arg_types=None) -> None:
        block = region.block
        types = arg_types if arg_types is not None else [mlir_type(a.type) for a in block.args]
        mlir_block = target.blocks.append(*types)
        for arg, value in zip(block.args, mlir_block.arguments):
            self.values[arg] = value
        with ir.InsertionPoint(mlir_block):
            returned = self.lower_ops(block.ops)
            with mlir_location(block.ops[-1].location):
                hlo.ReturnOp(returned or [])


class _ModuleLowerer:
    def __init__(self, module: Module, entry: str, platform: str | None = None):
        self.module = module
        self.entry = entry
        self.platform = platform  # what imported jax functions are lowered for (None: jax's default backend)
        names = {f.name for f in module.functions}
        self.symbols = {}
        for f in module.functions:
            symbol = ENTRY if f.name == entry else f.name
            if symbol == ENTRY and f.name != entry:
                symbol = _fresh(f"{f.name}_", names)
            self.symbols[f.name] = symbol
        self.mlir_module = None
        self.taken = set(self.symbols.values())  # symbols in the StableHLO module, for imported jax functions
        self.jax_functions: dict = {}  # (fn, operand types) -> (symbol, ir.FunctionType)

    def lower(self):
        context = jx.make_context()
        with context, ir.Location.unknown():
            mlir_module = self.mlir_module = ir.Module.create(loc=mlir_location(self.module.op.location))
            with ir.InsertionPoint(mlir_module.body):
                for function in self.module.functions:
                    self.lower_function(function)
        return mlir_module

    def lower_function(self, function: Function) -> None:
        ftype = function.type
        with mlir_location(function.op.location):
            mlir_ftype = ir.FunctionType.get([mlir_type(t) for t in ftype.inputs], [mlir_type(t) for t in ftype.results])
            op = func.FuncOp(self.symbols[function.name], mlir_ftype)
            op.attributes["sym_visibility"] = ir.StringAttr.get("public" if function.name == self.entry else "private")
            block = op.add_entry_block()
        lowerer = _FunctionLowerer(self)
        for arg, value in zip(function.args, block.arguments):
            lowerer.values[arg] = value
        with ir.InsertionPoint(block):
            returned = lowerer.lower_ops(function.body.ops)
            with mlir_location(function.return_op.location):
                func.ReturnOp(returned or [])

    def import_jax(self, fn, types: list, op_name: str):
        """(symbol, function type) of ``fn`` lowered by jax for operands of MLIR ``types``: imported
        into this module on first use, then reused (see :meth:`LoweringContext.call_jax`)."""
        key = (fn, tuple(str(t) for t in types))
        found = self.jax_functions.get(key)
        if found is None:
            arg_types = [_shape_and_dtype(t, op_name) for t in types]
            try:
                text = jx.lower_jax(fn, arg_types, self.platform)
            except Exception as err:  # noqa: BLE001 - jax raises many kinds; name the op that needed it
                raise BackendError(f"'{op_name}': jax could not lower the kernel: {type(err).__name__}: {err}") from None
            try:
                entry = jx.import_functions(text, self.mlir_module, _symbol_base(op_name), self.taken)[0]
            except jx.CompileError as err:
                raise BackendError(f"'{op_name}': {err}") from None
            function_type = ir.FunctionType(ir.TypeAttr(entry.attributes["function_type"]).value)
            if list(function_type.inputs) != list(types):
                raise BackendError(f"'{op_name}': jax lowered the kernel for {list(map(str, function_type.inputs))}, "
                                   f"not for the operands {list(map(str, types))}")
            found = self.jax_functions[key] = (ir.StringAttr(entry.attributes["sym_name"]).value, function_type)
        return found


def _shape_and_dtype(t, op_name: str) -> tuple:
    """(shape, numpy dtype) of a static MLIR tensor type: what jax lowers a function for."""
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        raise BackendError(f"'{op_name}': a jax kernel needs operands of static shape, got {t}")
    for dtype in DType:
        if element_type(dtype) == t.element_type:
            return tuple(t.shape), dtype.numpy
    raise BackendError(f"'{op_name}': no numpy dtype for element type {t.element_type}")


def _symbol_base(op_name: str) -> str:
    """``mylib.scaled_softplus`` -> ``mylib_scaled_softplus_``: the prefix of its kernel's symbols."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in op_name) + "_"


def _fresh(base: str, taken: set[str]) -> str:
    n = 0
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def lower_module(module: Module, entry: str = ENTRY, platform: str | None = None):
    """The StableHLO ``ir.Module`` for ``module``, with function ``entry`` as the public ``@main``.

    ``platform`` ("cpu", "gpu"...) is the one jax functions called by lowering rules are lowered for
    (their StableHLO may be platform-specific, e.g. LAPACK calls); None means jax's default backend."""
    if entry not in {f.name for f in module.functions}:
        raise BackendError(f"module has no function '{entry}' to use as entry point")
    return _ModuleLowerer(module, entry, platform).lower()


def stablehlo_text(module: Module, entry: str = ENTRY, debug_info: bool = False) -> str:
    """StableHLO as MLIR text (what XLA receives); with ``debug_info`` the locations are printed."""
    mlir_module = lower_module(module, entry)
    with mlir_module.context:
        return mlir_module.operation.get_asm(enable_debug_info=debug_info)


__all__ = ["LoweringContext", "lower_module", "stablehlo_text", "mlir_type", "element_type", "RETURN_OP"]
