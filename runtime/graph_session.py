"""Running imported GraphDefs the way a TensorFlow Session does: feeds, fetches, targets, variables.

Each distinct (fetches, targets, feed names and types) is imported (which prunes the GraphDef to
what it needs), run through :data:`PIPELINE` (the tf-level cleanups that are Grappler's job in
TensorFlow, then ``tf.*`` -> core ops), its variables lifted, the core cleanups run, and made a
step by the builder both sessions share (:func:`tfc.runtime.step.build_step`: variables lifted, buffers donated, compiled once); later
runs with the same signature only dispatch. Variable values live in the session's store between runs
(on the device, for XLA), updated in place. Runs may come from any number of threads, with the
guarantees of :mod:`tfc.runtime.variable_store`.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence

import numpy as np

from tfc.backends import BACKENDS
from tfc.backends.executor import DeviceStats
from tfc.backends.profiler import annotate
from tfc.diagnostics import TfcError
from tfc.frontend.tf.graphdef import GraphImportError, tf_dtype
from tfc.frontend.tf.importer import PLACEHOLDERS, GraphImporter, TensorRef
from tfc.frontend.tf.op_schema import output_types
from tfc.passmanager import PassManager, default_pipeline
from tfc.types import DType, TensorType

from . import cluster_variables, distributed
from .cluster_step import build_cluster_step
from .cluster_variables import variable_tasks
from .constant_feeds import ConstantFeeds, NeedsConstantFeeds, constant_required, feeds_behind
from .errors import SessionError
from .feeds import check_feed_shape, feed_array
from .host_ops import HostStage, NeedsHostStage, host_op
from .placement import Placement
from .step import Step, build_step
from .variable_store import VariableStore


def pipeline_for(fast_math: bool = False) -> str:
    """The passes a GraphSession runs on an imported graph before lifting its variables (IEEE-exact
    unless ``fast_math``); ``default_pipeline("core", fast_math)`` runs after lifting."""
    return f"{default_pipeline('tf', fast_math)},legalize-tf"


def cleanup_for(backend: str, device: str, fast_math: bool = False) -> str:
    """The passes after lifting the variables: the core pipeline, then, for XLA, the rewrites its
    platform wants (``backend-lowering``: depthwise convolutions as multiply-adds on CPU)."""
    core = default_pipeline("core", fast_math)
    if backend != "xla":
        return core
    platform = device.split(":")[0].lower()
    return f"{core},backend-lowering{{platform={platform}}},canonicalize" if platform in ("cpu", "gpu", "tpu") else core


PIPELINE = pipeline_for()
"""The default before lifting: tf-level cleanups, then legalization to core ops."""


class GraphSession:
    """A session over one GraphDef.

    ``GraphSession(importer, backend="xla", device="cpu", fast_math=False, pipeline=None)``:
    ``fast_math`` lets the passes reassociate floating-point arithmetic as Grappler does (folding
    constant scales into convolution weights, ...); ``pipeline`` replaces the passes altogether (it
    must legalize to core ops; nothing runs after it but lifting the variables). A feed that
    determines a shape (a Reshape target, a Range limit, a TensorArray size) is compiled in as a
    constant, one program per value, at most ``max_constant_feed_values`` per signature
    (:mod:`tfc.runtime.constant_feeds`; ``constant_feeds.log`` says when and why).

    >>> sess = GraphSession.from_file("graph.pb")                       # doctest: +SKIP
    >>> sess.run([], targets=["init"])                                   # doctest: +SKIP
    >>> loss, = sess.run(["loss:0"], {"x:0": x, "y:0": y})                # doctest: +SKIP
    """

    def __init__(self, importer: GraphImporter, backend: str = "xla", device: str = "cpu", *,
                 fast_math: bool = False, pipeline: str | None = None, max_constant_feed_values: int = 8,
                 allow_soft_placement: bool = False, placement_policy: str = "inputs", profile_devices: bool = False):
        if backend not in BACKENDS:
            raise SessionError(f"unknown backend '{backend}' (expected {' or '.join(repr(b) for b in BACKENDS)})")
        self.importer = importer
        self.backend = backend
        self.device = device
        self.pipeline = pipeline if pipeline is not None else pipeline_for(fast_math)
        self.cleanup = cleanup_for(backend, device, fast_math) if pipeline is None else None
        self.variables = VariableStore()
        """Variable name -> its current value (a device array with XLA)."""
        self._steps: dict[tuple, tuple[Step, list[str]]] = {}
        self.steps_ran: list[Step] | None = None
        """When a list, each run appends the steps it ran (a traced ``Session.run`` reads them)."""
        self._compiling = threading.Lock()
        self._feed_types: dict[str, TensorType | None] = {}
        self.constant_feeds = ConstantFeeds(max_constant_feed_values)
        """Feeds compiled in as constants because they determine shapes (``constant_feeds.log`` says which, why)."""
        self.placement = Placement(backend, device, allow_soft_placement, placement_policy)
        """How steps whose ops ask for other devices are placed (``allow_soft_placement``: TensorFlow's name)."""
        self._host_stages: dict[tuple, list[HostStage]] = {}  # (fetches, targets, feed names) -> its host stages
        self._host_ops: dict[str, HostStage] = {}  # node -> its host stage, shared by every run that needs it
        self.profile_devices = profile_devices
        """Time each device's work in steps that span devices (they wait for each piece): :meth:`device_stats`."""
        self._remote_variables: tuple = (None, {})  # (the importer they were found in, variable -> its task)

    @property
    def compile_count(self) -> int:
        """How many steps were compiled (one per fetches, targets, feed shapes and constant feed values)."""
        return len(self._steps)

    @staticmethod
    def from_file(path, **options) -> GraphSession:
        return GraphSession(GraphImporter.from_file(path), **options)

    def extend(self, importer: GraphImporter) -> None:
        """The graph grew (a TF1 program adds ops after making its Session): later runs import from
        ``importer``, a superset of the old graph. Compiled steps and variables stay valid, since
        existing nodes never change."""
        self.importer = importer

    def run(self, fetches: Sequence[str], feeds: dict | None = None, targets: Sequence[str] = ()) -> list[np.ndarray]:
        """Compute ``fetches`` (tensor names) after running ``targets`` (op names), with ``feeds``.

        Feeds are converted and checked as :meth:`check_feeds` says.
        """
        return self._run_checked(fetches, self.check_feeds(feeds or {}), targets)[0]

    def make_callable(self, fetches: Sequence[str], feed_names: Sequence[str], targets: Sequence[str] = ()):
        """``run`` as a function of the feed values (in ``feed_names`` order). Arrays that need no
        conversion take a fast path: their shapes and dtypes find the step, nothing else is checked."""
        names = [_tensor_name(n) for n in feed_names]
        fast: dict[tuple, tuple[Step, list[int]]] = {}

        def call(*values):
            try:
                step, order = fast[tuple(map(_SPEC, values))]
            except (AttributeError, KeyError):  # not arrays, or a new signature: the checked path
                return self._run_learning(fetches, names, targets, values, fast)
            if self.steps_ran is not None:
                self.steps_ran.append(step)
            outs = step.run(values if order is None else [values[i] for i in order])
            return [np.asarray(v) for v in outs[step.offset :]]

        return call

    def _run_checked(self, fetches, feeds: dict[str, np.ndarray], targets) -> tuple[list[np.ndarray], tuple, bool]:
        """The run with checked ``feeds``: the results, the (step, feed names) that computed them, and
        whether the step depends on values (a feed compiled in as a constant, or a host stage)."""
        key = (tuple(fetches), tuple(targets), tuple(sorted(feeds)))
        while True:
            stages = self._host_stages.get(key)
            try:
                if stages:
                    return self._run_staged(stages, fetches, feeds, targets)
                return self._run_compiled(fetches, feeds, targets)
            except NeedsHostStage as needed:
                stages = self._host_stages.setdefault(key, [])
                if any(stage.node == needed.node for stage in stages):
                    raise SessionError(f"'{needed.node}' runs on the host but is needed again: {needed.reason}") from None
                if needed.node not in self._host_ops:
                    self._host_ops[needed.node] = HostStage(self.importer, needed.node, self.pipeline)
                stages.append(self._host_ops[needed.node])

    def _run_staged(self, stages: list[HostStage], fetches, feeds: dict, targets) -> tuple[list[np.ndarray], tuple, bool]:
        """Each host stage's op computed from its inputs (a run of their own), then the run with the
        ops' outputs fed (:mod:`.host_ops`)."""
        feeds = dict(feeds)
        for stage in stages:
            wanted = stage.inputs + [name for name in stage.stateful if name not in feeds]
            values = self._run_checked(wanted, feeds, [])[0]
            feeds.update(zip(wanted[len(stage.inputs):], values[len(stage.inputs):]))
            feeds.update(zip(stage.outputs, stage.evaluate(values[:len(stage.inputs)])))
        results, found, _ = self._run_compiled(fetches, feeds, targets)
        return results, found, True

    def _run_compiled(self, fetches, feeds: dict[str, np.ndarray], targets) -> tuple[list[np.ndarray], tuple, bool]:
        """One compiled step's run (NeedsHostStage when its graph has an op for the host)."""
        signature = (tuple(fetches), tuple(targets), tuple((k, v.shape, v.dtype.str) for k, v in sorted(feeds.items())))
        found = self._steps.get(self.constant_feeds.key(signature, feeds))
        if found is None:
            with self._compiling:  # threads asking for the same new step compile it once
                found = self._step_for(signature, list(fetches), list(targets), feeds)
        step, feed_names = found
        if self.steps_ran is not None:
            self.steps_ran.append(step)
        outs = step.run([feeds[name] for name in feed_names])
        return [np.asarray(v) for v in outs[step.offset :]], found, bool(self.constant_feeds.names(signature))

    def _run_learning(self, fetches, names, targets, values, fast: dict) -> list[np.ndarray]:
        """One checked run for :meth:`make_callable`, remembering the step when its arrays were fed as
        they are (no conversion) and no feed is compiled in as a constant."""
        if len(values) != len(names):
            raise SessionError(f"expected {len(names)} feed values ({', '.join(names)}), got {len(values)}")
        feeds = self.check_feeds(dict(zip(names, values)))
        results, (step, feed_names), value_dependent = self._run_checked(fetches, feeds, targets)
        if not value_dependent and all(feeds[name] is value for name, value in zip(names, values)):
            order = [names.index(n) for n in feed_names]
            fast[tuple(map(_SPEC, values))] = (step, None if order == list(range(len(values))) else order)
        return results

    def check_feeds(self, feeds: dict) -> dict[str, np.ndarray]:
        """``feeds`` keyed by tensor name (``x`` means ``x:0``), as the arrays that will be fed.

        Each value is converted to the tensor's dtype as TensorFlow converts feeds
        (:mod:`tfc.runtime.feeds`: a float into an int32 placeholder truncates, float64 into float32
        rounds, any byte order); a Placeholder's must have its declared shape (``?`` dims match any
        size). SessionError naming the first feed that names no tensor of the graph, or whose value
        is not numbers or booleans (complex only into a complex tensor).
        """
        checked = {}
        for key, value in feeds.items():
            name = _tensor_name(key)
            ftype = self._feed_types.get(name, _UNKNOWN)
            if ftype is _UNKNOWN:  # looked up once per name: runs feed the same names again and again
                ftype = self._feed_types[name] = self._fed_tensor_type(key, name)
            array = feed_array(name, value, None if ftype is None else ftype.dtype)
            check_feed_shape(name, array, None if ftype is None else ftype.shape)
            checked[name] = array
        return checked

    def _fed_tensor_type(self, key: str, name: str) -> TensorType | None:
        """What a feed of tensor ``name`` converts to: a Placeholder's declared type, another op's
        output dtype by its TensorFlow schema (any shape), or None where the graph does not say."""
        if key.startswith("^"):
            raise SessionError(f"feed '{key}' names an op's control output, not a tensor")
        ref = TensorRef.parse(name)
        node = self.importer.nodes.get(ref.node)
        if node is None:
            raise SessionError(f"feed '{name}' names no tensor of the graph (there is no node '{ref.node}')")
        if node.op in PLACEHOLDERS:
            if ref.index != 0:
                raise SessionError(f"feed '{name}' names no tensor of the graph ({node.op} '{ref.node}' has one output, '{ref.node}:0')")
            return self.importer.placeholder_type(name)
        outputs = output_types(node)
        if outputs is not None and ref.index >= len(outputs):
            count = f"{len(outputs)} output{'' if len(outputs) == 1 else 's'}"
            raise SessionError(f"feed '{name}' names no tensor of the graph ({node.op} '{ref.node}' has {count})")
        dtype = outputs[ref.index] if outputs else None
        try:
            return None if not dtype else TensorType(tf_dtype(dtype), None)
        except GraphImportError:  # a dtype tfc has no tensors of: the fed value's own is checked
            return None

    def _step_for(self, signature: tuple, fetches, targets, feeds) -> tuple[Step, list[str]]:
        """The step for ``signature`` and the values of its constant feeds, compiled if new; a compile
        that finds feeds determining shapes is done again with them compiled in as constants."""
        while True:
            key = self.constant_feeds.key(signature, feeds)
            found = self._steps.get(key)
            if found is not None:
                return found
            self.constant_feeds.admit(signature, key)
            try:
                found = self._compile(fetches, targets, feeds, self.constant_feeds.names(signature))
            except NeedsConstantFeeds as needed:
                self.constant_feeds.learn(signature, needed)
                continue
            self._steps[key] = found
            return found

    def _compile(self, fetches, targets, feeds, constants=()) -> tuple[Step, list[str]]:
        feed_types = {name: v if name in constants else TensorType(DType.from_numpy(v.dtype), v.shape) for name, v in feeds.items()}
        with annotate("tfc.import", fetches=",".join(fetches), targets=",".join(targets)):
            imported = self.importer.import_graph(fetches, targets, feed_types)
        across_tasks = self.placement.check_jobs(imported.module)
        needed_by = ", ".join(fetches) or ", ".join(targets)
        if across_tasks:  # parts run on parameter servers
            PassManager(self.pipeline).run(imported.module)
            return build_cluster_step(imported.module, self.variables, local_task=self.placement.local_task, backend=self.backend,
                                      device=self.device, cleanup=self.cleanup, needed_by=needed_by), imported.feeds
        try:
            step = build_step(imported.module, self.variables, backend=self.backend, device=self.device,
                              pipeline=self.pipeline, cleanup=self.cleanup, needed_by=needed_by, placement=self.placement)
        except TfcError as err:
            node = host_op(err)
            if node is not None and node in self.importer.nodes:
                raise NeedsHostStage(node, str(getattr(err, "cause", err)).splitlines()[0]) from err
            value = constant_required(err)
            names = [] if value is None else feeds_behind(value, imported.module, imported.feeds)
            if names:
                raise NeedsConstantFeeds(names, str(getattr(err, "cause", err)).splitlines()[0]) from err
            raise
        if step.executor is not None:
            step.executor.profile = self.profile_devices
        return step, imported.feeds

    # ---- variables by name, wherever they live (this session's store or parameter servers) ----------
    def _variable_tasks(self) -> dict[str, str]:
        """Variables on other tasks, found once per graph (a waiting worker asks every half second)."""
        if not distributed.ray_address():
            return {}
        if self._remote_variables[0] is not self.importer:
            self._remote_variables = (self.importer, variable_tasks(self.importer, self.placement.local_task))
        return self._remote_variables[1]

    def variable_values(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """The values of those of ``names`` that are initialized (a checkpoint's contents)."""
        return cluster_variables.read(self.variables, self._variable_tasks(), names)

    def set_variables(self, values: dict[str, np.ndarray]) -> None:
        """Set variables by name (a restore): each parameter server's at once."""
        cluster_variables.write(self.variables, self._variable_tasks(), values)

    def uninitialized(self, names: Sequence[str]) -> list[str]:
        """Those of ``names`` with no value yet (a worker waits for the chief to initialize them)."""
        return cluster_variables.uninitialized(self.variables, self._variable_tasks(), names)

    def host_stages(self) -> list[HostStage]:
        """The ops this session runs on the host (their ``runs`` and ``seconds``), in the order found."""
        return list(self._host_ops.values())

    def device_stats(self) -> list[DeviceStats]:
        """What each compiled step that spans devices ran where, and its transfers (empty when none does)."""
        return [step.executor.stats for step, _ in self._steps.values() if step.executor is not None]


_UNKNOWN = object()
_SPEC = operator.attrgetter("shape", "dtype")


def _tensor_name(name: str) -> str:
    """``x`` means ``x:0``, as in TensorFlow's feed_dict."""
    return name if ":" in name else f"{name}:0"


__all__ = ["PIPELINE", "GraphSession", "SessionError", "cleanup_for", "pipeline_for"]
