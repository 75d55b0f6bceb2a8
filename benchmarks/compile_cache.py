"""Cold compile against a warm load from the persistent compile cache, per corpus graph, in fresh processes.

For each repeat, one fresh process compiles every corpus graph into an empty cache folder (cold:
lowering, XLA compile, writing the entry), then a second fresh process compiles them again with the
same folder (warm: lowering, key, loading the entry). Both time ``compile_module`` alone, after the
graph's import and passes and after a throwaway compile that starts XLA's client. Targets: warm
under 10% of cold, and under 50 ms for MobileNetV2.

    python benchmarks/compile_cache.py [--repeats N] [--case NAME ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
MOBILENET = "mobilenetv2_a035_96"
BASELINE = "baseline: cold compile of the same graph in a fresh process with an empty cache folder"


def child(cases: list[str], cache_dir: str) -> None:
    """In a fresh process: ms of ``compile_module`` per case, and whether it compiled or loaded."""
    import numpy as np

    import tfc
    from tfc.backends.xla import disk_cache
    from tfc.backends.xla.backend import compile_module
    from tfc.frontend.tf.importer import GraphImporter
    from tfc.passmanager import PassManager, default_pipeline
    from tfc.runtime.graph_session import PIPELINE
    from tfc.types import DType, TensorType

    warmup = tfc.compile(lambda x: x + 1).lower(np.ones(2, np.float32))
    compile_module(warmup.module, entry=warmup.function_name, cache_dir=False)  # start XLA's client
    results = {}
    for case in cases:
        info = json.loads((CORPUS / case / "case.json").read_text())
        with np.load(CORPUS / case / "inputs.npz") as data:
            feeds = {t: TensorType(DType.from_numpy(data[k].dtype), data[k].shape) for t, k in info["feeds"].items()}
        imported = GraphImporter.from_file(CORPUS / case / "graph.pb").import_graph(info["fetches"], info.get("targets") or [], feeds)
        PassManager(f"{PIPELINE},lift-variables,{default_pipeline('core')}").run(imported.module)  # as GraphSession runs it
        before = dict(disk_cache.counts)
        start = time.perf_counter()
        compile_module(imported.module, cache_dir=cache_dir)
        ms = 1e3 * (time.perf_counter() - start)
        results[case] = {"ms": ms, **{k: disk_cache.counts[k] - before.get(k, 0) for k in ("compiled", "loaded")}}
    print(json.dumps(results))


def fresh_process(cases: list[str], cache_dir: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", cache_dir, "--case", *cases], capture_output=True, text=True,
                         timeout=1800)
    if out.returncode:
        raise SystemExit(f"child process failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(cases: list[str], repeats: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per case, the cold and the warm ms of each repeat (each repeat a new empty folder)."""
    times = {case: ([], []) for case in cases}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="tfc-cache-bench-") as folder:
            cold, warm = fresh_process(cases, folder), fresh_process(cases, folder)
        for case in cases:
            if cold[case]["compiled"] != 1 or warm[case]["loaded"] != 1 or warm[case]["compiled"]:
                raise SystemExit(f"{case}: expected a compile then a load, got {cold[case]} then {warm[case]}")
            times[case][0].append(cold[case]["ms"])
            times[case][1].append(warm[case]["ms"])
    return times


def report(times: dict[str, tuple[list[float], list[float]]], repeats: int) -> None:
    print(f"medians of {repeats} fresh-process pairs; {BASELINE}")
    for case, (colds, warms) in times.items():
        cold, warm = statistics.median(colds), statistics.median(warms)
        ratio = warm / cold
        holds = [f"warm<10% of cold: {'yes' if ratio < 0.1 else 'NO'}"]
        if case == MOBILENET:
            holds.append(f"warm<50 ms: {'yes' if warm < 50 else 'NO'}")
        print(f"{case:<22} cold {cold:8.1f} ms  warm {warm:6.1f} ms  warm/cold {ratio:6.3f}  "
              f"(vs cold compile, fresh process, empty cache)  {'; '.join(holds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--case", nargs="+", help="corpus cases (default: all)")
    parser.add_argument("--child", metavar="CACHE_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = args.case or sorted(p.name for p in CORPUS.iterdir() if (p / "case.json").exists())
    if args.child:
        child(cases, args.child)
        return
    report(measure(cases, args.repeats), args.repeats)


if __name__ == "__main__":
    main()
