"""Building one compiled step of a session, shared by ``Session`` and ``GraphSession``.

A step is what one ``(fetches, targets, feeds)`` signature runs. Both sessions build it in the same
stages: **prune** to what the fetches and targets need, build a **function** ``main`` whose
arguments are the feeds (each session does these two its own way: a ``tfc.Graph``'s ops are cloned,
a GraphDef is imported, which prunes it), then :func:`build_step` does the rest for both: run the
session's passes, **lift variables** to arguments and results, clean up, verify, **load** through
the backend loader with the variables' buffers donated, and bind the session's variable store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tfc.backends import load
from tfc.backends.profiler import annotate
from tfc.ir import Module
from tfc.passes.lift_variables import lift_variables
from tfc.passmanager import PassManager
from tfc.verifier import verify

from .placement import Placement
from .variable_store import VariableStore


@dataclass(frozen=True)
class Step:
    """One compiled signature: ``run(feed values in order)`` returns [updated variables..., results...];
    result ``i`` is at ``offset + i``. ``single`` is the executable's own one-result entry
    (``single(*feeds) -> array``) when no variable is involved, else None."""

    run: Callable[[list], list]
    offset: int
    single: Callable | None
    executor: object = None
    """For a step that spans devices, the backend's executor (its ``stats``, ``profile``)."""
    program: tuple | None = None
    """(module, device, donated arguments) the backend compiled, for a one-device step: what run
    metadata maps XLA's ops of (``Session.run`` with ``RunOptions(trace_level=FULL_TRACE)``)."""


def build_step(module: Module, store: VariableStore, *, backend: str, device: str, pipeline: str | None = None,
               cleanup: str | None = None, readers: Mapping[str, str] | None = None, needed_by: str = "the run",
               placement: Placement | None = None) -> Step:
    """The step running function ``main`` of ``module`` (its arguments are the feeds, in order).

    ``pipeline`` runs before the variables are lifted, ``cleanup`` after (values read from variables
    are arguments then). ``readers`` (variable -> the op that reads it first) and ``needed_by`` (what
    the run fetches) name what needed a variable that is not initialized. With ``placement``, a step
    whose ops ask for other devices is placed and partitioned (:mod:`.placement`).
    """
    if pipeline:
        with annotate("tfc.passes", pipeline="graph"):
            PassManager(pipeline).run(module)
    function = module.function("main")
    spans = placement is not None and placement.spans_devices(function)
    if spans:
        PassManager(placement.place_pipeline()).run(module)
    lifted = lift_variables(module, function)
    if cleanup:
        with annotate("tfc.passes", pipeline="cleanup"):
            PassManager(cleanup).run(module)
    if not spans and not function.body.ops[:-1] and not function.return_op.operands and not lifted.names_in:
        verify(module)
        return Step(lambda args: [], 0, None)  # nothing to compute, nothing to check
    if spans:
        PassManager(placement.partition_pipeline()).run(module)
    verify(module)
    loaded = load(module, backend=backend, device=device, donate=lifted.donate)
    run = store.bind(loaded.call, lifted.names_in, lifted.names_out, readers, needed_by, lifted.names_queried,
                     lifted.initial_values)
    stateless = not lifted.names_in and not lifted.names_out and not lifted.names_queried
    single = loaded.call_single if stateless else None
    return Step(run, len(lifted.names_out), single, loaded.executor, None if spans else (module, device, tuple(lifted.donate)))


__all__ = ["Step", "build_step"]
