"""Running imported GraphDefs the way a TensorFlow Session does: feeds, fetches, targets, variables.

Each distinct (fetches, targets, feed names and types) is imported, pruned, legalized, its variables
lifted to arguments and results, and compiled once; later runs with the same signature only dispatch.
Variable values live in the session's store between runs (on the device, for XLA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.passmanager import PassManager, default_pipeline
from tfc.types import DType, TensorType

# After import: the tf-level cleanups (Grappler's job in TensorFlow), tf.* -> core ops, variables ->
# arguments, then the core cleanups.
PIPELINE = f"{default_pipeline('tf')},legalize-tf,lift-variables,{default_pipeline('core')}"


class SessionError(TfcError):
    """A run that cannot proceed: uninitialized variable, bad feed, unknown fetch."""


@dataclass
class _Step:
    """One compiled (fetches, targets, feeds) signature."""

    run: Callable
    feeds: list[str]
    num_fetches: int
    variables_in: list[str]
    variables_out: list[str]


class GraphSession:
    """A session over one GraphDef.

    >>> sess = GraphSession.from_file("graph.pb")                       # doctest: +SKIP
    >>> sess.run([], targets=["init"])                                   # doctest: +SKIP
    >>> loss, = sess.run(["loss:0"], {"x:0": x, "y:0": y})                # doctest: +SKIP
    """

    def __init__(self, importer: GraphImporter, backend: str = "xla", device: str = "cpu"):
        self.importer = importer
        self.backend = backend
        self.device = device
        self.variables: dict[str, object] = {}
        self._steps: dict[tuple, _Step] = {}

    @staticmethod
    def from_file(path, **options) -> GraphSession:
        return GraphSession(GraphImporter.from_file(path), **options)

    def run(self, fetches: Sequence[str], feeds: dict | None = None, targets: Sequence[str] = ()) -> list[np.ndarray]:
        """Compute ``fetches`` (tensor names) after running ``targets`` (op names), with ``feeds``."""
        feeds = {_tensor_name(k): np.asarray(v) for k, v in (feeds or {}).items()}
        key = (tuple(fetches), tuple(targets), tuple((k, v.shape, v.dtype.str) for k, v in sorted(feeds.items())))
        step = self._steps.get(key)
        if step is None:
            step = self._steps[key] = self._compile(list(fetches), list(targets), feeds)
        args = [feeds[name] for name in step.feeds]
        for name in step.variables_in:
            if name not in self.variables:
                raise SessionError(f"error: variable '{name}' is not initialized (run its initializer first); needed by {', '.join(fetches) or ', '.join(targets)}")
            args.append(self.variables[name])
        outs = step.run(*args)
        for name, value in zip(step.variables_out, outs[step.num_fetches :]):
            self.variables[name] = value
        return [np.asarray(v) for v in outs[: step.num_fetches]]

    def _compile(self, fetches, targets, feeds) -> _Step:
        feed_types = {name: TensorType(DType.from_numpy(v.dtype), v.shape) for name, v in feeds.items()}
        imported = self.importer.import_graph(fetches, targets, feed_types)
        PassManager(PIPELINE).run(imported.module)
        main = imported.module.function("main")
        variables_in = list(main.op.attr("tfc.variables_in", ()))
        variables_out = list(main.op.attr("tfc.variables_out", ()))
        if self.backend == "interp":
            from tfc.backends.interp.interpreter import run as interpret

            def run(*args):
                return interpret(imported.module, [np.asarray(a) for a in args])
        else:
            from tfc.backends.xla.backend import compile_module

            run = compile_module(imported.module, self.device).executable.call
        return _Step(run, imported.feeds, len(fetches), variables_in, variables_out)


def _tensor_name(name: str) -> str:
    """``x`` means ``x:0``, as in TensorFlow's feed_dict."""
    return name if ":" in name else f"{name}:0"
