"""``@tfc.compile``: trace a Python function into IR, compile it with XLA, cache per signature.

Like ``tf.function``: tensors (numpy arrays, device arrays, numpy scalars) are traced symbolically and
keyed by shape and dtype; every other argument (Python numbers, strings, None, ...) is static and part
of the key, so a new value retraces. ``f.retrace_reasons`` says why each retrace happened, and
``explain_retraces=True`` logs it as it happens. ``tfc.Variable``s the function uses (captured or
passed as arguments) are lifted to extra arguments and results; their buffers are donated, so XLA
updates them in place, and the new values are stored back after each call.
"""

from __future__ import annotations

import functools
import inspect
import logging
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tfc.backends import (
    broadcast_from_chief,
    device_put,
    devices,
    dispatcher,
    global_devices,
    load,
    load_replicated,
    process_count,
    process_index,
    stablehlo_text,
)
from tfc.device_spec import canonical_device
from tfc.diagnostics import TfcError, TraceError
from tfc.ir import Module
from tfc.location import UNKNOWN, FileLineColLoc
from tfc.passes.backend_lowering import PLATFORMS
from tfc.passes.lift_variables import lift_variables
from tfc.passes.place import op_elsewhere, placement_pipeline
from tfc.passes.shard_batch import REPLICATED, SPLIT_ARGS, SPLIT_RESULTS, ShardBatch
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.types import STRING, DType, FunctionType, TensorType
from tfc.verifier import verify

from . import summaries
from .pytree import Static, count_leaves, flatten, unflatten
from .tensor import Tensor, to_tensor
from .tensor_spec import TensorSpec
from .tracing import Trace, current_trace, tracing

log = logging.getLogger("tfc")

# The numpy hot path's key: each array's (shape, dtype).
_SPEC = operator.attrgetter("shape", "dtype")


def _spec(x) -> tuple:
    try:
        return (tuple(x.shape), np.dtype(x.dtype))
    except TypeError:  # a TF1 graph tensor, say: it has a dtype, but no value yet
        raise TraceError(f"cannot pass {x!r} to a compiled or eager function: it takes arrays and numbers "
                         "(a TensorFlow 1 graph tensor gets its value in a Session)") from None


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lowered:
    """A traced function for one signature: its IR and what XLA would receive."""

    module: Module
    function_name: str
    variables: tuple | None = None  # (variables read, variables written, donated argument indices)
    replicas: tuple | None = None  # data parallelism: (devices, split axis per argument, per result); devices may span processes
    summaries: tuple = ()  # ((tag, plugin, options), ...): the summaries, packed in the trailing results, for frontend.summaries' sinks
    summary_layout: tuple = ()  # per summary (result index, offset, shape) in those results (frontend.summaries.SummaryValues)

    def as_text(self) -> str:
        """The tfc IR (generic MLIR form)."""
        return print_module(self.module)

    def as_stablehlo(self, debug_info: bool = False) -> str:
        """The StableHLO module handed to XLA."""
        return stablehlo_text(self.module, self.function_name, debug_info)


class _Entry:
    """One traced signature: ``run(*tensors)`` gives the one result, or ``finish(run(...))`` the structure.

    ``run`` starts as a stub that compiles on first call, so ``lower()`` alone never compiles.
    """

    __slots__ = ("lowered", "run", "finish", "single", "executable")

    def __init__(self, lowered: Lowered, make_runner: Callable, out_structure, device: str):
        self.lowered = lowered
        self.executable = None  # once compiled: the XLA executable ``run`` is, when it is one and nothing more
        compiling = threading.Lock()

        def compile_then_run(*args):
            with compiling:  # threads calling a new signature together compile it once
                if self.run is compile_then_run and lowered.summaries:  # a list of results: the summaries are split off
                    self.run = _delivering_summaries(make_runner(lowered, False)[0], lowered, self.single, device)
                elif self.run is compile_then_run:
                    self.run, self.executable = make_runner(lowered, self.single)
            return self.run(*args)

        self.run = compile_then_run
        self.single = out_structure == "T"
        self.finish = functools.partial(unflatten, out_structure)


CALL_OBSERVERS: list[Callable] = []
"""Called as ``observer(function, args, kwargs, result)`` after every call of a compiled function
(``tfc.summary.trace_on`` records the calls it will export); empty, a call pays one list test."""


def observe_calls(observer: Callable) -> None:
    if observer not in CALL_OBSERVERS:
        CALL_OBSERVERS.append(observer)


def stop_observing_calls(observer: Callable) -> None:
    if observer in CALL_OBSERVERS:
        CALL_OBSERVERS.remove(observer)


def _observed(function, args, kwargs, result) -> None:
    for observer in list(CALL_OBSERVERS):
        observer(function, args, kwargs, result)


def _delivering_summaries(run: Callable, lowered: Lowered, single: bool, device: str) -> Callable:
    """``run`` (returning a list) given whether any summary sink wants this call's summaries (its
    last argument, kept on the device: a host bool would be copied there on every call), and its
    trailing summary results handed to those sinks."""
    names, layout = list(lowered.summaries), lowered.summary_layout
    count = 1 + max(index for index, _, _ in layout)
    record = {flag: device_put(np.array(flag), device) for flag in (False, True)}

    def run_and_deliver(*args):
        sinks = summaries.recording()
        outs = run(*args, record[bool(sinks)])
        if sinks:
            summaries.deliver(sinks, names, summaries.SummaryValues(outs[-count:], layout))
        return outs[0] if single else outs[:-count]

    return run_and_deliver


class CompiledFunction:
    """The callable ``@tfc.compile`` returns. Call it, or ``.lower(*args)`` to see its IR."""

    def __init__(self, fn: Callable, *, static_argnums=(), static_argnames=(), device: str = "cpu",
                 backend: str = "xla", explain_retraces: bool = False, max_traces: int = 64, input_signature=None,
                 devices=None, batch_argnums=()):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.signature = inspect.signature(fn)
        self.input_signature = None if input_signature is None else _check_input_signature(fn, input_signature)
        self.static_argnums = frozenset((static_argnums,) if isinstance(static_argnums, int) else static_argnums)
        self.static_argnames = frozenset((static_argnames,) if isinstance(static_argnames, str) else static_argnames)
        self.device = device
        self.backend = backend
        self.devices = _check_devices(fn, devices, batch_argnums, device)
        self.batch_argnums = frozenset((batch_argnums,) if isinstance(batch_argnums, int) else batch_argnums)
        self.explain_retraces = explain_retraces
        self.max_traces = max_traces
        self.trace_count = 0
        self.evictions = 0
        self.retrace_reasons: list[str] = []
        self._entries: OrderedDict = OrderedDict()  # signature -> _Entry, least recently used first
        self._fast: dict = {}  # numpy signatures seen -> their entry
        self._last_key = None
        self._tracing = threading.RLock()
        self._dispatch = self._first_dispatch

    # ---- calling
    def __call__(self, *args, **kwargs):
        """Numpy arrays of a seen signature: their entry from a dict. Anything else: ``_dispatch``, for
        XLA jax's C++ dispatcher, which runs a seen signature of device arrays without Python. (With
        x64 off jax's signature of a float64 numpy array is float32's, and tfc traces float64 apart,
        so numpy arrays cannot take that path.)"""
        if args and type(args[0]) is np.ndarray and not kwargs:
            try:
                entry = self._fast[tuple(map(_SPEC, args))]
            except (KeyError, AttributeError):
                pass
            else:
                out = entry.run(*args)
                result = out if entry.single else entry.finish(out)
                if CALL_OBSERVERS:
                    _observed(self, args, kwargs, result)
                return result
        result = self._dispatch(*args, **kwargs)
        if CALL_OBSERVERS:
            _observed(self, args, kwargs, result)
        return result

    def _first_dispatch(self, *args, **kwargs):
        """Make the dispatcher on the first call (so defining a function never imports jax), then call it."""
        self._dispatch = dispatcher(self._call, _symbol(self.__name__), self.backend if self.devices is None else "replicated")
        return self._dispatch(*args, **kwargs)

    def _call(self, *args, **kwargs) -> tuple:
        """(result, the executable that computed it from ``args`` as they are, its raw outputs): what
        the C++ dispatcher learns from, for a signature it has not seen (or arguments that are not
        all arrays)."""
        if current_trace() is not None:  # called from another traced function: part of its trace
            return self.fn(*args, **kwargs), None, None
        given = args
        if self.input_signature is not None:
            args, kwargs = self._conform(args, kwargs), {}
        key, leaves = self._key(args, kwargs)
        entry = self._entry(key, args, kwargs)
        if not kwargs and args and key[0] == ("tuple", ("T",) * len(args)):
            if all(type(a) is np.ndarray for a in args):
                self._fast[tuple(map(_SPEC, args))] = entry
        out = entry.run(*leaves)
        result = out if entry.single else entry.finish(out)
        as_given = not kwargs and len(leaves) == len(given) and all(a is b for a, b in zip(leaves, given))
        return result, entry.executable if as_given else None, out

    def lower(self, *args, **kwargs) -> Lowered:
        """Trace (or reuse the trace) for these arguments; returns a :class:`Lowered`."""
        if self.input_signature is not None:
            args, kwargs = self._conform(args, kwargs), {}
        key, _ = self._key(args, kwargs)
        return self._entry(key, args, kwargs).lowered

    # ---- signatures
    def _conform(self, args, kwargs) -> tuple:
        """The arguments as the ``input_signature`` says (TraceError naming the one that does not fit)."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TraceError(f"{self.__name__}(): {err}") from None
        values = list(bound.arguments.items())
        if len(values) != len(self.input_signature):
            raise TraceError(f"{self.__name__}(): input_signature has {len(self.input_signature)} specs, got {len(values)} arguments")
        return tuple(spec.conform(value, f"{self.__name__}() argument '{name}'") for (name, value), spec in zip(values, self.input_signature))

    def _key(self, args, kwargs):
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TraceError(f"{self.__name__}(): {err}") from None
        leaves: list = []
        parts = []
        for index, (name, value) in enumerate(bound.arguments.items()):
            if index in self.static_argnums or name in self.static_argnames:
                parts.append(flatten(Static(value), [], True))
            else:
                parts.append(flatten(value, leaves))
        structure = ("tuple", tuple(parts)) if not kwargs else ("args", tuple(bound.arguments), tuple(parts))
        specs = tuple(_spec(x) for x in leaves)
        return (structure, specs), leaves

    def _explain(self, key) -> str:
        if self._last_key is None:
            return "first call"
        (old_structure, old_specs), (structure, specs) = self._last_key, key
        if old_structure != structure:
            return "the arguments' structure or a static (non-tensor) argument changed"
        for i, (a, b) in enumerate(zip(old_specs, specs)):
            if a != b:
                return f"tensor argument #{i} changed from {a[1]}{list(a[0])} to {b[1]}{list(b[0])}"
        return "new signature"

    # ---- tracing
    def _entry(self, key, args, kwargs) -> _Entry:
        """The traced signature ``key`` (traced once, however many threads ask), most recently used last."""
        with self._tracing:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._trace_entry(key, args, kwargs)
            self._entries.move_to_end(key)
            return entry

    def _evict(self) -> None:
        """Forget the least recently used signatures beyond ``max_traces`` (saying so in the log)."""
        while len(self._entries) > self.max_traces:
            key, entry = self._entries.popitem(last=False)
            self._fast = {k: e for k, e in self._fast.items() if e is not entry}
            self._dispatch = self._first_dispatch  # a fresh dispatcher: none of its fast paths runs an evicted entry
            self.evictions += 1
            log.warning("tfc.compile: %s keeps at most %d traces; evicting the least recently used (%s)",
                        self.__name__, self.max_traces, _describe_key(key))

    def _trace_entry(self, key, args, kwargs) -> _Entry:
        reason = self._explain(key)
        self.trace_count += 1
        if self.trace_count > 1:
            self.retrace_reasons.append(reason)
            if self.explain_retraces:
                log.warning("tfc.compile: retracing %s (trace #%d): %s", self.__name__, self.trace_count, reason)
        self._last_key = key
        lowered, out_structure = self._trace(key, args, kwargs)
        entry = _Entry(lowered, self._make_runner, out_structure, self.device)
        self._entries[key] = entry
        self._evict()
        return entry

    def _trace(self, key, args, kwargs):
        bound = self.signature.bind(*args, **kwargs)
        arg_types, arg_names, batch_leaves = [], [], []
        for name, value in bound.arguments.items():
            leaves: list = []
            index = list(bound.arguments).index(name)
            if index in self.static_argnums or name in self.static_argnames:
                continue
            flatten(value, leaves)
            if index in self.batch_argnums:
                batch_leaves.extend(range(len(arg_types), len(arg_types) + len(leaves)))
                self._check_batch(name, leaves)
            for i, leaf in enumerate(leaves):
                arg_types.append(self._arg_type(leaf, name, index in self.batch_argnums))
                arg_names.append(name if len(leaves) == 1 else f"{name}_{i}")
        code = getattr(self.fn, "__code__", None)
        where = FileLineColLoc(code.co_filename, code.co_firstlineno, 1) if code else UNKNOWN
        trace = Trace(_symbol(self.__name__), arg_types, arg_names, where)
        arg_tensors = iter(Tensor(a, trace) for a in trace.function.args)
        with tracing(trace):
            traced_args = {}
            for index, (name, value) in enumerate(bound.arguments.items()):
                if index in self.static_argnums or name in self.static_argnames:
                    traced_args[name] = value
                else:
                    structure = flatten(value, [])
                    count = count_leaves(structure)
                    traced_args[name] = unflatten(structure, [next(arg_tensors) for _ in range(count)])
            bound.arguments.update(traced_args)
            result = self._call_traced(bound, where)
            out_leaves: list = []
            out_structure = flatten(result, out_leaves, static_ok=False)
            outputs = [self._output(trace, leaf) for leaf in out_leaves]
            summary_names, summary_values, summary_layout = summaries.moved_to_results(trace, [t.value for t in outputs])
            returned = [t.value for t in outputs] + summary_values
            trace.builder.create("func.return", returned, location=where)
        trace.function.set_type(FunctionType(tuple(a.type for a in trace.function.args), tuple(v.type for v in returned)))
        if summary_names and self.devices is not None:
            raise TraceError(f"{self.__name__}: summaries are not supported in data-parallel functions yet", where)
        self._lower_for_platform(trace)
        spans = self._spans_devices(trace)
        if spans and trace.variables:
            self._place(trace, partition=False)  # variables join their reads and updates before they are lifted
        if trace.variables:  # tfc.Variables were used: they become arguments and results
            lifted = lift_variables(trace.module, trace.function)
            by_name = {name: entry[0] for name, entry in trace.variables.items()}
            if spans:
                self._place(trace, partition=True)
            verify(trace.module)
            variables = (tuple(by_name[n] for n in lifted.names_in), tuple(by_name[n] for n in lifted.names_out), lifted.donate)
            return Lowered(trace.module, trace.function.name, variables, self._shard(trace, batch_leaves), tuple(summary_names),
                           summary_layout), out_structure
        if spans:
            self._place(trace, partition=True)
        verify(trace.module)
        return Lowered(trace.module, trace.function.name, replicas=self._shard(trace, batch_leaves), summaries=tuple(summary_names),
                       summary_layout=summary_layout), out_structure

    def _lower_for_platform(self, trace: Trace) -> None:
        """Rewrite what the device's compiler handles badly (``backend-lowering``: depthwise
        convolutions on CPU), as GraphSession does, so ``lower()`` shows what XLA gets."""
        platform = (canonical_device(self.device) or "").split(":")[0]
        if self.backend == "xla" and platform in PLATFORMS:
            PassManager(f"backend-lowering{{platform={platform}}}").run(trace.module)

    # ---- model parallelism
    def _spans_devices(self, trace: Trace) -> bool:
        """Whether ops were recorded in ``tfc.device`` scopes naming another device than ``device=``.
        With ``devices=`` (one replica per device) such scopes are a TraceError naming the op: model
        and data parallelism in one function is not supported."""
        placed = op_elsewhere(trace.function, canonical_device(self.device))
        if placed is not None and self.devices is not None:
            raise TraceError(f"{self.__name__}(): '{placed.name}' is in a tfc.device scope, but with devices= the function runs "
                             "as one replica per device; device scopes inside it are not supported", placed.location)
        return placed is not None

    def _place(self, trace: Trace, partition: bool) -> None:
        """Place every op on a device (then partition and schedule), so the loader runs the function's
        pieces on their devices; a device that does not exist is a TraceError naming the op."""
        available = ",".join(devices()) if self.backend == "xla" else ""
        pipeline = placement_pipeline(available, canonical_device(self.device), entry=trace.function.name, partition=partition)
        try:
            PassManager(pipeline).run(trace.module)
        except TfcError as err:
            raise TraceError(f"{self.__name__}(): {str(getattr(err, 'cause', err)).splitlines()[0]}") from None

    # ---- data parallelism
    def _replica_devices(self) -> list[str] | None:
        """``devices=`` as names; "all" is looked up when first traced (after ``initialize_distributed``).
        Only "all" spans processes: every process must take part, each with its shard."""
        if self.devices == "all":
            return global_devices()
        if self.devices is not None and any(d.strip().lower().startswith("/task:") for d in self.devices):
            raise TraceError(f"{self.__name__}: devices {self.devices!r} name devices of processes; a program spans processes "
                             "with devices=\"all\" (every process calls it with its shard of the batch)")
        return self.devices

    def _processes(self) -> int:
        """How many processes share the batch: each passes its own shard (``devices="all"`` only)."""
        return process_count() if self.devices == "all" else 1

    def _arg_type(self, leaf, name: str, batch: bool) -> TensorType:
        """A leaf's traced type: a batch argument across processes is traced at the global batch (every
        process's shard), so shard-batch and the means see the whole batch as in one process."""
        shape = tuple(leaf.shape)
        if batch and self._processes() > 1:
            shape = (shape[0] * self._processes(), *shape[1:])
        return TensorType(_dtype_of(leaf, name), shape)

    def _check_batch(self, name: str, leaves: list) -> None:
        """A batch argument's leaves must split evenly over this process's devices (TraceError naming it)."""
        names = self._replica_devices()
        mine = f"/task:{process_index()}/"
        count = 1 if names is None else sum(1 for d in names if not d.startswith("/task:") or d.startswith(mine))
        where = "devices" if self._processes() == 1 else "devices of this process (each process passes its shard)"
        for leaf in leaves:
            shape = tuple(getattr(leaf, "shape", ()))
            if not shape or shape[0] % count:
                size = f"batch size {shape[0]}" if shape else "no batch axis (a scalar)"
                raise TraceError(f"{self.__name__}(): argument '{name}' is in batch_argnums, but has {size}: it is split along "
                                 f"axis 0 over {count} {where}, so its size there must be a multiple of {count}")

    def _shard(self, trace: Trace, batch_leaves: list) -> tuple | None:
        """With ``devices``: run shard-batch on the traced function; (devices, split axes of its
        arguments and results) for the runner."""
        if self.devices is None:
            return None
        function, names = trace.function, self._replica_devices()
        ShardBatch(replicas=len(names), batch_args=",".join(map(str, batch_leaves)), entry=function.name).run(trace.module)
        verify(trace.module)
        axes = [tuple(None if a == REPLICATED else a for a in function.op.attr(key)) for key in (SPLIT_ARGS, SPLIT_RESULTS)]
        return (tuple(names), *axes)

    def _broadcaster(self, lowered: Lowered) -> Callable | None:
        """Across processes: what makes a first call's replicated arguments process 0's, so the
        replicas start equal (every process makes that first call, so all take part); else None."""
        if lowered.replicas is None or self._processes() == 1:
            return None
        names, split_args, _ = lowered.replicas
        replicated = [i for i, axis in enumerate(split_args) if axis is None]

        def broadcast(args) -> list:
            args = list(args)
            for i, value in zip(replicated, broadcast_from_chief([args[i] for i in replicated], names)):
                args[i] = value
            return args

        return broadcast

    def _load(self, lowered: Lowered, donate=()):
        """The compiled function: on one device, or as one replica per device of ``devices``."""
        if lowered.replicas is None:
            return load(lowered.module, backend=self.backend, device=self.device, donate=donate, entry=lowered.function_name)
        devices, split_args, split_results = lowered.replicas
        return load_replicated(lowered.module, devices=devices, split_args=split_args, split_results=split_results,
                               backend=self.backend, donate=donate, entry=lowered.function_name)

    def _call_traced(self, bound: inspect.BoundArguments, where):
        """Run the Python function on traced arguments; endless recursion is a TraceError."""
        try:
            return self.fn(*bound.args, **bound.kwargs)
        except RecursionError:
            raise TraceError(f"{self.__name__} recursed without end while it was traced: a compiled function that "
                             "calls itself needs a Python (static) condition that stops the recursion", where) from None

    def _output(self, trace: Trace, leaf) -> Tensor:
        if isinstance(leaf, Tensor):
            if leaf.trace is not trace:
                raise TraceError(f"{self.__name__} returned a tensor from another trace (a leaked tracer)")
            return leaf
        return to_tensor(leaf, trace)

    def _make_runner(self, lowered: Lowered, single: bool) -> Callable:
        """(a callable running the compiled function, returning the bare array when ``single``, else a
        list; the XLA executable it only runs, or None)."""
        if lowered.variables is not None:
            return self._make_variable_runner(lowered, single), None
        loaded = self._load(lowered)
        call, broadcast = loaded.call_single if single else loaded.call, self._broadcaster(lowered)
        if broadcast is None:
            return call, loaded.executable
        first, lock = [True], threading.Lock()

        def run_from_equal_start(*args):
            if first:
                with lock:  # one broadcast, even when threads make the first call together
                    if first:
                        args = broadcast(args)
                        first.clear()
            return call(*args)

        return run_from_equal_start, None

    def _make_variable_runner(self, lowered: Lowered, single: bool) -> Callable:
        """Pass the variables' values after the arguments; store the updated ones (results first) back.

        Variables both read and written are donated, so XLA updates their buffers in place. Across
        processes the first call takes the variables (and replicated arguments) from process 0.
        """
        reads, writes, donate = lowered.variables
        count = len(writes)
        call = self._load(lowered, donate).call
        place = device_put if lowered.replicas is not None else None  # replica 0's results are on devices[0]
        broadcast, first = self._broadcaster(lowered), [True]
        # Every variable's lock, in one order: calls touching the same variables are serialized.
        locks = [v.lock for v in sorted({*reads, *writes}, key=lambda v: v.node_name)]

        def run_with_variables(*args):
            for lock in locks:
                lock.acquire()
            try:
                values = [*args, *[v.array for v in reads]]
                if broadcast is not None and first:
                    values = broadcast(values)
                    for variable, value in zip(reads, values[len(args):]):
                        variable.array = device_put(value, variable.device)
                    first.clear()
                outs = call(*values)
                for variable, value in zip(writes, outs):
                    variable.array = value if place is None else place(value, variable.device)
            finally:
                for lock in reversed(locks):
                    lock.release()
            return outs[count] if single else outs[count:]

        return run_with_variables


def _check_devices(fn: Callable, devices, batch_argnums, device: str) -> list[str] | None:
    """``devices=`` as device names: N means the first N of the ``device`` option's platform (cpu:0 ..
    cpu:N-1), a list names them, "all" (kept as it is, looked up when traced) every process's;
    batch_argnums needs it."""
    name = getattr(fn, "__name__", "function")
    if devices is None:
        if batch_argnums not in ((), None):
            raise TraceError(f"{name}: batch_argnums splits arguments over devices: give devices= too")
        return None
    if isinstance(devices, str) and devices == "all":
        return devices
    if isinstance(devices, int) and not isinstance(devices, bool):
        if devices < 1:
            raise TraceError(f"{name}: devices must be a positive number or a list of device names, got {devices}")
        return [f"{device.partition(':')[0]}:{i}" for i in range(devices)]
    names = list(devices) if isinstance(devices, (list, tuple)) else None
    if not names or not all(isinstance(d, str) for d in names) or len(set(names)) != len(names):
        raise TraceError(f"{name}: devices must be a positive number, \"all\" or a list of distinct device names like ['cpu:0', 'cpu:2'], "
                         f"got {devices!r}")
    return names


def _check_input_signature(fn: Callable, specs) -> tuple:
    """``specs`` as a tuple of TensorSpecs, one per parameter of ``fn`` (as ``tf.function`` requires)."""
    specs = tuple(specs)
    if not all(isinstance(spec, TensorSpec) for spec in specs):
        raise TraceError(f"{getattr(fn, '__name__', 'function')}: input_signature must be a sequence of tfc.TensorSpec")
    if any(spec.dtype is STRING for spec in specs):
        raise TraceError(f"{getattr(fn, '__name__', 'function')}: input_signature has a tfc.string spec; compiled functions take numbers only")
    parameters = [p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(parameters) != len(specs):
        raise TraceError(f"{getattr(fn, '__name__', 'function')}: input_signature has {len(specs)} specs for {len(parameters)} parameters")
    return specs


def _describe_key(key) -> str:
    """A signature as ``f32[2, 3], i32[]`` (tensor arguments) for messages."""
    _, specs = key
    return ", ".join(f"{dtype}{list(shape)}" for shape, dtype in specs) or "no tensor arguments"


def _dtype_of(leaf, name: str) -> DType:
    try:
        return DType.from_numpy(leaf.dtype)
    except ValueError as err:
        raise TraceError(f"argument '{name}': {err}") from None


def _symbol(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "main"


def compile(fn: Callable | None = None, **options) -> CompiledFunction:
    """Decorator: trace ``fn`` into tfc IR and run it compiled by XLA.

    Options: ``static_argnums``/``static_argnames`` (force arguments static), ``device`` ("cpu",
    "cpu:1", "gpu:0"...), ``backend`` ("xla" or "interp"), ``explain_retraces`` (log each retrace),
    ``max_traces`` (signatures kept, least recently used evicted with a log warning; default 64),
    ``input_signature`` (a list of :class:`tfc.TensorSpec`, one per parameter: arguments must fit
    them, ``None`` dims match any size, and each concrete shape is traced once), ``devices`` and
    ``batch_argnums`` (data parallelism: the arguments at ``batch_argnums`` are split along axis 0
    over ``devices``, a count or a list like ``["cpu:0", "cpu:2"]``, the others replicated; the
    ``shard-batch`` pass inserts the all-reduces, and the result equals one device's).

    ``devices="all"``: every device of every process (``tfc.backends.initialize_distributed``; one
    process: all of its devices). Each process calls with its own shard of each batch argument (the
    global batch is the shards in process order) and the same other arguments; the first call of a
    signature takes the replicated arguments and the ``tfc.Variable``s used from process 0, so the
    replicas start equal. Replicated results are the whole batch's, as in one process; results
    still split along the batch are this process's rows (its shard of the result).

    Called inside another traced function it is part of that trace (as ``jax.jit`` inside
    ``jax.jit``). It may be called from any number of threads: a new signature is traced and
    compiled once, and calls updating the same ``tfc.Variable`` are serialized by its lock.

    >>> @tfc.compile
    ... def f(x):
    ...     return tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
    >>> f(np.array([[5., 6.], [7., 8.]], np.float32))   # doctest: +SKIP
    Array([[ 72.,  84.], [ 98., 114.]], dtype=float32)
    """
    if fn is None:
        return lambda f: CompiledFunction(f, **options)
    return CompiledFunction(fn, **options)


_eager_cache: dict = {}


def eager_call(fn: Callable, args, kwargs, static_argnames: tuple = ()):
    """Run one tfc function outside any trace: compile it for these arguments (``static_argnames``
    as Python values, hashable), return numpy arrays."""
    compiled = _eager_cache.get((fn, static_argnames))
    if compiled is None:
        compiled = _eager_cache[(fn, static_argnames)] = CompiledFunction(fn, static_argnames=static_argnames)
    result = compiled(*args, **kwargs)
    leaves: list = []
    structure = flatten(result, leaves)
    return unflatten(structure, [np.asarray(x) for x in leaves])
