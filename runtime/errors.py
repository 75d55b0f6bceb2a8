"""The error a session run raises when it cannot proceed."""

from __future__ import annotations

from tfc.diagnostics import TfcError


class SessionError(TfcError):
    """A run that cannot proceed: bad feed, unknown fetch, unfed placeholder, uninitialized variable."""


__all__ = ["SessionError"]
