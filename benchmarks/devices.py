"""What spreading work over devices costs, on four forced host devices (``tfc.set_cpu_devices(4)``),
each line against a baseline measured in the same run:

1. a device-to-device transfer (the executor's ``tfc.backends.device_put`` of a cpu:0 array to cpu:1)
   against ``jax.device_put`` and a memcpy of the same bytes, in ms per MB, for 64 KB, 1 MB, 16 MB;
2. the per-call overhead of partitioning: a tiny program cut over cpu:0 and cpu:1 (one transfer)
   against the same program on one device, and the ``device_placement`` corpus graph (a zig-zag
   cpu:0 -> cpu:1 -> cpu:0) through GraphSession against the same graph with its device fields cleared;
3. examples/model_parallel.py's training steps on 1, 2 and 4 devices, against 1 device;
4. a data-parallel MLP training step (``@tfc.compile(devices=N, batch_argnums=(1, 2))``) with the
   same global batch on 1, 2 and 4 devices: speed-up, parallel efficiency and the bytes its
   ``tfc.all_reduce`` ops carry per step (read from the lowered IR).

    python benchmarks/devices.py [--rounds N]

Targets: a transfer of a value of 1 MB or more reaches at least 50% of memcpy's bandwidth; a tiny
2-partition program costs at most 1.3x the same program on one device per call. Host devices share
the machine's cores, so model- and data-parallel speed-ups are bounded by the cores, not the devices.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import time
from pathlib import Path

import jax
import numpy as np
from tensorboard.compat.proto import graph_pb2

import tfc
from tfc.frontend.tf.importer import GraphImporter
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.runtime.graph_session import GraphSession

ROOT = Path(__file__).resolve().parent.parent
CORPUS_CASE = ROOT / "tests" / "data" / "corpus" / "device_placement"
EXAMPLE = ROOT / "examples" / "model_parallel.py"
DEVICES = 4
COUNTS = (1, 2, 4)
TRANSFER_SIZES = {"64 KB": 64 << 10, "1 MB": 1 << 20, "16 MB": 16 << 20}
MLP_SIZES, MLP_BATCH = [256, 512, 512, 10], 512

# Two ops and one edge between them; DEV0/DEV1 become device attributes (or nothing: one device).
TINY = """
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<16xf32>):
    %h = "tfc.exp"(%x) DEV0 : (tensor<16xf32>) -> tensor<16xf32>
    %y = "tfc.tanh"(%h) DEV1 : (tensor<16xf32>) -> tensor<16xf32>
    "func.return"(%y) : (tensor<16xf32>) -> ()
  }) {function_type = (tensor<16xf32>) -> tensor<16xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
"""


def per_call(fn, calls: int) -> float:
    """Seconds per call of ``fn``, after one untimed call (compiles, first allocations)."""
    fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def medians(fns: dict, calls: int, rounds: int) -> dict:
    """Median seconds per call of each function; rounds alternate between them so drift hits all alike."""
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(per_call(fn, calls))
    return {name: statistics.median(values) for name, values in times.items()}


# ---- 1. transfers ------------------------------------------------------------------------------
def transfer_case(rounds: int) -> None:
    """The executor moves a value between partitions with tfc.backends.device_put; memcpy is the
    bandwidth a same-process host copy could reach, jax.device_put what jax itself does."""
    target = jax.devices()[1]
    rng = np.random.default_rng(0)
    for label, size in TRANSFER_SIZES.items():
        host = rng.standard_normal(size // 4).astype(np.float32)
        source = tfc.backends.device_put(host, "cpu:0")
        source.block_until_ready()
        destination = np.empty_like(host)
        moved = tfc.backends.device_put(source, "cpu:1")
        assert moved.devices() == {target} and np.array_equal(np.asarray(moved), host)
        t = medians({"runtime": lambda s=source: tfc.backends.device_put(s, "cpu:1").block_until_ready(),
                     "jax": lambda s=source: jax.device_put(s, target).block_until_ready(),
                     "memcpy": lambda d=destination, h=host: np.copyto(d, h)},
                    max(8, (256 << 20) // size), rounds)
        per_mb = {name: seconds * 1e3 / (size / 2**20) for name, seconds in t.items()}
        print(f"transfer {label:>5} cpu:0->cpu:1  runtime {per_mb['runtime']:7.3f} ms/MB   jax.device_put {per_mb['jax']:7.3f} ms/MB"
              f"   memcpy {per_mb['memcpy']:7.3f} ms/MB   runtime bandwidth {t['memcpy'] / t['runtime']:6.1%} of memcpy's,"
              f" {t['jax'] / t['runtime']:5.2f}x jax.device_put's")


# ---- 2. partition overhead ---------------------------------------------------------------------
def tiny_case(rounds: int) -> None:
    """What cutting a program costs when there is nothing to compute: two dispatches and a transfer
    instead of one dispatch."""
    module = parse_module(TINY.replace("DEV0", '{tfc.device = "cpu:0"}').replace("DEV1", '{tfc.device = "cpu:1"}'))
    PassManager("place{devices=2},partition").run(module)
    two = tfc.backends.load(module)
    one = tfc.backends.load(parse_module(TINY.replace("DEV0", "").replace("DEV1", "")))
    x = np.linspace(-1, 1, 16, dtype=np.float32)
    np.testing.assert_allclose(np.asarray(two.call(x)[0]), np.asarray(one.call(x)[0]), rtol=1e-6)
    t = medians({"two": lambda: two.call(x)[0].block_until_ready(), "one": lambda: one.call(x)[0].block_until_ready()},
                2000, rounds)
    stats = two.executor.stats
    shape = f"{len(two.executor.segments)} segments on {', '.join(sorted(stats.ops))}, {stats.transfers // stats.calls} transfer/call"
    print(f"tiny program, 2 partitions ({shape})  {t['two'] * 1e6:7.1f} us   1 device {t['one'] * 1e6:7.1f} us"
          f"   ratio {t['two'] / t['one']:5.2f}x (target <= 1.3x)")


def corpus_sessions() -> tuple[dict, dict, list]:
    """GraphSessions over the device_placement graph as TensorFlow wrote it and with no device fields;
    the feeds; the fetches. Both are checked against TensorFlow's recorded outputs."""
    info = json.loads((CORPUS_CASE / "case.json").read_text())
    placed = graph_pb2.GraphDef()
    placed.ParseFromString((CORPUS_CASE / "graph.pb").read_bytes())
    cleared = graph_pb2.GraphDef()
    cleared.CopyFrom(placed)
    for node in cleared.node:
        node.device = ""
    with np.load(CORPUS_CASE / "inputs.npz") as data:
        feeds = {tensor: data[key] for tensor, key in info["feeds"].items()}
    with np.load(CORPUS_CASE / "expected.npz") as data:
        expected = [data[info["expected_keys"][name]] for name in info["fetches"]]
    sessions = {"placed": GraphSession(GraphImporter(placed, "device_placement")),
                "cleared": GraphSession(GraphImporter(cleared, "device_placement (no devices)"))}
    for session in sessions.values():
        for got, want in zip(session.run(info["fetches"], feeds), expected):
            np.testing.assert_allclose(got, want, rtol=info["rtol"], atol=info["atol"])
    return sessions, feeds, info["fetches"]


def corpus_case(rounds: int) -> None:
    """The zig-zag a TensorFlow graph asks for, against the same graph on one device: Session.run and
    the make_callable fast path."""
    sessions, feeds, fetches = corpus_sessions()
    spanning = sessions["placed"].device_stats()
    assert spanning and sorted(spanning[-1].ops) == ["cpu:0", "cpu:1"] and not sessions["cleared"].device_stats()
    names = list(feeds)
    callables = {name: s.make_callable(fetches, names) for name, s in sessions.items()}
    values = [feeds[name] for name in names]
    t = medians({"placed run": lambda: sessions["placed"].run(fetches, feeds), "cleared run": lambda: sessions["cleared"].run(fetches, feeds),
                 "placed callable": lambda: callables["placed"](*values), "cleared callable": lambda: callables["cleared"](*values)},
                1000, rounds)
    stats = spanning[-1]
    print(f"device_placement corpus (cpu:0->cpu:1->cpu:0, {stats.transfers // stats.calls} transfers/call)")
    for kind in ("run", "callable"):
        placed, cleared = t[f"placed {kind}"], t[f"cleared {kind}"]
        label = "GraphSession.run" if kind == "run" else "make_callable"
        print(f"  {label:<17} placed {placed * 1e6:7.1f} us   devices cleared {cleared * 1e6:7.1f} us   ratio {placed / cleared:5.2f}x")


# ---- 3. model parallelism ----------------------------------------------------------------------
def load_example():
    spec = importlib.util.spec_from_file_location("model_parallel", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def training_step(example, model, count: int):
    """One TF1 training step of ``model`` on ``count`` devices, as the example runs it (after init)."""
    graph, loss, train, init, x, y = example.build(model, count)
    features, targets = example.data()
    session = tfc.Session(graph=graph)
    session.run(init)
    feeds = {x: features, y: targets}
    return lambda: session.run([loss, train], feeds)


def model_parallel_case(rounds: int) -> None:
    """Each model's step time on 2 and 4 devices against 1: the price (or gain) of its placement."""
    example = load_example()
    for name, model in example.MODELS.items():
        steps = {count: training_step(example, model, count) for count in COUNTS}
        t = medians(steps, 50, rounds)
        others = "   ".join(f"{count} devices {t[count] * 1e3:6.3f} ms ({t[count] / t[1]:5.2f}x)" for count in COUNTS[1:])
        print(f"model parallel {name:<17} 1 device {t[1] * 1e3:6.3f} ms/step   {others}")


# ---- 4. data parallelism -----------------------------------------------------------------------
def mlp_loss(params, x, y):
    h = x
    for i in range(0, len(params) - 2, 2):
        h = tfc.tanh(h @ params[i] + params[i + 1])
    return tfc.mean((h @ params[-2] + params[-1] - y) ** 2)


def train_step(params, x, y):
    loss, grads = tfc.value_and_grad(mlp_loss)(params, x, y)
    return loss, [p - 0.01 * g for p, g in zip(params, grads)]


def mlp_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(MLP_SIZES, MLP_SIZES[1:]):
        params += [(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32), np.zeros(fan_out, np.float32)]
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    y = rng.standard_normal((MLP_BATCH, MLP_SIZES[-1])).astype(np.float32)
    return params, x, y


def all_reduce_bytes(module) -> tuple[int, int]:
    """(bytes, ops): what the ``tfc.all_reduce`` ops of a lowered step carry, from their operand types."""
    reduces = [op for op in module.walk() if op.name == "tfc.all_reduce"]
    total = sum(int(np.prod(v.type.shape, dtype=np.int64)) * v.type.dtype.numpy.itemsize for op in reduces for v in op.operands)
    return total, len(reduces)


def training_loop(step, params, x, y):
    """A step that feeds back its updated parameters, as a training loop does, and waits for them."""
    state = {"params": params}

    def run():
        loss, state["params"] = step(state["params"], x, y)
        jax.block_until_ready((loss, state["params"]))

    return run


def data_parallel_case(rounds: int) -> None:
    """The same global batch on 1, 2 and 4 replicas (plus plain tfc.compile, no replicas)."""
    params, x, y = mlp_data()
    steps, reduced = {"plain": training_loop(tfc.compile(train_step), params, x, y)}, {}
    for count in COUNTS:
        step = tfc.compile(train_step, devices=count, batch_argnums=(1, 2))
        reduced[count] = all_reduce_bytes(step.lower(params, x, y).module)
        steps[count] = training_loop(step, params, x, y)
    t = medians(steps, 10, rounds)
    shape = "-".join(map(str, MLP_SIZES))
    print(f"data parallel MLP {shape} SGD step, global batch {MLP_BATCH}; plain tfc.compile (no replicas) {t['plain'] * 1e3:.2f} ms")
    for count in COUNTS:
        speedup = t[1] / t[count]
        total, ops = reduced[count]
        print(f"  {count} device(s) {t[count] * 1e3:7.2f} ms/step   speed-up vs 1 device {speedup:5.2f}x   efficiency {speedup / count:6.1%}"
              f"   all-reduced {total / 1e6:.3f} MB/step in {ops} tfc.all_reduce op(s){' (1 replica: nothing crosses devices)' if count == 1 else ''}")
    print(f"  note: {os.cpu_count()} CPU cores share the {DEVICES} host devices (and XLA:CPU already uses them within one"
          " device): the speed-up is bounded by the cores, not the device count")


def main() -> None:
    tfc.set_cpu_devices(DEVICES)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    print(f"devices benchmark: jax {jax.__version__}, {len(tfc.devices())} host devices on {os.cpu_count()} cores,"
          f" median of {options.rounds} alternating rounds")
    transfer_case(options.rounds)
    tiny_case(options.rounds)
    corpus_case(options.rounds)
    model_parallel_case(options.rounds)
    data_parallel_case(options.rounds)


if __name__ == "__main__":
    main()
