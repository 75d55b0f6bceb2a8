"""What every ``tfc`` command shares: one-line errors, reading inputs, writing outputs atomically.

A command reports a :class:`~tfc.diagnostics.TfcError` as ONE line on stderr, naming the file (and
the line and column, or the node, where there is one), and exits with status 1 for bad content; a
file it cannot read or write at all (a :class:`~tfc.diagnostics.FileAccessError`: missing, a
folder, no permission) exits with status 2, as usage errors do. Output files are replaced whole
(:func:`tfc.files.atomic_write`), so a failed run never leaves half a file behind, nor a temp file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from tfc.diagnostics import FileAccessError, ParseError, TfcError, decode_text
from tfc.files import write_atomically

STDIN = "-"


class InputError(FileAccessError):
    """An input or output file cannot be read or written at all (exit status 2)."""


ELIDE_DEFAULT = 1024
"""Constants of more elements than this print elided by default (``dense_resource<__elided__>``)."""


def constant_printing(command):
    """``--elide-constants-larger-than N`` and ``--print-constants-whole`` for a command that prints IR
    (it gets ``elide_larger_than`` and ``print_constants_whole``: :func:`elide_above` combines them)."""
    command = click.option("--print-constants-whole", is_flag=True,
                           help="Print every constant with its values (the text then parses back).")(command)
    return click.option("--elide-constants-larger-than", "elide_larger_than", type=click.IntRange(min=0), default=ELIDE_DEFAULT,
                        show_default=True, metavar="N",
                        help="Print constants of more than N elements as dense_resource<__elided__> (readable, not parseable).")(command)


def elide_above(elide_larger_than: int, print_constants_whole: bool) -> int | None:
    """The printer's setting: None prints every constant whole."""
    return None if print_constants_whole else elide_larger_than


def error_line(err: TfcError, show_source: bool = False) -> str:
    """The one-line form of a tfc error (with ``show_source``, a parse error adds its line and a caret)."""
    if show_source and isinstance(err, ParseError):
        return err.render()
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if text.startswith("error:"):  # no location to name: say who is speaking instead
        return f"tfc: {text}"
    return text if "error:" in text else f"tfc: error: {text}"


def exit_status(err: TfcError) -> int:
    """2 for a file that cannot be read or written at all, 1 for everything else."""
    return 2 if isinstance(err, FileAccessError) else 1


def fail(err: TfcError, show_source: bool = False) -> NoReturn:
    """Print ``err`` as one line on stderr and exit with :func:`exit_status` (2: a file that cannot be read or written)."""
    click.echo(error_line(err, show_source), err=True)
    sys.exit(exit_status(err))


def read_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``; InputError (exit status 2) naming it if it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"{path}: error: cannot read: {err.strerror or err}") from None


def read_input(path: str) -> tuple[str, str]:
    """(text, name used in messages) of ``path``, or of stdin for ``-``.

    InputError if it cannot be read; ParseError (at its line and column) if it is not UTF-8 text.
    """
    if path == STDIN:
        buffer = getattr(sys.stdin, "buffer", None)  # bytes, so that text that is not UTF-8 is a clean error
        name, data = "<stdin>", buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    else:
        name, data = path, read_bytes(path)
    return decode_text(data, name), name


def write_output(path: str | None, data: str | bytes) -> None:
    """Write ``data`` to stdout (``None`` or ``-``), or replace the file ``path`` whole (InputError if it cannot)."""
    if path is None or path == STDIN:
        click.echo(data, nl=False)  # bytes go to the binary stream
        return
    target = Path(path)
    try:
        if target.exists() and not target.is_file() and not target.is_dir():  # /dev/null, a pipe: nothing to replace
            with open(target, "wb") as stream:
                stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        else:
            write_atomically(target, data)
    except OSError as err:
        raise InputError(f"{path}: error: cannot write: {err.strerror or err}") from None



class OneLineUsageErrors(click.Command):
    """Bad flags print as one line (``Error: Invalid value for '--rest_api_port': ...``), exit status 2
    (``tfc serve``, ``tfc export``: commands whose flags are long lists)."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            err.ctx = None  # without a context click prints the message alone, not the usage block
            raise

__all__ = ["STDIN", "InputError", "OneLineUsageErrors", "error_line", "exit_status", "fail", "read_bytes", "read_input", "write_output"]
