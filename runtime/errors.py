"""The error a session run raises when it cannot proceed, and reading why a compilation failed."""

from __future__ import annotations

from tfc.diagnostics import TfcError


class SessionError(TfcError):
    """A run that cannot proceed: bad feed, unknown fetch, unfed placeholder, uninitialized variable."""


def chained_detail(err: BaseException | None, attribute: str):
    """The first ``attribute`` set along ``err``'s chain (its ``cause``, else ``__cause__``): what a
    failed compilation says about why (a feed that must be a constant, an op for the host)."""
    while err is not None:
        value = getattr(err, attribute, None)
        if value is not None:
            return value
        err = getattr(err, "cause", None) or err.__cause__
    return None


__all__ = ["SessionError", "chained_detail"]
