"""The ``tfc`` command line: one click group; each command lives in the module of its topic.

* IR text (:mod:`.ir_commands`): ``tfc opt`` runs passes, ``tfc translate`` emits StableHLO.
* TensorFlow GraphDefs (:mod:`.graph_commands`): ``tfc lower``, ``tfc run``, ``tfc ops``.
* Serving (:mod:`.serve_command`): ``tfc serve``, TensorFlow Serving's REST API.
* Exports (:mod:`.export_command`): ``tfc export MODEL_DIR``, the next version of a model ``tfc serve`` reads.

Every error in the input is printed as ONE line naming the file (``file:line:col: error: ...``),
never a traceback, and exits with status 1; a file that cannot be read or written at all exits with
status 2, as usage errors do (see :mod:`.cli_support`). Outputs are written whole or not at all.
"""

from __future__ import annotations

import click

from .cli_support import error_line
from .export_command import export
from .graph_commands import lower, ops, run
from .ir_commands import opt, split_chunks, translate
from .launch import launch
from .serve_command import serve
from .tune_command import tune


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tfc: compile dataflow graphs to XLA."""


for _command in (opt, translate, lower, run, ops, launch, serve, tune, export):
    cli.add_command(_command)


def main(args=None, standalone_mode: bool = True):
    """Console entry point (``tfc``); ``args`` defaults to ``sys.argv[1:]``."""
    return cli.main(args=args, prog_name="tfc", standalone_mode=standalone_mode)


__all__ = ["cli", "error_line", "main", "split_chunks"]
