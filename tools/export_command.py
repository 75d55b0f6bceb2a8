"""``tfc export MODEL_DIR``: write the next version of a model base path that ``tfc serve`` reads.

    tfc export models/linear --function model.py:predict
    models/linear/1
    tfc export models/linear --function model.py:build --signature classify=model.py:classify --executables
    models/linear/2
    tfc export models/mlp --graph frozen.pb --inputs x:0 --outputs logits=Identity:0,probs=Softmax:0
    models/mlp/1
    tfc export models/linreg --graph train.pb --checkpoint model.ckpt.npz --inputs x:0 --outputs pred:0
    models/linreg/1

``--function FILE.py:NAME`` (or ``package.module:NAME``) names a ``@tfc.compile`` function with an
``input_signature``, a built tfc.keras model, or a function of no arguments returning one of those
(so a script can build, train or load weights first); ``--graph`` a TensorFlow GraphDef (``.pb`` or
``.pbtxt``) fed at Placeholders, frozen or with its variables' values from a tfc ``--checkpoint``. The version is one more than the highest under MODEL_DIR (or
``--version N``, never an existing one); it is written into a temporary directory and renamed into
place (:func:`tfc.saved_model.format.write_export`), so a server never sees half of it. The one
line printed is the version directory. Any bad input is one ``tfc: error: ...`` line and exit
status 1, and nothing is left behind.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path

import click

from tfc.diagnostics import TfcError

from .cli_support import OneLineUsageErrors, fail


class ExportError(TfcError):
    """A bad ``tfc export`` input (printed as one line, exit status 1)."""


def _split(value: str | None) -> list[str]:
    return [] if value is None else [part.strip() for part in value.split(",") if part.strip()]


@click.command("export", cls=OneLineUsageErrors)
@click.argument("model_dir", type=click.Path())
@click.option("--function", "function", metavar="FILE.py:NAME", help="A @tfc.compile function, a built tfc.keras model, or a "
              "function of no arguments returning one (module:NAME also works).")
@click.option("--signature", "signatures", metavar="NAME=FILE.py:FN", multiple=True, help="One more signature (repeatable).")
@click.option("--graph", metavar="GRAPH.pb", help="A TensorFlow GraphDef (.pb or .pbtxt) instead of a function.")
@click.option("--inputs", metavar="[KEY=]x:0,...", help="With --graph: the Placeholders a request feeds.")
@click.option("--outputs", metavar="[KEY=]y:0,...", help="With --graph: the tensors a prediction fetches.")
@click.option("--input-shape", "input_shapes", metavar="NAME=DIMS", multiple=True,
              help="With --graph: a placeholder's unknown dims (x:0=4,32; a scalar: x:0=). Repeatable.")
@click.option("--checkpoint", metavar="CKPT.npz", help="With --graph: the values of the variables the outputs read (a tfc checkpoint).")
@click.option("--version", "version", type=click.IntRange(min=1), help="The version number (default: the highest + 1).")
@click.option("--executables", is_flag=True, help="Also store the signatures compiled for the target (function exports).")
@click.option("--executable-batch-sizes", default="1,2,4,8,16,32", show_default=True, metavar="N,...",
              help="With --executables: the batch sizes (leading unknown dim) to compile.")
@click.option("--executable-device", default="cpu", show_default=True, help="With --executables: the device to compile for.")
def export(model_dir, function, signatures, graph, inputs, outputs, input_shapes, checkpoint, version, executables,
           executable_batch_sizes, executable_device) -> None:
    """Export a model as the next version under MODEL_DIR (the base path `tfc serve` reads)."""
    try:
        _check_sources(function, signatures, graph, inputs, outputs, input_shapes or checkpoint, executables)
        target = version_dir(Path(model_dir), version)
        created = not target.parent.exists()
        try:
            if graph is not None:
                written = _export_graph(graph, target, inputs, outputs, input_shapes, checkpoint)
            else:
                options = _options(executables, executable_batch_sizes, executable_device)
                written = _export_function(function, signatures, target, options)
        except BaseException:
            if created and target.parent.is_dir() and not any(target.parent.iterdir()):
                target.parent.rmdir()  # MODEL_DIR was made for this export: leave nothing behind
            raise
    except TfcError as err:  # names its file (and line) itself
        fail(err)
    except (ValueError, TypeError, OSError) as err:  # tfc.saved_model's refusals name the signature or the file
        fail(ExportError(_first_line(err)))
    except Exception as err:  # noqa: BLE001 - the user's script or model may raise anything: still one line, no traceback
        fail(ExportError(f"{function or graph}: {type(err).__name__}: {_first_line(err)}"))
    click.echo(str(written))


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _check_sources(function, signatures, graph, inputs, outputs, graph_options, executables) -> None:
    """Exactly one source, and only the options that go with it."""
    if (function is None) == (graph is None):
        raise ExportError("give exactly one of --function FILE.py:NAME or --graph GRAPH.pb")
    if graph is not None:
        if not inputs or not outputs:
            raise ExportError("--graph needs --inputs and --outputs (tensor names such as x:0)")
        if signatures or executables:
            raise ExportError(f"{'--signature' if signatures else '--executables'} goes with --function exports, not --graph")
    elif inputs or outputs or graph_options:
        raise ExportError("--inputs, --outputs, --input-shape and --checkpoint go with --graph")


def version_dir(model_dir: Path, version: int | None) -> Path:
    """``model_dir/<version>``: ``version``, else one more than the highest numbered directory there."""
    if model_dir.exists() and not model_dir.is_dir():
        raise ExportError(f"{model_dir}: not a directory (expected a model base path holding version directories)")
    existing = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()] if model_dir.is_dir() else []
    if version is None:
        return model_dir / str(max(existing, default=0) + 1)
    if version in existing or (model_dir / str(version)).exists():
        raise ExportError(f"{model_dir / str(version)}: version {version} already exists; a version is never overwritten")
    return model_dir / str(version)


def _options(executables: bool, batch_sizes: str, device: str):
    from tfc.saved_model import SaveOptions

    if not executables:
        return None
    try:
        sizes = tuple(int(size) for size in _split(batch_sizes))
    except ValueError:
        raise ExportError(f"--executable-batch-sizes {batch_sizes}: expected positive integers such as 1,8,32") from None
    try:
        return SaveOptions(executables_for_batch_sizes=sizes, executable_device=device)
    except ValueError as err:
        raise ExportError(f"--executable-batch-sizes {batch_sizes}: {err}") from None


def _export_function(reference: str, extra: tuple, target: Path, options) -> Path:
    from tfc.saved_model import DEFAULT_SIGNATURE, save

    scripts: dict = {}  # a file named twice runs once, so its signatures share its variables
    functions = {DEFAULT_SIGNATURE: exportable(reference, "--function", scripts)}
    for spec in extra:
        name, _, source = spec.partition("=")
        if not name.isidentifier() or not source:
            raise ExportError(f"--signature {spec}: expected NAME=FILE.py:FN with NAME an identifier")
        if name in functions:
            raise ExportError(f"--signature {spec}: signature '{name}' is given twice")
        functions[name] = exportable(source, f"--signature {spec}", scripts)
    return save(functions, target, options=options)


def exportable(reference: str, option: str, scripts: dict | None = None):
    """What ``FILE.py:NAME`` or ``module:NAME`` names, called first if it is a function of no
    arguments (that is neither a @tfc.compile function nor a model). ``scripts`` holds the files
    already run (path -> module), to run each once."""
    from tfc.frontend.compile import CompiledFunction

    obj = _resolve(reference, option, {} if scripts is None else scripts)
    if isinstance(obj, CompiledFunction) or _is_model(obj):
        return obj
    if not callable(obj):
        raise ExportError(f"{option}: {reference} is of type {type(obj).__name__}, not a @tfc.compile function or a tfc.keras model")
    required = [p for p in _parameters(obj) if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if required:
        raise ExportError(f"{option}: {reference} is a plain function of {[p.name for p in required]}; decorate it with "
                          "@tfc.compile(input_signature=[tfc.TensorSpec(...), ...]) or give a function of no arguments returning one")
    made = obj()
    if not (isinstance(made, CompiledFunction) or _is_model(made)):
        raise ExportError(f"{option}: {reference}() returned an object of type {type(made).__name__}, not a @tfc.compile function or a tfc.keras model")
    return made


def _is_model(obj) -> bool:
    """A tfc.keras model (duck-typed, as tfc.saved_model.save reads it)."""
    return callable(obj) and (hasattr(obj, "layers") or bool(getattr(obj, "inputs", None)))


def _parameters(obj) -> list:
    try:
        return list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return []


def _resolve(reference: str, option: str, scripts: dict):
    """The object ``FILE.py:NAME`` (the file is run as a module, its folder on the import path) or
    ``package.module:NAME`` names."""
    source, _, name = reference.rpartition(":")
    if not source or not name.isidentifier():
        raise ExportError(f"{option} {reference}: expected FILE.py:NAME or package.module:NAME")
    module = _run_file(source, option, scripts) if source.endswith(".py") or os.sep in source else _import(source, option)
    if not hasattr(module, name):
        public = sorted(n for n in vars(module) if not n.startswith("_"))
        raise ExportError(f"{option} {reference}: {source} has no '{name}' (it defines {', '.join(public[:12]) or 'nothing'})")
    return getattr(module, name)


def _run_file(path: str, option: str, scripts: dict):
    file = Path(path)
    if not file.is_file():
        raise ExportError(f"{option}: {path}: no such file")
    if file.resolve() in scripts:
        return scripts[file.resolve()]
    folder = str(file.resolve().parent)
    spec = importlib.util.spec_from_file_location(f"tfc_export_{file.stem}", file)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, folder)  # the script may import modules beside it
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - a script may raise anything; the user needs its name and the error
        raise ExportError(f"{path}: running it raised {type(err).__name__}: {_first_line(err)}") from None
    finally:
        sys.path.remove(folder)
    scripts[file.resolve()] = module
    return module


def _import(name: str, option: str):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ExportError(f"{option}: cannot import {name}: {err}") from None


def _export_graph(graph: str, target: Path, inputs: str, outputs: str, input_shapes: tuple, checkpoint: str | None) -> Path:
    from tfc.runtime import checkpoint as checkpoints
    from tfc.saved_model import save_graph

    if not Path(graph).is_file():
        raise ExportError(f"{graph}: no such file")
    values = checkpoints.load(checkpoint) if checkpoint is not None else None
    try:
        return save_graph(graph, target, _keyed(inputs), _keyed(outputs), _shapes(input_shapes), values)
    except ValueError as err:
        raise ExportError(str(err).splitlines()[0]) from None


def _keyed(value: str):
    """``x:0,y:0`` as a list, ``a=x:0,b=y:0`` as a dict (keys given for all or none)."""
    parts = _split(value)
    if not any("=" in part for part in parts):
        return parts
    if not all("=" in part for part in parts):
        raise ExportError(f"{value}: give KEY=tensor for every tensor or for none")
    return dict(part.split("=", 1) for part in parts)


def _shapes(specs: tuple) -> dict:
    shapes = {}
    for spec in specs:
        name, _, dims = spec.partition("=")
        try:
            shapes[name if ":" in name else f"{name}:0"] = [int(d) for d in dims.split(",") if d.strip()]
        except ValueError:
            raise ExportError(f"--input-shape {spec}: expected NAME=DIMS with integer dims (x:0=4,32)") from None
    return shapes


__all__ = ["ExportError", "export", "exportable", "version_dir"]
