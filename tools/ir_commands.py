"""``tfc opt`` (run passes over IR text) and ``tfc translate`` (emit StableHLO)::

    tfc opt model.ir --passes cse,dce --stats -o out.ir
    not tfc opt bad.ir --split-input-file 2>&1      # one error line per failing chunk
    tfc translate model.ir --to stablehlo
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click

from tfc.backends import stablehlo_text
from tfc.diagnostics import TfcError
from tfc.ir import Module
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.verifier import verify

from .cli_support import STDIN, InputError, constant_printing, elide_above, error_line, fail, read_input, write_output

SPLIT_MARKER = "// -----"
_SPLIT_LINE = re.compile(r"^// -----[ \t]*$", re.MULTILINE)


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


@dataclass
class IRJob:
    """One command's input handling: split or not, how to process a module, where the output goes."""

    file: str
    output: str | None
    split: bool
    show_source: bool
    allow_unregistered: bool

    def run(self, process: Callable[[Module], str]) -> None:
        """Parse, verify and ``process`` each chunk; print errors one line each; exit 1 if any failed."""
        try:
            text, name = read_input(self.file)
        except TfcError as err:  # exit 2 if it cannot be read, 1 if it is not UTF-8 text
            fail(err, show_source=self.show_source)
        chunks = split_chunks(text) if self.split else [text]
        outputs, failed = [], False
        for chunk in chunks:
            try:
                module = parse_module(chunk, name)
                verify(module, allow_unregistered=self.allow_unregistered)
                outputs.append(process(module))
            except TfcError as err:
                click.echo(error_line(err, self.show_source), err=True)
                failed = True
        self.finish(outputs, failed)

    def finish(self, outputs: list[str], failed: bool) -> None:
        joined = (SPLIT_MARKER + "\n").join(outputs)
        if not (failed and self.output not in (None, STDIN)):  # a file gets all or nothing
            try:
                write_output(self.output, joined)
            except InputError as err:
                fail(err)
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


@click.command()
@_with_common_options
@click.option("--passes", "pipeline", default="", metavar="LIST", help="Pass pipeline, e.g. 'cse,dce' or 'name{opt=1}'.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR to stderr after every pass.")
@click.option("--print-ir-after-change", is_flag=True, help="Print the IR to stderr after each pass that changed it.")
@click.option("--verify-each/--no-verify-each", default=True, show_default=True, help="Verify the IR after every pass.")
@click.option("--stats", is_flag=True, help="Print per-pass statistics (ops before -> after, time) to stderr.")
@click.option("--timing", is_flag=True, help="Print each pass's wall time and share of the total to stderr.")
@constant_printing
def opt(file, output, split_input_file, show_source, allow_unregistered, pipeline, print_ir_after_all,
        print_ir_after_change, verify_each, stats, timing, elide_larger_than, print_constants_whole):
    """Parse and verify FILE ('-' for stdin), run passes, print the module."""
    elide = elide_above(elide_larger_than, print_constants_whole)
    try:
        manager = PassManager(pipeline, verify_each=verify_each, print_ir_after_all=print_ir_after_all, stats=stats,
                              out=sys.stderr, allow_unregistered=allow_unregistered,
                              print_ir_after_change=print_ir_after_change, timing=timing, elide_constants_above=elide)
    except TfcError as err:
        fail(err, show_source)

    def process(module: Module) -> str:
        manager.run(module, verified=True)  # IRJob verified it
        return print_module(module, elide)

    IRJob(file, output, split_input_file, show_source, allow_unregistered).run(process)


@click.command()
@_with_common_options
@click.option("--to", "target", type=click.Choice(["stablehlo"]), required=True, help="Output format.")
@click.option("--debug-info", is_flag=True, help="Print MLIR locations in the output.")
@click.option("--entry", default="main", show_default=True, help="Function that becomes the public @main.")
def translate(file, output, split_input_file, show_source, allow_unregistered, target, debug_info, entry):
    """Parse and verify FILE, then print it as StableHLO (what XLA receives)."""

    def process(module: Module) -> str:
        text = stablehlo_text(module, entry=entry, debug_info=debug_info)
        return text if text.endswith("\n") else text + "\n"

    IRJob(file, output, split_input_file, show_source, allow_unregistered).run(process)


__all__ = ["SPLIT_MARKER", "opt", "split_chunks", "translate"]
