"""``tfc.custom_op``: a public way to add an op, with a jax function as its kernel.

>>> @tfc.custom_op("mylib.scaled_softplus", reference=lambda x, scale: np.log1p(np.exp(scale * x)))
... def scaled_softplus(x, scale: float):
...     return jax.nn.softplus(scale * x)

registers the op ``mylib.scaled_softplus`` (at decoration time, so modules that contain it parse)
and returns a function recording it in traces and graphs, or running it eagerly. Parameters
annotated ``float``, ``int``, ``bool``, ``str`` or ``tuple[T, ...]`` of those are attributes; the
others are tensor operands. Everything else an op needs comes from the kernel:

* type rule: ``jax.eval_shape`` of the kernel with the attributes bound, cached per signature;
* XLA lowering: the kernel's own StableHLO, imported and called (``LoweringContext.call_jax``);
* numpy reference (interpreter, constant folding): ``reference(*arrays, **attrs)`` when given;
* gradient: ``grad(ctx, *cotangents)`` when given (the registry's contract), else a companion op
  ``<name>_vjp`` whose kernel is the jax VJP of the kernel.

Nothing here imports a backend: lowering goes through the context the XLA backend passes in.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tfc.attributes import ArrayAttr, BoolAttr, DenseArrayAttr, FloatAttr, IntegerAttr, StringAttr
from tfc.diagnostics import TfcError, TraceError
from tfc.registry import AttrKind, AttrSpec, OpDef, ShapeError, Trait, attr, lookup, optional, register
from tfc.types import DType, TensorType

from .compile import eager_call
from .tensor import Tensor, emit_results, to_tensor
from .tracing import current_trace, user_location

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$.]*$")
_RESERVED_DIALECTS = frozenset({"tfc", "tf", "func", "builtin"})  # tfc's own: a custom op must not pose as one
_REQUIRED = inspect.Parameter.empty
_TENSOR_ANNOTATIONS = (inspect.Parameter.empty, jax.Array, np.ndarray, Tensor)
_64_BIT = frozenset(np.dtype(d) for d in (np.float64, np.int64, np.uint64, np.complex128))


# ---- attributes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Attr:
    """One attribute parameter: its Python type (``float``, ``int``, ``bool``, ``str``), whether it is a
    tuple of those, and its default. Knows its registry spec and its IR form both ways."""

    scalar: type
    is_tuple: bool = False
    default: Any = _REQUIRED

    @property
    def description(self) -> str:
        return f"tuple[{self.scalar.__name__}, ...]" if self.is_tuple else self.scalar.__name__

    def spec(self) -> AttrSpec:
        if self.is_tuple:
            kind = AttrKind.INTS if self.scalar in (int, bool) else AttrKind.ARRAY
        else:
            kind = {float: AttrKind.FLOAT, int: AttrKind.INT, bool: AttrKind.BOOL, str: AttrKind.STRING}[self.scalar]
        return attr(kind) if self.default is _REQUIRED else optional(kind, self.default)

    def coerce(self, value):
        """``value`` as this attribute's Python type; ValueError when it is not one."""
        if not self.is_tuple:
            return _coerce_scalar(self.scalar, value)
        if not isinstance(value, (tuple, list)):
            raise ValueError
        return tuple(_coerce_scalar(self.scalar, v) for v in value)

    def attribute(self, value):
        """The IR attribute holding (coerced) ``value``: exact, so printing and parsing round-trip."""
        if not self.is_tuple:
            return {float: FloatAttr, int: IntegerAttr, bool: BoolAttr, str: StringAttr}[self.scalar](value)
        if self.scalar in (int, bool):
            return DenseArrayAttr(DType.i64 if self.scalar is int else DType.bool, value)
        return ArrayAttr(tuple(_Attr(self.scalar).attribute(v) for v in value))


def _coerce_scalar(kind: type, value):
    """Python's own type for an attribute value; bools are never numbers here (``scale=True`` is a bug)."""
    is_bool = isinstance(value, (bool, np.bool_))
    if kind is bool and is_bool:
        return bool(value)
    if kind is int and isinstance(value, (int, np.integer)) and not is_bool:
        return int(value)
    if kind is float and isinstance(value, (int, float, np.integer, np.floating)) and not is_bool:
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    raise ValueError


def _attr_of(op_name: str, param: inspect.Parameter) -> _Attr | None:
    """The attribute a parameter declares, or None for a tensor operand; TfcError for anything else."""
    annotation = param.annotation
    if any(annotation is t for t in _TENSOR_ANNOTATIONS):
        if param.default is not _REQUIRED:
            raise TfcError(f"custom op '{op_name}': tensor parameter '{param.name}' cannot have a default "
                           "(only attributes, annotated float, int, bool or str, may)")
        return None
    if annotation in (float, int, bool, str):
        return _Attr(annotation, False, param.default)
    args = getattr(annotation, "__args__", ())
    is_tuple = getattr(annotation, "__origin__", None) is tuple and len(args) == 2 and args[1] is Ellipsis
    if is_tuple and args[0] in (float, int, bool, str):
        return _Attr(args[0], True, param.default)
    raise TfcError(f"custom op '{op_name}': parameter '{param.name}' is annotated {annotation!r}; expected no "
                   "annotation (or jax.Array, np.ndarray, tfc.Tensor) for a tensor operand, or float, int, bool, str or "
                   "tuple[T, ...] of those for an attribute")


# ---- the decorator -------------------------------------------------------------------------------
def custom_op(name: str, *, reference: Callable | None = None, grad: Callable | None = None) -> Callable:
    """Decorator: register the op ``name`` (``"dialect.op"``) with the decorated jax function as kernel.

    ``reference(*arrays, **attrs)`` is its numpy semantics for the interpreter; ``grad(ctx,
    *cotangents) -> [cotangent or None per tensor operand]`` its gradient rule (default: the kernel's
    jax VJP, as a companion op ``<name>_vjp``). Returns a :class:`CustomOp`.
    """

    def decorate(kernel: Callable) -> CustomOp:
        return CustomOp(name, kernel, reference, grad)

    return decorate


class CustomOp:
    """The function ``@custom_op`` returns: records its op in traces and graphs, or runs it eagerly."""

    def __init__(self, name: str, kernel: Callable, reference: Callable | None, grad: Callable | None):
        _check_name(name, also=() if grad is not None else (f"{name}_vjp",))
        self.name, self.kernel = name, kernel
        self.signature, self.tensors, self.attrs = _signature(name, kernel)
        where = f"{getattr(kernel, '__module__', '?')}.{getattr(kernel, '__qualname__', repr(kernel))}"
        doc = inspect.getdoc(kernel) or f"Custom op with the jax kernel {where}."
        self.op = _Kernel(name, doc.splitlines()[0], self.tensors, self.attrs, self._bind_kernel)
        if reference is not None:
            self.op.reference_fn = lambda attrs, arrays: reference(*arrays, **attrs)
        self.vjp = None if grad is not None else _vjp_op(self.op)
        self.op.grad_fn = _user_grad(self.op, grad) if grad is not None else _vjp_grad(self.op, self.vjp)
        register(self.op.opdef())
        if self.vjp is not None:
            register(self.vjp.opdef())
        functools.update_wrapper(self, kernel)

        def record(*args, **kwargs):  # a plain function with the kernel's signature: what eager mode compiles
            return self._record(self._bind(args, kwargs))

        self._eager_fn = functools.wraps(kernel)(record)

    def __call__(self, *args, **kwargs):
        """In a trace or graph: the op's results as Tensors. Eagerly: compiled for these arguments, run,
        and returned as numpy arrays (like every ``tfc.*`` function)."""
        bound = self._bind(args, kwargs)
        if current_trace() is None:
            return eager_call(self._eager_fn, bound.args, bound.kwargs)
        return self._record(bound)

    def __repr__(self) -> str:
        return f"<tfc.custom_op '{self.name}'>"

    def _bind(self, args, kwargs) -> inspect.BoundArguments:
        """The call's arguments by parameter, defaults applied, attributes as plain Python values
        (so eager mode keys its cache on them, and the IR gets exactly the declared types)."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TraceError(f"'{self.name}': {err}", user_location()) from None
        bound.apply_defaults()
        for key, spec in self.attrs.items():
            value = bound.arguments[key]
            try:
                bound.arguments[key] = spec.coerce(value)
            except ValueError:
                raise TraceError(f"'{self.name}': attribute '{key}' expects {spec.description}, got "
                                 f"{type(value).__name__} {value!r}", user_location()) from None
        return bound

    def _record(self, bound: inspect.BoundArguments):
        """Emit the op; one Tensor when the kernel returns one array, else a tuple, as the kernel does."""
        attrs = {k: bound.arguments[k] for k in self.attrs}
        operands, results = _record_op(self.name, [bound.arguments[t] for t in self.tensors], self.op.attributes(attrs))
        single = self.op.evaluate(self.op.key(attrs), tuple(t.type for t in operands))[1]
        return results[0] if single else tuple(results)

    def _bind_kernel(self, attrs: dict) -> Callable:
        """The kernel as a function of its tensor operands alone, with ``attrs`` fixed: what jax traces."""
        kernel, params, tensors = self.kernel, list(self.signature.parameters.values()), self.tensors

        def bound(*arrays):
            values = dict(zip(tensors, arrays), **attrs)
            positional = [values[p.name] for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
            keywords = {p.name: values[p.name] for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
            return kernel(*positional, **keywords)

        bound.__name__ = getattr(kernel, "__name__", "kernel")
        return bound


def _signature(name: str, kernel: Callable) -> tuple[inspect.Signature, tuple[str, ...], dict[str, _Attr]]:
    """The kernel's signature, its tensor parameters and its attributes (TfcError naming the op if bad)."""
    if not callable(kernel):
        raise TfcError(f"custom op '{name}': @custom_op decorates a function (the jax kernel), got {kernel!r}")
    try:
        signature = inspect.signature(kernel, eval_str=True)  # annotations may be strings (PEP 563)
    except (NameError, TypeError, ValueError, SyntaxError) as err:
        raise TfcError(f"custom op '{name}': cannot read the kernel's signature: {err}") from None
    tensors, attrs = [], {}
    for param in signature.parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise TfcError(f"custom op '{name}': parameter '{param}' is variadic; declare each tensor operand and attribute")
        spec = _attr_of(name, param)
        if spec is None:
            tensors.append(param.name)
            continue
        if spec.default is not _REQUIRED:
            try:
                spec = _Attr(spec.scalar, spec.is_tuple, spec.coerce(spec.default))
            except ValueError:
                raise TfcError(f"custom op '{name}': the default of '{param.name}' is {spec.default!r}; "
                               f"expected {spec.description}") from None
        attrs[param.name] = spec
    return signature, tuple(tensors), attrs


def _check_name(name: str, also=()) -> None:
    """A free ``dialect.op`` name outside tfc's own dialects (and free companion names)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise TfcError(f"custom op name {name!r} needs a dialect prefix: expected 'dialect.op', as in "
                       "'mylib.scaled_softplus' (letters, digits, '_' and '.')")
    dialect = name.split(".")[0]
    if dialect in _RESERVED_DIALECTS:
        raise TfcError(f"custom op '{name}': the '{dialect}.' dialect is tfc's own; use your library's prefix, "
                       f"as in 'mylib.{name.split('.', 1)[1]}'")
    for taken in (name, *also):
        if lookup(taken) is not None:
            raise TfcError(f"custom op '{name}': an op named '{taken}' is already registered (an op name is "
                           "registered once per process; choose another name)")


# ---- the registry side -----------------------------------------------------------------------------
class _Kernel:
    """One registered op computed by a jax function: its type rule, reference, lowering and gradient
    rule, sharing per-signature caches (the function bound to each set of attribute values, and
    ``jax.eval_shape``'s answer per operand types), so jax traces each signature once."""

    def __init__(self, name: str, summary: str, operands: tuple, attrs: dict, make_function: Callable, results=("results*",)):
        self.name, self.summary, self.operands, self.results, self.attrs = name, summary, operands, results, attrs
        self.make_function = make_function  # attribute values (dict) -> jax function of the operands
        self.reference_fn: Callable | None = None  # (attribute values, arrays) -> array(s)
        self.grad_fn: Callable | None = None
        self._functions: dict = {}
        self._shapes: dict = {}

    def opdef(self) -> OpDef:
        return OpDef(
            self.name,
            self.summary,
            operands=self.operands,
            results=self.results,
            attributes={k: a.spec() for k, a in self.attrs.items()},
            traits=frozenset({Trait.PURE}),
            infer=self.infer,
            reference=self.reference if self.reference_fn is not None else None,
            lower=self.lower,
            grad=self.grad_fn,
        )

    def key(self, values: dict) -> tuple:
        """Attribute values in declaration order, defaults filled in, as Python types: the cache key.
        ``values`` may be an op's (other attributes, like ``tfc.device``, are ignored)."""
        try:
            return tuple((k, a.coerce(values[k]) if k in values else a.default) for k, a in self.attrs.items())
        except ValueError:
            expected = ", ".join(f"{k}: {a.description}" for k, a in self.attrs.items())
            raise ShapeError(f"attributes {values} do not fit {expected}") from None

    def attributes(self, values: dict) -> dict:
        return {k: self.attrs[k].attribute(v) for k, v in values.items()}

    def function(self, key: tuple) -> Callable:
        """The jax function for these attribute values: one object per key, so lowerings can cache it."""
        if key not in self._functions:
            self._functions[key] = self.make_function(dict(key))
        return self._functions[key]

    def evaluate(self, key: tuple, types: tuple) -> tuple[tuple[TensorType, ...], bool]:
        """(result types, whether the kernel returns one array rather than a tuple) for ``types``."""
        if (key, types) not in self._shapes:
            self._shapes[(key, types)] = _eval_shape(self.function(key), types)
        return self._shapes[(key, types)]

    def infer(self, ctx, *types):
        if not all(isinstance(t, TensorType) for t in types):
            raise ShapeError(f"operands must be tensors, got {', '.join(map(str, types))}")
        if not all(t.shape is not None and None not in t.shape for t in types):
            if ctx.declared:
                return list(ctx.declared)
            raise ShapeError("the kernel cannot be evaluated for operands with unknown dimensions ('?' or '*'): "
                             "declare the result types")
        return list(self.evaluate(self.key(ctx.attrs), tuple(types))[0])

    def reference(self, ctx, *arrays):
        out = self.reference_fn(dict(self.key(ctx.attrs)), arrays)
        return list(out) if isinstance(out, (tuple, list)) else out

    def lower(self, ctx, *values):
        return ctx.call_jax(self.function(self.key(ctx.attrs)), *values)


def _eval_shape(fn: Callable, types: tuple) -> tuple[tuple[TensorType, ...], bool]:
    """Result types of ``fn`` on operands of ``types``, by ``jax.eval_shape`` (abstract: nothing runs)."""
    avals = [jax.ShapeDtypeStruct(t.shape, t.dtype.numpy) for t in types]
    try:
        with _x64_for(t.dtype.numpy for t in types):
            out = jax.eval_shape(fn, *avals)
    except Exception as err:  # noqa: BLE001 - a kernel may raise anything; the user needs the op and the shapes
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise ShapeError(f"the kernel cannot be evaluated for operands ({', '.join(map(str, types))}): "
                         f"{type(err).__name__}: {message}") from None
    single = not isinstance(out, (tuple, list))
    leaves = [out] if single else list(out)
    if not leaves or not all(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in leaves):
        raise ShapeError(f"the kernel must return an array or a non-empty tuple of arrays, got {out!r}")
    try:
        return tuple(TensorType(DType.from_numpy(leaf.dtype), tuple(leaf.shape)) for leaf in leaves), single
    except ValueError as err:
        raise ShapeError(f"the kernel returns an unsupported element type: {err}") from None


def _x64_for(dtypes):
    """jax's x64 mode while 64-bit operands are involved (jax would narrow them to 32 bits otherwise)."""
    wide = any(np.dtype(d) in _64_BIT for d in dtypes)
    return jax.enable_x64(True) if wide else contextlib.nullcontext()


# ---- gradients ---------------------------------------------------------------------------------------
def _user_grad(op: _Kernel, grad: Callable) -> Callable:
    """The user's rule, seeing ``ctx.attrs`` as this op's attribute values (defaults filled in)."""

    def rule(ctx, *cotangents):
        ctx.attrs = dict(op.key(ctx.attrs))
        return grad(ctx, *cotangents)

    return rule


def _vjp_op(forward: _Kernel) -> _Kernel:
    """The companion op ``<name>_vjp(operands..., result cotangents...) -> operand cotangents``. Its
    kernel is jax's VJP of the forward kernel, so it infers and lowers like any custom op; its
    reference runs that VJP with jax on the host, so the interpreter runs gradients too."""
    count = len(forward.operands)
    vjp = _Kernel(
        f"{forward.name}_vjp",
        f"Gradient of {forward.name}: jax's VJP of its kernel.",
        forward.operands + ("cotangents*",),
        forward.attrs,
        lambda attrs: _vjp_kernel(forward.function(forward.key(attrs)), count),
        results=tuple(f"{n}_cotangent" for n in forward.operands),
    )
    vjp.reference_fn = lambda attrs, arrays: _on_host(vjp.function(vjp.key(attrs)), arrays)
    return vjp


def _vjp_kernel(fn: Callable, count: int) -> Callable:
    """``(operands..., cotangents...) -> one cotangent per operand``, by ``jax.vjp`` of ``fn``.

    Integer results take float0 cotangents and integer operands get zeros of their own type, as jax
    requires and the companion op's types promise."""

    def vjp(*args):
        primals, cotangents = args[:count], args[count:]
        out, pullback = jax.vjp(fn, *primals)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        cts = [c if jnp.issubdtype(o.dtype, jnp.inexact) else np.zeros(o.shape, jax.dtypes.float0)
               for c, o in zip(cotangents, outs)]
        grads = pullback(type(out)(cts) if isinstance(out, (tuple, list)) else cts[0])
        return tuple(jnp.zeros_like(p) if g.dtype == jax.dtypes.float0 else g for g, p in zip(grads, primals))

    return vjp


def _vjp_grad(forward: _Kernel, vjp: _Kernel) -> Callable:
    """The forward op's gradient rule: one ``<name>_vjp`` op; float operands get its results."""

    def rule(ctx, *cotangents):
        attrs = dict(forward.key(ctx.attrs))
        _, grads = _record_op(vjp.name, [*ctx.operands, *cotangents], vjp.attributes(attrs))
        return [g if o.dtype.is_inexact else None for g, o in zip(grads, ctx.operands)]

    return rule


def _on_host(fn: Callable, arrays) -> list[np.ndarray]:
    """Run the jax function ``fn`` on the host CPU (the interpreter's values are host arrays)."""
    arrays = [np.asarray(a) for a in arrays]
    with jax.default_device(jax.devices("cpu")[0]), _x64_for(a.dtype for a in arrays):
        out = jax.jit(fn)(*arrays)
    return [np.asarray(o) for o in (out if isinstance(out, (tuple, list)) else [out])]


# ---- tracing glue ------------------------------------------------------------------------------------
def _record_op(name: str, values: list, attributes: dict) -> tuple[list[Tensor], list[Tensor]]:
    """Record op ``name`` on ``values`` (Tensors, arrays or numbers); returns (operands, results) as
    Tensors. Graphs record through their trace the same way."""
    trace = next((v.trace for v in values if isinstance(v, Tensor)), None) or current_trace()
    operands = [to_tensor(v, trace) for v in values]
    return operands, emit_results(name, operands, attributes)


__all__ = ["CustomOp", "custom_op"]
