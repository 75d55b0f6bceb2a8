"""The ``tfc`` command line: ``tfc opt`` runs passes over IR text, ``tfc translate`` emits StableHLO.

Every error in the input is printed as ONE line (``file:line:col: error: ...``) and exits with
status 1; unreadable files exit with status 2, as usage errors do. Output files are written to a
temporary file and renamed, so a failed run never leaves half a file behind::

    tfc opt model.ir --passes cse,dce --stats -o out.ir
    not tfc opt bad.ir --split-input-file 2>&1      # one error line per failing chunk
    tfc translate model.ir --to stablehlo
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable

import click

from tfc.diagnostics import ParseError, TfcError
from tfc.ir import Module

SPLIT_MARKER = "// -----"
_SPLIT_LINE = re.compile(r"^// -----[ \t]*$", re.MULTILINE)
STDIN = "-"


class _InputError(Exception):
    """An input or output file cannot be read or written (exit status 2)."""


# ---- input, output, errors -----------------------------------------------------------------------
def _read_input(path: str) -> tuple[str, str]:
    """(text, name used in messages) of ``path``, or of stdin for ``-``."""
    if path == STDIN:
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except (OSError, UnicodeDecodeError) as err:
        raise _InputError(f"tfc: error: cannot read '{path}': {getattr(err, 'strerror', None) or err}") from None


def split_chunks(text: str) -> list[str]:
    """Split on ``// -----`` lines; each chunk is padded with blank lines so line numbers stay those of the file."""
    chunks, start, line = [], 0, 1
    for match in _SPLIT_LINE.finditer(text):
        chunk = text[start : match.start()]
        chunks.append("\n" * (line - 1) + chunk)
        line += chunk.count("\n")
        start = match.end()
    chunks.append("\n" * (line - 1) + text[start:])
    return chunks


def _write_output(path: str | None, text: str) -> None:
    """Write ``text`` to stdout, or atomically to ``path`` (temp file in the same folder, then rename)."""
    if path is None or path == STDIN:
        click.echo(text, nl=False)
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tfc-", suffix=".tmp")
    except OSError as err:
        raise _InputError(f"tfc: error: cannot write '{path}': {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except OSError as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise _InputError(f"tfc: error: cannot write '{path}': {err.strerror or err}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def error_line(err: TfcError, show_source: bool = False) -> str:
    """The one-line form of a tfc error (with ``show_source``, a parse error adds its line and a caret)."""
    if show_source and isinstance(err, ParseError):
        return err.render()
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if text.startswith("error:"):  # no location to name: say who is speaking instead
        return f"tfc: {text}"
    return text if "error:" in text else f"tfc: error: {text}"


def _report(err: TfcError, show_source: bool) -> None:
    click.echo(error_line(err, show_source), err=True)


# ---- the shared driver -----------------------------------------------------------------------------
@dataclass
class _Job:
    """One command's input handling: split or not, how to process a module, where the output goes."""

    file: str
    output: str | None
    split: bool
    show_source: bool
    allow_unregistered: bool

    def run(self, process: Callable[[Module], str]) -> None:
        """Parse, verify and ``process`` each chunk; print errors one line each; exit 1 if any failed."""
        from tfc.parser import parse_module

        try:
            text, name = _read_input(self.file)
        except _InputError as err:
            click.echo(str(err), err=True)
            sys.exit(2)
        chunks = split_chunks(text) if self.split else [text]
        outputs, failed = [], False
        for chunk in chunks:
            try:
                module = parse_module(chunk, name)
                self.verify(module)
                outputs.append(process(module))
            except TfcError as err:
                _report(err, self.show_source)
                failed = True
        self.finish(outputs, failed)

    def verify(self, module: Module) -> None:
        from tfc.verifier import verify

        verify(module, allow_unregistered=self.allow_unregistered)

    def finish(self, outputs: list[str], failed: bool) -> None:
        joined = (SPLIT_MARKER + "\n").join(outputs)
        if not (failed and self.output not in (None, STDIN)):  # a file gets all or nothing
            try:
                _write_output(self.output, joined)
            except _InputError as err:
                click.echo(str(err), err=True)
                sys.exit(2)
        if failed:
            sys.exit(1)


_common_options = [
    click.argument("file", metavar="FILE", default=STDIN),
    click.option("-o", "--output", "output", metavar="OUT", help="Write the result here (atomically) instead of stdout."),
    click.option("--split-input-file", is_flag=True, help="Process each '// -----'-separated chunk on its own."),
    click.option("--show-source", is_flag=True, help="Show the source line and a caret under parse errors."),
    click.option("--allow-unregistered", is_flag=True, help="Accept ops that are not in the registry."),
]


def _with_common_options(fn):
    for option in reversed(_common_options):
        fn = option(fn)
    return fn


# ---- commands --------------------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tfc: compile dataflow graphs to XLA."""


@cli.command()
@_with_common_options
@click.option("--passes", "pipeline", default="", metavar="LIST", help="Pass pipeline, e.g. 'cse,dce' or 'name{opt=1}'.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR to stderr after every pass.")
@click.option("--print-ir-after-change", is_flag=True, help="Print the IR to stderr after each pass that changed it.")
@click.option("--verify-each/--no-verify-each", default=True, show_default=True, help="Verify the IR after every pass.")
@click.option("--stats", is_flag=True, help="Print per-pass statistics (ops before -> after, time) to stderr.")
@click.option("--timing", is_flag=True, help="Print each pass's wall time and share of the total to stderr.")
def opt(
    file, output, split_input_file, show_source, allow_unregistered, pipeline, print_ir_after_all, print_ir_after_change, verify_each, stats, timing
):
    """Parse and verify FILE ('-' for stdin), run passes, print the module."""
    from tfc.passmanager import PassManager
    from tfc.printer import print_module

    try:
        manager = PassManager(
            pipeline,
            verify_each=verify_each,
            print_ir_after_all=print_ir_after_all,
            stats=stats,
            out=sys.stderr,
            allow_unregistered=allow_unregistered,
            print_ir_after_change=print_ir_after_change,
            timing=timing,
        )
    except TfcError as err:
        _report(err, show_source)
        sys.exit(1)

    def process(module: Module) -> str:
        manager.run(module)
        return print_module(module)

    _Job(file, output, split_input_file, show_source, allow_unregistered).run(process)


@cli.command()
@_with_common_options
@click.option("--to", "target", type=click.Choice(["stablehlo"]), required=True, help="Output format.")
@click.option("--debug-info", is_flag=True, help="Print MLIR locations in the output.")
@click.option("--entry", default="main", show_default=True, help="Function that becomes the public @main.")
def translate(file, output, split_input_file, show_source, allow_unregistered, target, debug_info, entry):
    """Parse and verify FILE, then print it as StableHLO (what XLA receives)."""

    def process(module: Module) -> str:
        from tfc.backends.xla.lowering import stablehlo_text

        text = stablehlo_text(module, entry=entry, debug_info=debug_info)
        return text if text.endswith("\n") else text + "\n"

    _Job(file, output, split_input_file, show_source, allow_unregistered).run(process)


from . import graph_commands  # noqa: E402,F401 - registers lower, run and ops on the group

def main(args=None, standalone_mode: bool = True):
    """Console entry point (``tfc``); ``args`` defaults to ``sys.argv[1:]``."""
    return cli.main(args=args, prog_name="tfc", standalone_mode=standalone_mode)


__all__ = ["cli", "main", "split_chunks", "error_line"]
