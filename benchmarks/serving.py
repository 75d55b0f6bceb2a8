"""``tfc serve`` over HTTP on loopback: requests/s and p50/p99 latency, 1 and 16 concurrent clients, with and without batching.

    python benchmarks/serving.py [--requests 200] [--clients 1,16] [--max-batch-size 16] [--batch-timeout-micros 2000] [--hidden 1024]

Exports an MLP (64 -> hidden -> hidden -> 10, relu; ``--hidden`` 1024: 4 MB of weights read per call, so
batching has work to share; ``--hidden 64`` makes HTTP the whole cost) with ``tfc.saved_model.save``, starts ``tfc serve`` in a
subprocess (without, then with ``--enable_batching``), and has each client (a thread with its own
keep-alive httpx connection) post ``--requests`` one-example predict requests in row format after a
warm-up round (which compiles). Prints one line per configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

import tfc
import tfc.saved_model as saved_model

SERVE = [sys.executable, "-c", "import sys; from tfc.tools.cli import main; sys.exit(main())", "serve"]


def export(base: Path, hidden: int) -> None:
    rng = np.random.default_rng(0)
    w1 = tfc.Variable(rng.normal(0, 0.1, (64, hidden)).astype(np.float32), name="bench_serving_w1")
    w2 = tfc.Variable(rng.normal(0, 0.1, (hidden, hidden)).astype(np.float32) / np.sqrt(hidden), name="bench_serving_w2")
    w3 = tfc.Variable(rng.normal(0, 0.1, (hidden, 10)).astype(np.float32), name="bench_serving_w3")

    @tfc.compile(input_signature=[tfc.TensorSpec([None, 64], tfc.float32)])
    def predict(x):
        return {"logits": tfc.matmul(tfc.nn.relu(tfc.matmul(tfc.nn.relu(tfc.matmul(x, w1)), w2)), w3)}
    saved_model.save(predict, base / "1")


@contextlib.contextmanager
def server(base: Path, flags: list[str]):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([*SERVE, "--model_name", "mlp", "--model_base_path", str(base), "--rest_api_port", str(port), *flags])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/v1/models/mlp", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait(10)


def measure(url: str, clients: int, requests: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of ``clients`` threads each posting ``requests`` requests."""
    body = {"instances": np.random.default_rng(1).normal(size=(1, 64)).astype(np.float32).tolist()}
    latencies: list[float] = []
    barrier = threading.Barrier(clients + 1)

    def client(count):
        with httpx.Client(base_url=url, timeout=60) as http:
            barrier.wait()
            for _ in range(count):
                start = time.perf_counter()
                response = http.post("/v1/models/mlp:predict", json=body)
                latencies.append(time.perf_counter() - start)
                response.raise_for_status()

    for count in (max(2, requests // 10), requests):  # a warm-up round (compiles the batch sizes), then the measured one
        latencies.clear()
        barrier.reset()
        threads = [threading.Thread(target=client, args=(count,)) for _ in range(clients)]
        for t in threads:
            t.start()
        barrier.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return len(ordered) / elapsed, statistics.median(ordered) * 1e3, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per client")
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--max-batch-size", type=int, default=16)
    parser.add_argument("--batch-timeout-micros", type=int, default=2000)
    parser.add_argument("--hidden", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "mlp"
        export(base, args.hidden)
        batching = ["--enable_batching", "--max_batch_size", str(args.max_batch_size), "--batch_timeout_micros", str(args.batch_timeout_micros)]
        for label, flags in (("no batching", []), (f"batching (max {args.max_batch_size}, {args.batch_timeout_micros} us)", batching)):
            with server(base, ["--file_system_poll_wait_seconds", "0", *flags]) as url:
                for clients in (int(c) for c in args.clients.split(",")):
                    rate, p50, p99 = measure(url, clients, args.requests)
                    print(f"{label:>32}, {clients:>2} clients: {rate:8.0f} requests/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms", flush=True)


if __name__ == "__main__":
    main()
