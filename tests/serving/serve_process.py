"""A real ``tfc serve`` subprocess for the serving tests: loopback, free ports, stopped by pid
whatever happens."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time

import httpx

SERVE = [sys.executable, "-c", "import sys; from tfc.tools.cli import main; sys.exit(main())", "serve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def rest_server(flags: list[str], ready: str, timeout: float = 90.0):
    """``tfc serve FLAGS --rest_api_port <free port>``, once ``GET ready`` answers 200; yields its URL."""
    port = free_port()
    proc = subprocess.Popen([*SERVE, *flags, "--rest_api_port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"tfc serve exited {proc.returncode}: {proc.stdout.read().decode()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + ready, timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "tfc serve did not answer in time"
            time.sleep(0.2)
        yield url
    finally:
        proc.kill()
        proc.wait(10)
