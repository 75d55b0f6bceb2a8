"""What every ``tfc`` command shares: one-line errors, reading inputs, writing outputs atomically.

A command reports a :class:`~tfc.diagnostics.TfcError` as ONE line on stderr and exits with status 1;
a file it cannot read or write exits with status 2, as usage errors do. Output files are replaced
whole (:func:`tfc.files.atomic_write`), so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from tfc.diagnostics import ParseError, TfcError
from tfc.files import write_atomically

STDIN = "-"


class InputError(Exception):
    """An input or output file cannot be read or written (exit status 2)."""


def error_line(err: TfcError, show_source: bool = False) -> str:
    """The one-line form of a tfc error (with ``show_source``, a parse error adds its line and a caret)."""
    if show_source and isinstance(err, ParseError):
        return err.render()
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if text.startswith("error:"):  # no location to name: say who is speaking instead
        return f"tfc: {text}"
    return text if "error:" in text else f"tfc: error: {text}"


def fail(err: TfcError | str, status: int = 1) -> NoReturn:
    """Print ``err`` as one line on stderr and exit with ``status``."""
    click.echo(err if isinstance(err, str) else error_line(err), err=True)
    sys.exit(status)


def read_input(path: str) -> tuple[str, str]:
    """(text, name used in messages) of ``path``, or of stdin for ``-``."""
    if path == STDIN:
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"tfc: error: cannot read '{path}': {getattr(err, 'strerror', None) or err}") from None


def write_output(path: str | None, data: str | bytes) -> None:
    """Write ``data`` to stdout (``None`` or ``-``), or replace the file ``path`` whole."""
    if path is None or path == STDIN:
        if isinstance(data, bytes):
            click.get_binary_stream("stdout").write(data)
        else:
            click.echo(data, nl=False)
        return
    try:
        write_atomically(path, data)
    except OSError as err:
        raise InputError(f"tfc: error: cannot write '{path}': {err.strerror or err}") from None


__all__ = ["STDIN", "InputError", "error_line", "fail", "read_input", "write_output"]
