"""Running imported GraphDefs the way a TensorFlow Session does: feeds, fetches, targets, variables.

Each distinct (fetches, targets, feed names and types) is imported (which prunes the GraphDef to
what it needs), run through :data:`PIPELINE` (the tf-level cleanups that are Grappler's job in
TensorFlow, then ``tf.*`` -> core ops), its variables lifted, the core cleanups run, and made a
step by the builder both sessions share (:func:`tfc.runtime.step.build_step`: variables lifted, buffers donated, compiled once); later
runs with the same signature only dispatch. Variable values live in the session's store between runs
(on the device, for XLA), updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tfc.backends import BACKENDS
from tfc.diagnostics import TfcError
from tfc.frontend.tf.graphdef import tensor_shape, tf_dtype
from tfc.frontend.tf.importer import GraphImporter, TensorRef
from tfc.passmanager import default_pipeline
from tfc.types import DType, TensorType

from .errors import SessionError
from .step import Step, build_step
from .variable_store import VariableStore


def pipeline_for(fast_math: bool = False) -> str:
    """The passes a GraphSession runs on an imported graph before lifting its variables (IEEE-exact
    unless ``fast_math``); ``default_pipeline("core", fast_math)`` runs after lifting."""
    return f"{default_pipeline('tf', fast_math)},legalize-tf"


PIPELINE = pipeline_for()
"""The default before lifting: tf-level cleanups, then legalization to core ops."""


class GraphSession:
    """A session over one GraphDef.

    ``GraphSession(importer, backend="xla", device="cpu", fast_math=False, pipeline=None)``:
    ``fast_math`` lets the passes reassociate floating-point arithmetic as Grappler does (folding
    constant scales into convolution weights, ...); ``pipeline`` replaces the passes altogether (it
    must legalize to core ops; nothing runs after it but lifting the variables).

    >>> sess = GraphSession.from_file("graph.pb")                       # doctest: +SKIP
    >>> sess.run([], targets=["init"])                                   # doctest: +SKIP
    >>> loss, = sess.run(["loss:0"], {"x:0": x, "y:0": y})                # doctest: +SKIP
    """

    def __init__(self, importer: GraphImporter, backend: str = "xla", device: str = "cpu", *,
                 fast_math: bool = False, pipeline: str | None = None):
        if backend not in BACKENDS:
            raise SessionError(f"unknown backend '{backend}' (expected {' or '.join(repr(b) for b in BACKENDS)})")
        self.importer = importer
        self.backend = backend
        self.device = device
        self.pipeline = pipeline if pipeline is not None else pipeline_for(fast_math)
        self.cleanup = default_pipeline("core", fast_math) if pipeline is None else None
        self.variables = VariableStore()
        """Variable name -> its current value (a device array with XLA)."""
        self._steps: dict[tuple, tuple[Step, list[str]]] = {}

    @staticmethod
    def from_file(path, **options) -> GraphSession:
        return GraphSession(GraphImporter.from_file(path), **options)

    def run(self, fetches: Sequence[str], feeds: dict | None = None, targets: Sequence[str] = ()) -> list[np.ndarray]:
        """Compute ``fetches`` (tensor names) after running ``targets`` (op names), with ``feeds``.

        Feeds are checked as :meth:`check_feeds` says (on the first run of each signature); a needed
        Placeholder that is not fed is a SessionError naming it.
        """
        feeds = {_tensor_name(k): np.asarray(v) for k, v in (feeds or {}).items()}
        key = (tuple(fetches), tuple(targets), tuple((k, v.shape, v.dtype.str) for k, v in sorted(feeds.items())))
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = self._compile(list(fetches), list(targets), feeds)
        step, feed_names, casts = found
        outs = step.run([feeds[name] if name not in casts else feeds[name].astype(casts[name]) for name in feed_names])
        return [np.asarray(v) for v in outs[step.offset :]]

    def check_feeds(self, feeds: dict) -> dict[str, np.ndarray]:
        """``feeds`` keyed by tensor name (``x`` means ``x:0``), as the arrays that will be fed.

        SessionError naming the first feed that is not a tensor of the graph, whose value is not numbers
        or booleans, or, fed to a Placeholder, whose shape differs from the declared one (``?`` dims
        match any size) or whose dtype does not convert to the declared one within its kind (as
        ``tfc.Session`` converts: an int32 value feeds an int64 placeholder, a float64 one a float32
        placeholder, a float never an int).
        """
        checked = {}
        for key, value in feeds.items():
            if key.startswith("^"):
                raise SessionError(f"feed '{key}' names an op's control output, not a tensor")
            name = _tensor_name(key)
            array = np.asarray(value)
            node = self._fed_node(name)
            try:
                DType.from_numpy(array.dtype)
            except ValueError:
                raise SessionError(f"cannot feed '{name}' a value of dtype {array.dtype}: feeds are numbers or booleans") from None
            if node.op in _PLACEHOLDERS:
                array = _placeholder_value(node, name, array)
            checked[name] = array
        return checked

    def _fed_node(self, name: str):
        ref = TensorRef.parse(name)
        node = self.importer.nodes.get(ref.node)
        if node is None:
            raise SessionError(f"feed '{name}' names no tensor of the graph (there is no node '{ref.node}')")
        if node.op in _PLACEHOLDERS and ref.index != 0:
            raise SessionError(f"feed '{name}' names no tensor of the graph ({node.op} '{ref.node}' has one output, '{ref.node}:0')")
        return node

    def _compile(self, fetches, targets, feeds) -> tuple[Step, list[str], dict]:
        checked = self.check_feeds(feeds)
        casts = {name: array.dtype for name, array in checked.items() if array.dtype != feeds[name].dtype}
        feed_types = {name: TensorType(DType.from_numpy(v.dtype), v.shape) for name, v in checked.items()}
        imported = self.importer.import_graph(fetches, targets, feed_types)
        needed_by = ", ".join(fetches) or ", ".join(targets)
        try:
            step = build_step(imported.module, self.variables, backend=self.backend, device=self.device,
                              pipeline=self.pipeline, cleanup=self.cleanup, needed_by=needed_by)
        except TfcError:
            # A Placeholder the passes could not remove fails legalization: say it was not fed.
            unfed = [op.location for op in imported.module.function("main").body.ops if op.name == "tf.Placeholder"]
            if unfed:
                node = getattr(unfed[0], "name", None) or unfed[0].describe()
                where = f"{self.importer.filename}: node '{node}': " if self.importer.filename else ""
                raise SessionError(f"{where}error: placeholder '{node}' is needed by {needed_by} but not fed (feed '{node}:0')") from None
            raise
        return step, imported.feeds, casts


_PLACEHOLDERS = ("Placeholder", "PlaceholderWithDefault")


def _placeholder_value(node, name: str, array: np.ndarray) -> np.ndarray:
    """``array`` as the value of a Placeholder ``node``: converted to its declared dtype, of its declared shape."""
    dtype = tf_dtype(node.attr["dtype"].type, f" in node '{node.name}'") if "dtype" in node.attr else None
    shape = tensor_shape(node.attr["shape"].shape) if "shape" in node.attr else None
    if dtype is not None and array.dtype != dtype.numpy:
        if not np.can_cast(array.dtype, dtype.numpy, "same_kind"):
            raise SessionError(f"cannot feed '{name}' ({dtype.numpy} placeholder) a {array.dtype} value: the conversion loses its kind")
        array = array.astype(dtype.numpy)
    if shape is not None and (len(shape) != array.ndim or any(d is not None and d != n for d, n in zip(shape, array.shape))):
        declared = "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"
        raise SessionError(f"cannot feed a value of shape {list(array.shape)} to '{name}', which has shape {declared}")
    return array


def _tensor_name(name: str) -> str:
    """``x`` means ``x:0``, as in TensorFlow's feed_dict."""
    return name if ":" in name else f"{name}:0"


__all__ = ["PIPELINE", "GraphSession", "SessionError", "pipeline_for"]
