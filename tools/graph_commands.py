"""``tfc lower``, ``tfc run`` and ``tfc ops``: TensorFlow GraphDefs from the command line.

    tfc lower graph.pb --outputs loss:0 --emit core --stats
    tfc run graph.pb --inputs in.npz --init init --target train_step --steps 5 --fetch loss:0 -o out.npz
    tfc ops
"""

from __future__ import annotations

import io
import logging
import re
import sys

import click

from tfc.backends import BACKENDS, set_cpu_devices
from tfc.diagnostics import TfcError

from .cli_support import InputError, constant_printing, elide_above, fail, write_output
from .op_coverage import tested_ops


def _split_names(value: str | None) -> list[str] | None:
    return None if value is None else [n.strip() for n in value.split(",") if n.strip()]


def _write(path: str, data: str | bytes) -> None:
    try:
        write_output(path, data)
    except InputError as err:
        fail(err)


@click.command()
@click.argument("graph", metavar="GRAPH.pb")
@click.option("--outputs", metavar="NAME,...", help="Tensor names (loss:0) or op names; default: the graph's sinks.")
@click.option("--passes", "pipeline", metavar="LIST",
              help="Pass pipeline (default: the tf-level default pipeline, then legalize-tf and the core one unless --emit tf).")
@click.option("--emit", type=click.Choice(["tf", "core", "partitioned", "stablehlo"]), default="core", show_default=True,
              help="Stop at tf.* ops, core ops, core ops split into one function per device, or StableHLO (with the "
              "default passes, after backend-lowering for CPU, as `tfc run` compiles it).")
@click.option("--cpu-devices", type=click.IntRange(min=1), help="With --emit partitioned: place on cpu:0 ... cpu:N-1 "
              "(default: the devices the graph names, and cpu:0).")
@click.option("--stats", is_flag=True, help="Print per-pass statistics to stderr.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR to stderr after every pass.")
@click.option("--fast-math", is_flag=True, help="Default pipelines may reassociate float arithmetic, as Grappler does.")
@click.option("--input-shape", "input_shapes", metavar="NAME=DIMS", multiple=True,
              help="A placeholder's shape, for unknown dims (x=32,784; a scalar: x=). Repeatable.")
@click.option("-o", "--output", metavar="FILE", help="Write here (atomically) instead of stdout.")
@constant_printing
def lower(graph, outputs, pipeline, emit, cpu_devices, stats, print_ir_after_all, fast_math, input_shapes, output, elide_larger_than,
          print_constants_whole):
    """Import a TensorFlow GraphDef (.pb or .pbtxt) and print it as tfc IR or StableHLO."""
    from tfc.frontend.tf.importer import GraphImporter
    from tfc.passmanager import PassManager
    from tfc.printer import print_module

    try:
        if cpu_devices and emit != "partitioned":
            raise InputError("--cpu-devices is for --emit partitioned (tfc run --cpu-devices runs on them)")
        importer = GraphImporter.from_file(graph)
        imported = importer.import_graph(_split_names(outputs), placeholder_types=_placeholder_shapes(importer, input_shapes))
        pipeline = _lower_pipeline(pipeline, emit, fast_math, cpu_devices)
        elide = elide_above(elide_larger_than, print_constants_whole)
        manager = PassManager(pipeline, verify_each=True, stats=stats, print_ir_after_all=print_ir_after_all, out=sys.stderr,
                              elide_constants_above=elide)
        manager.run(imported.module)
        if emit == "stablehlo":
            from tfc.backends import stablehlo_text

            body = stablehlo_text(imported.module)
        else:
            body = print_module(imported.module, elide)
    except TfcError as err:
        fail(err)
    text = imported.summary() + "\n" + (body if body.endswith("\n") else body + "\n")
    if output:
        _write(output, text)
    else:
        click.echo(text, nl=False)


def _lower_pipeline(pipeline: str | None, emit: str, fast_math: bool, cpu_devices: int | None) -> str:
    """The passes ``tfc lower`` runs: the default pipelines up to ``emit``, or ``pipeline`` (with
    legalize-tf added when the IR must reach core ops), then what ``emit`` needs after them."""
    from tfc.passmanager import default_pipeline

    default = pipeline is None
    if default:
        tf_level, core = default_pipeline("tf", fast_math), default_pipeline("core", fast_math)
        pipeline = tf_level if emit == "tf" else f"{tf_level},legalize-tf,{core}"
    elif emit != "tf" and "legalize-tf" not in pipeline:
        pipeline = ",".join(p for p in (pipeline, "legalize-tf") if p)
    if emit == "stablehlo":  # what `tfc run` hands XLA on this machine's CPU
        pipeline += ",lift-variables" + (",backend-lowering{platform=cpu},canonicalize" if default else "")
    if emit == "partitioned":
        pipeline += f",place{{devices={cpu_devices or ''}}},partition,schedule"
    return pipeline


def _placeholder_shapes(importer, specs) -> dict:
    """``--input-shape x=32,784`` options as placeholder types (the dtype is the placeholder's own)."""
    from tfc.frontend.tf.graphdef import GraphImportError

    types = {}
    for spec in specs:
        name, _, dims = spec.partition("=")
        tensor = name if ":" in name else f"{name}:0"
        declared = importer.placeholder_type(tensor)
        if declared is None:
            raise GraphImportError(f"--input-shape {spec}: '{name}' is not a placeholder of the graph", importer.filename)
        try:
            shape = tuple(int(d) for d in dims.split(",") if d.strip())
        except ValueError:
            raise GraphImportError(f"--input-shape {spec}: expected NAME=DIMS with integer dims (x=32,784)", importer.filename) from None
        if not declared.with_shape(shape).is_compatible(declared) or any(d < 0 for d in shape):
            raise GraphImportError(f"--input-shape {spec}: does not fit placeholder '{name}' of type {declared}", importer.filename)
        types[tensor] = declared.with_shape(shape)
    return types


log = logging.getLogger("tfc")
_CPU_DEVICE = re.compile(r"(?:device:)?cpu:(\d+)", re.IGNORECASE)


def cpu_devices_named(importer) -> int:
    """How many CPU devices the graph's device fields name (CPU:1 means two)."""
    highest = 0
    for node in importer.nodes.values():
        match = _CPU_DEVICE.search(node.device)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def ensure_cpu_devices(count: int) -> None:
    """Ask XLA for the ``count`` host devices a graph's device fields name. Where its CPU backend has
    already started with fewer (tfc used in-process), a warning: placement does not use them yet."""
    if count <= 1:
        return
    try:
        set_cpu_devices(count)
    except TfcError as err:
        log.warning("the graph names %d CPU devices but %s", count, str(err).removeprefix("error: "))


def read_feeds(path: str) -> dict:
    """The arrays of ``--inputs`` (an ``.npz``): InputError (exit 2) if it cannot be read, NpzError
    naming the file and the array if it is not an archive of plain arrays (exit 1)."""
    from tfc.runtime.npz import array_members, open_npz, read_array

    try:
        stream = open(path, "rb")
    except OSError as err:
        raise InputError(f"{path}: error: cannot read: {err.strerror or err}") from None
    with stream, open_npz(stream, path) as archive:
        return {name: read_array(archive, info, path) for name, info in array_members(archive, path).items()}


def checked_feeds(session, feeds: dict, path: str | None) -> dict:
    """``session.check_feeds(feeds)``, its errors naming the inputs file they come from."""
    from tfc.runtime.errors import SessionError

    try:
        return session.check_feeds(feeds)
    except SessionError as err:
        raise SessionError(f"{path}: error: {err}" if path else str(err)) from None


@click.command()
@click.argument("graph", metavar="GRAPH.pb")
@click.option("--inputs", "inputs_path", metavar="IN.npz", help="Feeds: keys are tensor names (x:0, or x for output 0).")
@click.option("--fetch", "fetches", multiple=True, metavar="NAME", help="Tensor to compute (repeatable).")
@click.option("--target", "targets", multiple=True, metavar="OP", help="Op to run --steps times (repeatable).")
@click.option("--init", "inits", multiple=True, metavar="OP", help="Op to run once first, without feeds (repeatable).")
@click.option("--steps", default=1, show_default=True, type=click.IntRange(min=0), help="How many times the targets run.")
@click.option("--cpu-devices", type=click.IntRange(min=1), help="Number of CPU devices (default: as many as the graph names).")
@click.option("--backend", type=click.Choice(BACKENDS), default="xla", show_default=True)
@click.option("--fast-math", is_flag=True, help="Let the passes reassociate float arithmetic, as Grappler does.")
@click.option("--stats", is_flag=True, help="Print to stderr, per device, its ops and the time they took, and the transfers "
              "between devices (for each program that spans devices; each device's work is waited for, to time it). "
              "With --profile, also the XLA ops that took the most time.")
@click.option("--profile", "profile_dir", metavar="DIR", help="Write a trace of the run under DIR/plugins/profile/ "
              "(TensorBoard's profile plugin: tensorboard --logdir DIR; Perfetto: its perfetto_trace.json.gz).")
@click.option("-o", "--output", metavar="OUT.npz", help="Where to write the fetched values (keys: the fetch names as given).")
def run(graph, inputs_path, fetches, targets, inits, steps, cpu_devices, backend, fast_math, stats, profile_dir, output):
    """Run a GraphDef like a TensorFlow Session: --init ops once, --target ops N times, then the fetches."""
    import numpy as np

    from tfc.backends.profiler import annotate, step
    from tfc.frontend.tf.importer import GraphImporter
    from tfc.runtime.graph_session import GraphSession

    try:
        importer = GraphImporter.from_file(graph)
        if cpu_devices:
            set_cpu_devices(cpu_devices)
        else:
            ensure_cpu_devices(cpu_devices_named(importer))
        feeds = read_feeds(inputs_path) if inputs_path else {}
        with _profiling(profile_dir) as profile:  # after the devices are set: starting a profile starts XLA
            session = GraphSession(importer, backend=backend, fast_math=fast_math, profile_devices=stats)
            feeds = checked_feeds(session, feeds, inputs_path)
            if inits:
                with annotate("tfc.init"):
                    session.run([], {}, list(inits))
            for number in range(steps if targets else 0):
                with step("tfc.step", number):
                    session.run([], feeds, list(targets))
            with annotate("tfc.fetch"):
                values = session.run(list(fetches), feeds) if fetches else []
    except TfcError as err:
        fail(err)
    if profile is not None:
        click.echo(f"profile: written to {profile.run_dir}", err=True)
    if stats:
        _print_device_stats(session)
        if profile is not None:
            _print_top_ops(profile)
    results = dict(zip(fetches, values))
    if output:
        from tfc.runtime.npz import write_npz

        buffer = io.BytesIO()
        write_npz(buffer, results)
        _write(output, buffer.getvalue())
    else:
        for name, value in results.items():
            click.echo(f"{name} = {np.array2string(np.asarray(value), threshold=20)}")


def _profiling(profile_dir: str | None):
    """``--profile DIR``: a :func:`tfc.profile` around the whole run (import, passes, compile, steps)."""
    from contextlib import nullcontext

    from tfc.backends.profiler import profile

    return nullcontext() if profile_dir is None else profile(profile_dir)


def _print_top_ops(profile) -> None:
    """``--stats --profile``: the XLA ops/fusions with the most time in the trace, as measured."""
    from tfc.backends.profiler import format_top_ops

    try:
        lines = format_top_ops(profile.top_ops(10))
    except TfcError as err:
        fail(err)
    for line in lines:
        click.echo(line, err=True)


def _print_device_stats(session) -> None:
    """``--stats``: per program that spans devices, its devices' ops and time and its transfers."""
    programs = session.device_stats()
    stages = session.host_stages()
    if not programs and not stages:
        click.echo("stats: every program ran on one device", err=True)
    if stages:
        runs = max(stage.runs for stage in stages)
        seconds = sum(stage.seconds for stage in stages)
        names = ", ".join(stage.node for stage in stages)
        click.echo(f"host: ops {len(stages)} ({names}), time {seconds * 1e3 / max(runs, 1):.3f} ms", err=True)
    for index, stats in enumerate(programs):
        if len(programs) > 1:
            click.echo(f"program {index + 1} of {len(programs)} ({stats.calls} runs):", err=True)
        for line in stats.lines():
            click.echo(line, err=True)


@click.command()
@click.option("--summary", is_flag=True, help="Print only the counts: TensorFlow ops supported, with gradients, in the suite, missing.")
@click.option("--missing", is_flag=True, help="List the ops TensorFlow's XLA bridge compiles that tfc does not import.")
def ops(summary, missing):
    """Print the op coverage table: import, decomposition, gradient, tested, suite, xla-bridge."""
    from tfc.frontend.tf.op_schema import TFC_OPS
    from tfc.registry import REGISTRY

    from .op_coverage import suite_ops, xla_bridge_ops

    tf_ops = [d for d in REGISTRY if d.name.startswith("tf.") and d.name[3:] not in TFC_OPS]
    bridge = xla_bridge_ops()
    lacking = sorted(bridge - {d.name[3:] for d in tf_ops})
    if summary:
        click.echo(f"TensorFlow op types supported: {len(tf_ops)}")
        click.echo(f"  with gradients (through legalization): {sum(1 for d in tf_ops if d.decompose)}")
        click.echo(f"  in the generated op suite: {len(suite_ops())}")
        click.echo(f"TensorFlow's XLA bridge compiles {len(bridge)} op types; tfc lacks {len(lacking)} of them (tfc ops --missing)")
        return
    if missing:
        for name in lacking:
            click.echo(name)
        return
    _print_table(REGISTRY, tested_ops(), suite_ops(), bridge)


def _print_table(registry, tested, suite, bridge) -> None:
    yes = {True: "yes", False: "no"}
    rows = [("op", "import", "decomposition", "gradient", "tested", "suite", "xla-bridge")]
    for opdef in registry:
        seen = yes[opdef.name in tested]
        if opdef.name.startswith("tf."):
            decomposed = opdef.decompose is not None
            rows.append((opdef.name, "yes", yes[decomposed], "via core" if decomposed else "no", seen,
                         yes[opdef.name in suite], yes[opdef.name[3:] in bridge]))
        elif opdef.name.startswith("tfc."):
            rows.append((opdef.name, "-", "core", yes[opdef.grad is not None], seen, "-", "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


__all__ = ["checked_feeds", "cpu_devices_named", "ensure_cpu_devices", "lower", "ops", "read_feeds", "run"]
