"""Eager mode: every ``tfc.*`` array function also works outside a trace.

Called with concrete values (numpy arrays, numbers), a function is compiled for their signature
like a one-op ``@tfc.compile`` function (cached per function and signature) and returns numpy
arrays; called inside a trace it records ops as usual. :func:`public` gives the dual-mode version of
each name in :data:`tfc.frontend.api.NUMPY_FUNCTIONS`, which is what ``tfc.add`` and friends are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from . import api
from .compile import eager_call
from .tracing import current_trace


def traceable(fn: Callable) -> Callable:
    """``fn``, working both inside a trace (records ops) and eagerly (compiles and runs it)."""

    @functools.wraps(fn)
    def dual(*args, **kwargs):
        if current_trace() is None:
            return eager_call(fn, args, kwargs)
        return fn(*args, **kwargs)

    return dual


@functools.cache
def public(name: str) -> Callable:
    """The dual-mode ``tfc.<name>`` for a function of :mod:`.api`."""
    if name not in api.NUMPY_FUNCTIONS:
        raise AttributeError(f"module 'tfc' has no attribute '{name}'")
    return traceable(getattr(api, name))


__all__ = ["public", "traceable"]
