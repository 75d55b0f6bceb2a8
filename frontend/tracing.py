"""Tracing: the function being recorded, where its ops go, and the user's line each op comes from.

A :class:`Trace` owns the module being built and a stack of builders (one per open region, so
``tfc.cond`` branches record into their own blocks). Every op gets the location of the user's line
that caused it: the first stack frame outside the tfc package. :mod:`.tensor` builds on this;
this module knows nothing of tensors, so every layer above can use it.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import os
import threading
from collections.abc import Sequence

from tfc.builder import Builder
from tfc.device_spec import DEVICE_ATTR, DeviceError, DeviceSpec
from tfc.diagnostics import TraceError, VerifyError
from tfc.ir import Block, Function, Module, Operation, Region, Value, block_depth
from tfc.limits import MAX_REGION_DEPTH
from tfc.location import UNKNOWN, FileLineColLoc, Location, NameLoc
from tfc.types import TensorType

_TFC_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TFC_DIRS = tuple(os.path.join(_TFC_ROOT, d) + os.sep for d in ("compiler", "frontend", "passes", "backends", "runtime", "tools"))


def user_location() -> Location:
    """The file:line of the innermost caller outside tfc (what the user wrote)."""
    frame = inspect.currentframe().f_back
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_TFC_DIRS) and not filename.startswith("<frozen"):
            return FileLineColLoc(filename, frame.f_lineno, _column(frame))
        frame = frame.f_back
    return UNKNOWN


def _column(frame) -> int:
    """1-based column of the expression the frame is executing (Python 3.11 keeps it per instruction)."""
    positions = next(itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None), None)
    return positions[2] + 1 if positions and positions[2] is not None else 1


class Trace:
    """The function being recorded and where new ops go."""

    def __init__(self, name: str, arg_types: Sequence[TensorType], arg_names: Sequence[str | None], location: Location = UNKNOWN):
        self.module = Module.create()
        self.function: Function | None = Function.create(name, arg_types, [], arg_names, location)
        self.module.add_function(self.function)
        self.builders = [Builder(self.function.body)]
        self.constants: dict = {}
        """Constants made so far (a key of their bytes -> tensor), reused where they are visible."""
        self.reused_constants: set = set()
        """Keys of constants handed out more than once: some caller may hold one it has not used yet."""
        self.location: Location | None = None
        """When set, every op gets it instead of the user's line (decompositions, gradients)."""
        self.variables: dict[str, tuple] = {}
        """Variables the function uses: name -> (variable, its handle value). The variable objects
        hold their current value as ``.array``, which the compiled function reads and updates."""
        self.device = DeviceSpec()
        """The ``tfc.device(...)`` scope ops are recorded in (empty: let the ``place`` pass decide)."""
        self.name_scope = ""
        """The ``tfc.name_scope(...)`` ops are recorded in (``"dense/"``; empty: none)."""
        self.scope_counts: dict[str, int] = {}
        """How often each scope was entered in this function (the second ``dense`` is ``dense_1``)."""

    @classmethod
    def into_block(cls, module: Module, block: Block, location: Location) -> Trace:
        """A trace that appends to ``block`` of an existing module, every op at ``location``
        (how a ``tf.*`` op's decomposition is recorded by legalize-tf)."""
        trace = cls.__new__(cls)
        trace.module, trace.function = module, None
        trace.builders = [Builder(block, location)]
        trace.constants, trace.variables, trace.reused_constants = {}, {}, set()
        trace.location, trace.device = location, DeviceSpec()
        trace.name_scope, trace.scope_counts = "", {}
        return trace

    @property
    def builder(self) -> Builder:
        return self.builders[-1]

    def emit(self, name: str, operands: Sequence[Value], attributes=None, result_types=None, regions: Sequence[Region] = (),
             location: Location | None = None) -> Operation:
        """Record op ``name``; type-rule failures become TraceErrors at the user's line."""
        location = location or self.location or user_location()
        if self.name_scope and not isinstance(location, NameLoc):  # MLIR's way to name an op: loc("dense/dot_general"(line))
            location = NameLoc(self.name_scope + name.split(".", 1)[-1], location)
        if self.device.name is not None:
            attributes = {**(attributes or {}), DEVICE_ATTR: self.device.name}
        try:
            return self.builder.create(name, operands, attributes, result_types, regions, location)
        except VerifyError as err:
            raise TraceError(f"'{name}': {err.message}", location) from None

    def push_block(self, block: Block) -> None:
        """Record into ``block``, a region nested in the one being recorded now.

        Nesting past ``tfc.limits.MAX_REGION_DEPTH`` (``tfc.cond`` inside ``tfc.cond`` 63 deep) is a
        TraceError at the user's line, before the IR grows deeper than tfc's walks may recurse."""
        depth = block_depth(self.builders[0].block) + len(self.builders)
        if depth > MAX_REGION_DEPTH:
            raise TraceError(f"control flow nested {depth} regions deep; tfc allows at most {MAX_REGION_DEPTH} "
                             "(the module's and the function's included)", self.location or user_location())
        self.builders.append(Builder(block))

    def pop_block(self) -> None:
        self.builders.pop()


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """``with tfc.name_scope("dense"):`` inside ``@tfc.compile``: the ops recorded in it are named
    ``dense/<op>`` (an MLIR name location around the user's line), so TensorBoard's graph groups
    them; scopes nest, and a scope entered again in one function is ``dense_1`` (TensorFlow 2's
    ``tf.name_scope``; a name ending in ``/`` is taken as it is). Yields the scope (``"dense/"``);
    outside a trace it only yields it."""
    name = default_name if name is None else name
    trace = current_trace()
    if not name or trace is None:
        yield f"{name}/" if name else ""
        return
    if not isinstance(name, str):
        raise TraceError(f"tfc.name_scope: name must be a string, got {type(name).__name__}", user_location())
    if name.endswith("/"):
        scope = name
    else:
        full = trace.name_scope + name
        count = trace.scope_counts.get(full, 0)
        trace.scope_counts[full] = count + 1
        scope = (full if count == 0 else f"{full}_{count}") + "/"
    saved, trace.name_scope = trace.name_scope, scope
    try:
        yield scope
    finally:
        trace.name_scope = saved


def device_scope(device_name: str | None):
    """``with tfc.device("cpu:1"):`` inside ``@tfc.compile``: the ops recorded in it carry the device
    (TensorFlow's rule for nested scopes: the inner parts win; None clears the scope). A bad string
    is a TraceError at the user's line."""
    try:
        spec = DeviceSpec() if device_name is None else DeviceSpec.parse(device_name)
    except DeviceError as err:
        raise TraceError(str(err), user_location()) from None
    return _device_scope(spec, device_name is None)


@contextlib.contextmanager
def _device_scope(spec: DeviceSpec, clear: bool):
    trace = current_trace()
    saved = trace.device
    trace.device = spec if clear else spec.merged(saved)
    try:
        yield
    finally:
        trace.device = saved


def fail(message: str):
    """Raise a TraceError at the trace's location (decompositions, gradients) or the user's line."""
    trace = current_trace()
    raise TraceError(message, trace.location if trace is not None and trace.location else user_location())


_state = threading.local()


def current_trace() -> Trace | None:
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


class tracing:
    """Context manager making ``trace`` the target of tfc operations in this thread."""

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self) -> Trace:
        if not hasattr(_state, "stack"):
            _state.stack = []
        _state.stack.append(self.trace)
        return self.trace

    def __exit__(self, *exc) -> None:
        _state.stack.pop()


__all__ = ["Trace", "current_trace", "device_scope", "fail", "name_scope", "tracing", "user_location"]
