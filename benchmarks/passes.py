"""Optimizer benchmark: op counts on the TensorFlow corpus against Grappler, and pass scaling.

(a) For every case in tests/data/corpus: the ``tf.*`` op count as imported, after tfc's default
    ``tf``-level pipeline (before legalization), Grappler's node count from ``case.json``
    (``grappler_num_nodes``) and the ratio ours/Grappler (goal: <= 1); then the core op count after
    ``legalize-tf`` and after the default ``core`` pipeline.
(b) Scaling: synthetic core-op graphs of 10k, 100k and 1M ops; every registered pass is timed on
    its own fresh copy at each size, reported in ms per 1k ops, with the ratio (per-1k at the
    largest size) / (per-1k at the smallest) marked PASS when within 2x (near-linear).

Counts are ops inside function bodies (every function, library functions included), not counting
``func.func``, ``func.return`` or the module. Feeds are function arguments, not ops (Grappler counts
them as Placeholder nodes). The pipelines are the defaults of ``tfc.passmanager.default_pipeline``,
keeping only passes registered at run time (the text used is printed)::

    python benchmarks/passes.py                      # corpus table and 10k/100k/1M scaling
    python benchmarks/passes.py --max-size 100000    # quicker
    python benchmarks/passes.py --skip-corpus --passes cse,dce
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.diagnostics import TfcError
from tfc.ir import FUNC_OP, MODULE_OP, RETURN_OP, Block, Function, Module, Operation
from tfc.passmanager import PassManager, available_passes, default_pipeline
from tfc.types import DType, FunctionType, TensorType
from tfc.verifier import verify

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
SIZES = (10_000, 100_000, 1_000_000)
LINEAR_BOUND = 2.0
NOT_COUNTED = {FUNC_OP, RETURN_OP, MODULE_OP}


def count_ops(module: Module) -> int:
    """Ops inside function bodies (all functions), without func.func, func.return and the module."""
    return sum(1 for op in module.walk() if op.name not in NOT_COUNTED)


def _body_ops(function: Function) -> int:
    return sum(1 for op in function.op.walk() if op.name not in NOT_COUNTED)


def count_non_tf_ops(module: Module) -> int:
    """Counted ops that are not ``tf.*`` (none are expected before legalization)."""
    return sum(1 for op in module.walk() if op.name not in NOT_COUNTED and not op.name.startswith("tf."))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# ---- (a) the corpus against Grappler ----------------------------------------------------------------
def import_case(path: Path):
    """(ImportResult, case info) for a corpus case, importing its fetches, targets and init targets."""
    from tfc.frontend.tf.importer import GraphImporter

    info = json.loads((path / "case.json").read_text())
    with np.load(path / "inputs.npz") as data:
        feeds = {tensor: TensorType(DType.from_numpy(data[key].dtype), data[key].shape) for tensor, key in info["feeds"].items()}
    targets = list(info.get("targets") or []) + list(info.get("init_targets") or [])
    imported = GraphImporter.from_file(path / "graph.pb").import_graph(info["fetches"], targets, feeds)
    return imported, info


def run_pipeline(module: Module, pipeline: str) -> float:
    """Run ``pipeline`` on ``module``, verify it, and return the seconds it took."""
    _, seconds = timed(lambda: PassManager(pipeline).run(module))
    verify(module)
    return seconds


def corpus_table(tf_pipeline: str, core_pipeline: str) -> None:
    cases = sorted(p for p in CORPUS.iterdir() if (p / "case.json").exists()) if CORPUS.is_dir() else []
    print(f"(a) corpus: {CORPUS}")
    print(f"    tf pipeline:   {tf_pipeline}")
    print(f"    core pipeline: legalize-tf, then {core_pipeline}")
    print("    tf: ops as imported; tf opt: after the tf pipeline (all functions); top: of those, in the top-level")
    print("    graph, which is what Grappler's node count covers; ratio: top / grappler (ok when <= 1);")
    print("    core: ops after legalize-tf; core opt: after the core pipeline; ms: pipeline wall time")
    if not cases:
        print("    no corpus cases found")
        return
    header = f"{'case':<22} {'tf':>6} {'tf opt':>7} {'top':>5} {'grappler':>9} {'ratio':>6} {'':>4} {'core':>6} {'core opt':>9} {'tf ms':>8} {'core ms':>8}"
    print(header)
    print("-" * len(header))
    met, compared = 0, 0
    for path in cases:
        try:
            row, ok = corpus_row(path, tf_pipeline, core_pipeline)
        except TfcError as err:
            print(f"{path.name:<22} error: {str(err).splitlines()[0]}")
            continue
        print(row)
        if ok is not None:
            compared += 1
            met += ok
    print(f"tfc <= Grappler on {met} of {compared} cases with a Grappler count")


def corpus_row(path: Path, tf_pipeline: str, core_pipeline: str) -> tuple[str, bool | None]:
    imported, info = import_case(path)
    module = imported.module
    tf_imported = count_ops(module)
    tf_seconds = run_pipeline(module, tf_pipeline)
    tf_optimized = count_ops(module)
    not_tf = count_non_tf_ops(module)
    functions = module.functions
    library = sum(_body_ops(f) for f in functions if f.name != "main")
    grappler = info.get("grappler_num_nodes")
    run_pipeline(module, "legalize-tf")
    core_legalized = count_ops(module)
    core_seconds = run_pipeline(module, core_pipeline)
    core_optimized = count_ops(module)
    top_level = tf_optimized - library
    if grappler:
        ratio, ok = f"{top_level / grappler:6.2f}", top_level <= grappler
        mark = " ok " if ok else " >  "
    else:
        ratio, ok, mark = f"{'n/a':>6}", None, "    "
    grappler_text = f"{grappler:>9}" if grappler else f"{'n/a':>9}"
    row = (
        f"{path.name:<22} {tf_imported:>6} {tf_optimized:>7} {top_level:>5} {grappler_text} {ratio} {mark}"
        f"{core_legalized:>6} {core_optimized:>9} {tf_seconds * 1e3:>8.1f} {core_seconds * 1e3:>8.1f}"
    )
    if not_tf:
        row += f"  ({not_tf} of the tf opt ops are not tf.*)"
    if library:
        row += f"  ({library} of the tf opt ops are in {len(functions) - 1} library functions)"
    return row, ok


# ---- (b) scaling on synthetic core graphs -----------------------------------------------------------
UNARY = ("tfc.negate",)
BINARY = ("tfc.add", "tfc.multiply", "tfc.maximum")
VALUE_TYPE = TensorType(DType.f32, (8,))
WINDOW = 64  # operands come from the last WINDOW values, so the graph is deep, not a flat fan-in


class SyntheticGraph:
    """A seeded random DAG of ``size`` core ops, kept as plain specs so fresh copies build fast.

    Two arguments and four constants (0, 1, 2, -1) feed a stream of negate/add/multiply/maximum
    ops: 20% repeat an earlier op exactly (work for cse), 5% combine constants only (work for fold),
    10% add 0 or multiply by 1 (work for simplify), and ops outside the returned values' cone are
    dead (work for dce and prune).
    """

    CONSTANTS = (0.0, 1.0, 2.0, -1.0)

    def __init__(self, size: int, seed: int = 0):
        self.size = size
        rng = np.random.default_rng(seed)
        first = 2 + len(self.CONSTANTS)
        constants = list(range(2, first))
        foldable = list(constants)  # values computed from constants only
        specs: list[tuple[str, int, int]] = []
        kinds = rng.random(size - len(self.CONSTANTS))
        picks = rng.integers(0, WINDOW, size=(len(kinds), 2))
        for i, kind in enumerate(kinds):
            count = first + len(specs)
            low = max(0, count - WINDOW)
            a, b = low + picks[i, 0] % (count - low), low + picks[i, 1] % (count - low)
            if kind < 0.20 and specs:
                specs.append(specs[int(rng.integers(max(0, len(specs) - WINDOW), len(specs)))])
                continue
            if kind < 0.25:
                name = BINARY[i % len(BINARY)]
                specs.append((name, foldable[int(rng.integers(len(foldable)))], foldable[int(rng.integers(len(foldable)))]))
                foldable.append(first + len(specs) - 1)
                foldable = foldable[-WINDOW:]
            elif kind < 0.35:
                specs.append(("tfc.add", a, 2) if i % 2 else ("tfc.multiply", a, 3))  # x + 0, x * 1
            elif kind < 0.50:
                specs.append((UNARY[0], a, -1))
            else:
                specs.append((BINARY[i % len(BINARY)], a, b))
        self.specs = specs
        total = first + len(specs)
        self.returned = sorted({total - 1, total - 7, total // 2})

    def build(self) -> Module:
        """A fresh module: ``main(x, y)`` with the constants, the ops and the returned values."""
        module = Module.create()
        function = module.add_function(Function.create("main", [VALUE_TYPE, VALUE_TYPE], [], ["x", "y"]))
        body: Block = function.body
        ops: list[Operation] = []
        values = list(body.args)
        for c in self.CONSTANTS:
            value = DenseElementsAttr.from_array(np.full(VALUE_TYPE.shape, c, np.float32))
            op = Operation("tfc.constant", (), (VALUE_TYPE,), {"value": value})
            ops.append(op)
            values.append(op.results[0])
        result_types = (VALUE_TYPE,)
        for name, a, b in self.specs:
            operands = (values[a],) if b < 0 else (values[a], values[b])
            op = Operation(name, operands, result_types)
            ops.append(op)
            values.append(op.results[0])
        returned = [values[i] for i in self.returned]
        ops.append(Operation(RETURN_OP, returned, ()))
        for op in ops:
            op.parent = body
        body.ops[:] = ops
        function.set_type(FunctionType((VALUE_TYPE, VALUE_TYPE), tuple(v.type for v in returned)))
        return module


def repeats_for(size: int) -> int:
    """How many fresh copies to time at ``size`` (the best counts): more for small, noisy sizes."""
    return max(1, min(5, 300_000 // size))


def time_pass(graph: SyntheticGraph, pass_name: str, keep_gc: bool) -> tuple[float, int, int]:
    """(best seconds, ops before, ops after) of one pass, each try on a fresh copy of ``graph``."""
    best = float("inf")
    manager = PassManager(pass_name)
    for _ in range(repeats_for(graph.size)):
        gc.collect()  # the previous copy is cyclic garbage: free it before building the next
        gc.disable()  # building makes no garbage; the collector would only rescan the new ops
        try:
            module = graph.build()
            before = count_ops(module)
            if keep_gc:
                gc.enable()
            start = time.perf_counter()
            manager.run(module)
            seconds = time.perf_counter() - start
        finally:
            gc.enable()
        best = min(best, seconds)
        after = count_ops(module)
        del module
    gc.collect()
    return best, before, after


def scaling(sizes, pass_names, keep_gc: bool, check: bool) -> None:
    print()
    repeats = ", ".join(str(repeats_for(s)) for s in sizes)
    print(f"(b) scaling: synthetic core graphs of {', '.join(f'{s:,}' for s in sizes)} ops; ms per 1k ops, best of {repeats} fresh copies per pass")
    gc_text = "on" if keep_gc else "off while timing, as timeit does"
    print(f"    garbage collector {gc_text}; bound: per-1k at the largest <= {LINEAR_BOUND:g}x per-1k at the smallest")
    per_k: dict[str, dict[int, float]] = {name: {} for name in pass_names}
    removed: dict[str, dict[int, int]] = {name: {} for name in pass_names}
    for size in sizes:
        start = time.perf_counter()
        graph = SyntheticGraph(size)
        spec_seconds = time.perf_counter() - start
        line = f"    {size:,} ops: specs made in {spec_seconds:.1f} s"
        if check:
            sample, build_seconds = timed(graph.build)
            verify(sample)
            line += f"; one copy built in {build_seconds:.1f} s, {count_ops(sample):,} ops, verified"
            del sample
        print(line, flush=True)
        for name in pass_names:
            try:
                seconds, before, after = time_pass(graph, name, keep_gc)
            except TfcError as err:
                print(f"    {name} failed at {size:,}: {str(err).splitlines()[0]}")
                continue
            per_k[name][size] = seconds * 1e3 / (before / 1000)
            removed[name][size] = before - after
            print(f"      {name:<16} {seconds * 1e3:>10.1f} ms  {per_k[name][size]:>8.2f} ms/1k", flush=True)
        gc.collect()
    print_scaling_table(sizes, per_k, removed)


def print_scaling_table(sizes, per_k, removed) -> None:
    header = f"{'pass':<18}" + "".join(f"{f'{s:,}':>12}" for s in sizes) + f"{'ratio':>8}  bound {LINEAR_BOUND:g}x   removed at {sizes[-1]:,}"
    print(header)
    print("-" * len(header))
    failures = 0
    for name, row in per_k.items():
        cells = "".join(f"{row[s]:>12.2f}" if s in row else f"{'-':>12}" for s in sizes)
        if sizes[0] in row and sizes[-1] in row and len(sizes) > 1:
            ratio = row[sizes[-1]] / row[sizes[0]] if row[sizes[0]] > 0 else float("inf")
            verdict = "PASS" if ratio <= LINEAR_BOUND else "FAIL"
            failures += verdict == "FAIL"
            ratio_text = f"{ratio:>8.2f}  {verdict}"
        else:
            ratio_text = f"{'-':>8}  {'-':<4}"
        gone = removed[name].get(sizes[-1])
        print(f"{name:<18}{cells}{ratio_text}       {'' if gone is None else f'{gone:,}'}")
    print(f"{failures} pass(es) beyond the {LINEAR_BOUND:g}x bound" if failures else "every pass within the bound")


# ---- main -------------------------------------------------------------------------------------------
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-size", type=int, default=SIZES[-1], help="Largest synthetic graph (default 1,000,000 ops).")
    parser.add_argument("--sizes", help="Comma-separated synthetic sizes (default 10000,100000,1000000 up to --max-size).")
    parser.add_argument("--passes", help="Comma-separated passes to time (default: every registered pass).")
    parser.add_argument("--skip-corpus", action="store_true", help="Only the scaling part.")
    parser.add_argument("--skip-scaling", action="store_true", help="Only the corpus part.")
    parser.add_argument("--keep-gc", action="store_true", help="Leave Python's garbage collector on while timing.")
    parser.add_argument("--verify", action="store_true", help="Verify each synthetic graph once before timing.")
    options = parser.parse_args(argv)
    print(f"pass benchmark (python {sys.version.split()[0]})")
    if not options.skip_corpus:
        for fast_math in (False, True):  # IEEE-exact (the default), then reassociating as Grappler does
            corpus_table(default_pipeline("tf", fast_math), default_pipeline("core", fast_math))
    if not options.skip_scaling:
        sizes = [int(s) for s in options.sizes.split(",")] if options.sizes else list(SIZES)
        sizes = [s for s in sizes if s <= options.max_size] or [options.max_size]
        names = [n.strip() for n in options.passes.split(",")] if options.passes else list(available_passes())
        scaling(sizes, names, options.keep_gc, options.verify)


if __name__ == "__main__":
    main()
