"""Convnet step time: tfc's GraphSession.run against TensorFlow on the same graph.pb and feeds.

For every convnet graph the repository carries (the corpus convnets under tests/data/corpus and any
convnet under benchmarks/data), the warm median of many runs of:

- tfc: ``GraphSession.run`` (numpy feeds in, numpy fetches out);
- TF Session.run: TensorFlow 2.x's TF1 ``Session.run`` on the imported graph.pb, same feeds/fetches;
- TF XLA jit: the graph imported with ``tf.compat.v1.wrap_function``, pruned to feeds -> fetches and
  run by ``tf.function(jit_compile=True)`` (numpy in, ``.numpy()`` out, as tfc);

then the ratios tfc/TF and tfc/TF-XLA beside the issue's targets (tfc <= 0.67x TF Session.run on every
convnet, <= 0.5x on MobileNetV2, <= 1.0x TF's XLA jit) and whether each holds. TensorFlow is never a
dependency of tfc: without it only tfc's figures are printed.

Threads (one configuration for all three, stated in the output): every engine uses its defaults on
this machine, i.e. all cores. TensorFlow's Session gets ``intra_op_parallelism_threads=0`` and
``inter_op_parallelism_threads=0`` (= one thread per core each); XLA:CPU (tfc's backend, and TF's jit)
runs its Eigen intra-op pool with one thread per core. oneDNN is TensorFlow's default on x86
(``TF_ENABLE_ONEDNN_OPTS`` unset); set it to 0 before running to compare with the Eigen kernels. Each
engine runs each graph in a child process of its own, so no engine's libraries or spinning thread
pools are loaded while another is timed (with TensorFlow imported, tfc's step measured 10-40% slower).

    python benchmarks/convnets.py [--runs N] [--only NAME]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import graph_pb2

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
DATA = Path(__file__).resolve().parent / "data"
CONV_OPS = {"Conv2D", "DepthwiseConv2dNative", "Conv3D"}
TARGET_TF = 0.67
TARGET_TF_MOBILENET = 0.5
TARGET_XLA = 1.0


class Case:
    """One convnet graph: its path, feeds (tensor name -> array) and fetches."""

    def __init__(self, name: str, graph: Path, feeds: dict[str, np.ndarray], fetches: list[str]):
        self.name, self.graph, self.feeds, self.fetches = name, graph, feeds, fetches

    @property
    def tf_target(self) -> float:
        return TARGET_TF_MOBILENET if "mobilenet" in self.name.lower() else TARGET_TF


def corpus_cases() -> list[Case]:
    """The corpus cases copied into the repository whose graphs have convolutions."""
    cases = []
    for path in sorted(p for p in CORPUS.iterdir() if (p / "case.json").exists()):
        info = json.loads((path / "case.json").read_text())
        if not CONV_OPS & set(info.get("ops", [])) or info.get("targets"):
            continue
        with np.load(path / "inputs.npz") as data:
            feeds = {tensor: data[key] for tensor, key in info["feeds"].items()}
        cases.append(Case(path.name, path / "graph.pb", feeds, list(info["fetches"])))
    return cases


def data_cases() -> list[Case]:
    """Benchmark graphs under benchmarks/data (``X.pb`` with ``X.json``: feeds, fetches, input
    shapes) that have convolutions; fed deterministic normal inputs."""
    cases = []
    for meta in sorted(DATA.glob("*.json")):
        graph = meta.with_suffix(".pb")
        info = json.loads(meta.read_text())
        if not graph.exists() or "input_shapes" not in info:
            continue
        graph_def = graph_pb2.GraphDef.FromString(graph.read_bytes())
        if not CONV_OPS & {node.op for node in graph_def.node}:
            continue
        rng = np.random.default_rng(0)
        feeds = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in zip(info["feeds"], info["input_shapes"])}
        cases.append(Case(graph.stem, graph, feeds, list(info["fetches"])))
    return cases


def all_cases() -> list[Case]:
    return corpus_cases() + data_cases()


def median_ms(fn, runs: int, warmup: int = 5) -> tuple[float, float]:
    """(median, interquartile range) of ``runs`` calls of ``fn`` in ms, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    quartiles = statistics.quantiles(times, n=4)
    return statistics.median(times), quartiles[2] - quartiles[0]


def tfc_case(case: Case, runs: int) -> tuple[float, float, list[np.ndarray]]:
    """tfc: (median ms, IQR ms, outputs) of GraphSession.run, compiled by a first run."""
    from tfc.runtime.graph_session import GraphSession

    session = GraphSession.from_file(case.graph)
    outputs = session.run(case.fetches, case.feeds)
    median, iqr = median_ms(lambda: session.run(case.fetches, case.feeds), runs)
    return median, iqr, outputs


def tensorflow_module():
    """TensorFlow when installed (never a dependency of tfc), else None."""
    try:
        import tensorflow as tf  # optional baseline
    except ImportError:
        return None
    return tf


def tf_session_case(tf, case: Case, runs: int) -> tuple[float, float, list[np.ndarray]]:
    """TF Session.run: (median ms, IQR ms, outputs) with TensorFlow's default thread pools."""
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(case.graph.read_bytes())
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=0, inter_op_parallelism_threads=0)
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            outputs = sess.run(case.fetches, case.feeds)
            median, iqr = median_ms(lambda: sess.run(case.fetches, case.feeds), runs)
    return median, iqr, outputs


def tf_xla_function(tf, case: Case):
    """The graph imported into a wrap_function, pruned to feeds -> fetches, under jit_compile=True."""
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(case.graph.read_bytes())
    wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    feeds = [wrapped.graph.get_tensor_by_name(name) for name in case.feeds]
    fetches = [wrapped.graph.get_tensor_by_name(name) for name in case.fetches]
    pruned = wrapped.prune(feeds, fetches)
    return tf.function(lambda *args: pruned(*args), jit_compile=True)


def tf_xla_case(tf, case: Case, runs: int) -> tuple[float, float, list[np.ndarray]]:
    """TF XLA jit: (median ms, IQR ms, outputs), numpy feeds in and numpy fetches out."""
    jitted = tf_xla_function(tf, case)
    values = list(case.feeds.values())

    def call():
        return [t.numpy() for t in jitted(*[tf.convert_to_tensor(v) for v in values])]

    outputs = call()
    median, iqr = median_ms(call, runs)
    return median, iqr, outputs


def max_diff(ours: list[np.ndarray], theirs: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) for a, b in zip(ours, theirs))


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target:.2f}x {'holds' if ratio <= target else 'MISSED'}"


ENGINES = {"tfc": "tfc GraphSession.run", "tf-session": "TF Session.run", "tf-xla": "TF XLA jit (jit_compile=True)"}


def measure(engine: str, name: str, runs: int, out: Path) -> None:
    """Child process: time ``engine`` on case ``name``; write its outputs and figures to ``out``."""
    case = next(c for c in all_cases() if c.name == name)
    tf = None if engine == "tfc" else tensorflow_module()
    timer = {"tfc": tfc_case, "tf-session": lambda c, n: tf_session_case(tf, c, n), "tf-xla": lambda c, n: tf_xla_case(tf, c, n)}[engine]
    median, iqr, outputs = timer(case, runs)
    np.savez(out, median=median, iqr=iqr, **{f"out{i}": np.asarray(v) for i, v in enumerate(outputs)})


def run_engine(engine: str, case: Case, runs: int, folder: Path):
    """(median ms, IQR ms, outputs) of ``engine`` on ``case``, measured in a process of its own (no
    other engine's threads or libraries loaded), or the first line of its error."""
    out = folder / f"{engine}-{case.name}.npz"
    command = [sys.executable, __file__, "--measure", engine, case.name, "--runs", str(runs), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return lines[-1][:140] if lines else f"exit status {done.returncode}"
    with np.load(out) as data:
        outputs = [data[f"out{i}"] for i in range(len(data.files) - 2)]
        return float(data["median"]), float(data["iqr"]), outputs


def report_case(has_tf: bool, case: Case, runs: int, folder: Path) -> None:
    shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in case.feeds.items())
    print(f"{case.name}  (feeds {shapes})")
    ours = run_engine("tfc", case, runs, folder)
    if isinstance(ours, str):
        print(f"  {ENGINES['tfc']:<30} failed: {ours}")
        return
    print(f"  {ENGINES['tfc']:<30} {ours[0]:8.2f} ms/step  (IQR {ours[1]:.2f} ms, median of {runs})")
    for engine, label, target in (("tf-session", "tfc/TF Session.run", case.tf_target), ("tf-xla", "tfc/TF XLA jit", TARGET_XLA)):
        if not has_tf:
            print(f"  {ENGINES[engine]:<30} TensorFlow not installed")
            continue
        theirs = run_engine(engine, case, runs, folder)
        if isinstance(theirs, str):
            print(f"  {ENGINES[engine]:<30} failed: {theirs}")
            continue
        ratio = ours[0] / theirs[0]
        print(f"  {ENGINES[engine]:<30} {theirs[0]:8.2f} ms/step  (IQR {theirs[1]:.2f} ms)  "
              f"{label:<18} {ratio:5.2f}x  {verdict(ratio, target)}  max |diff| vs tfc {max_diff(ours[2], theirs[2]):.1e}")


def tensorflow_version() -> str:
    for distribution in ("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-intel"):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "(version unknown)"


def thread_note(has_tf: bool) -> str:
    cores = os.cpu_count()
    base = f"threads: {cores} cores; tfc (XLA:CPU) and TF XLA jit use XLA's default intra-op pool ({cores} threads)"
    if not has_tf:
        return base
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset: on")
    return (base + f"; TF Session.run intra_op=inter_op=0 (TF's default: {cores} each); "
            f"TF {tensorflow_version()}, oneDNN {onednn}; each engine timed in a process of its own")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per engine (after 5 warm-up runs)")
    parser.add_argument("--only", help="run only the case with this name")
    parser.add_argument("--measure", nargs=2, metavar=("ENGINE", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure(*options.measure, options.runs, options.out)
        return
    has_tf = importlib.util.find_spec("tensorflow") is not None
    print("convnet benchmark: warm step time, median of runs; tfc GraphSession.run vs TF Session.run and TF XLA jit")
    print(thread_note(has_tf))
    print("machine shared with other jobs: medians with interquartile ranges; expect +-10% noise between runs")
    with tempfile.TemporaryDirectory() as folder:
        for case in all_cases():
            if options.only in (None, case.name):
                report_case(has_tf, case, options.runs, Path(folder))


if __name__ == "__main__":
    main()
