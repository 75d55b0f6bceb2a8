"""Eager mode: every ``tfc.*`` array function also works outside a trace.

Called with concrete values (numpy arrays, numbers), a function is compiled for their signature
like a one-op ``@tfc.compile`` function (cached per function and signature) and returns numpy
arrays; called inside a trace it records ops as usual. :func:`public` gives the dual-mode version of
each name in :data:`tfc.frontend.api.NUMPY_FUNCTIONS`, which is what ``tfc.add`` and friends are.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from . import api
from .compile import eager_call
from .tracing import current_trace


def traceable(fn: Callable, tensors: tuple[str, ...] | None = None) -> Callable:
    """``fn``, working both inside a trace (records ops) and eagerly (compiles and runs it).

    ``tensors``: the parameters that take tensors, when others take Python values (strides,
    padding): eagerly those are compiled in, one program per distinct set of them."""
    if tensors is None:

        @functools.wraps(fn)
        def dual(*args, **kwargs):
            if current_trace() is None:
                return eager_call(fn, args, kwargs)
            return fn(*args, **kwargs)

        return dual
    signature = inspect.signature(fn)
    static = tuple(name for name in signature.parameters if name not in tensors)

    @functools.wraps(fn)
    def dual_with_static(*args, **kwargs):
        if current_trace() is not None:
            return fn(*args, **kwargs)
        arguments = signature.bind(*args, **kwargs).arguments
        return eager_call(fn, (), {k: _hashable(v) if k in static else v for k, v in arguments.items()}, static)

    return dual_with_static


def _hashable(value):
    """Lists (strides [1, 2, 2, 1], padding pairs) as tuples, so a compiled-in value can key a cache."""
    return tuple(map(_hashable, value)) if isinstance(value, (list, tuple)) else value


@functools.cache
def public(name: str) -> Callable:
    """The dual-mode ``tfc.<name>`` for a function of :mod:`.api`."""
    if name not in api.NUMPY_FUNCTIONS:
        raise AttributeError(f"module 'tfc' has no attribute '{name}'")
    return traceable(getattr(api, name))


__all__ = ["public", "traceable"]
