"""``tfc launch``: real processes on 127.0.0.1, each test stopping every process it started, even when it fails.

The workers are tiny Python scripts (no jax): they print what the launcher gave them and write their
pid to a file, so a test can check that no process outlives the launcher.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfc.runtime.distributed import parse_tf_config
from tfc.tools.cli import cli
from tfc.tools.launch import pick_ports, task_environments

LAUNCH = [sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch"]
TIMEOUT = 20

PRELUDE = """\
import os, sys, time
from pathlib import Path
role, index = os.environ["TFC_ROLE"], os.environ["TFC_TASK_INDEX"]
Path(sys.argv[1], f"{role}{index}.{os.getpid()}").write_text("")
"""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


class Jobs:
    """Starts launchers; on teardown kills them and every task that wrote a pid file, whatever happened."""

    def __init__(self, tmp_path: Path):
        self.tmp_path, self.pid_dir, self.launchers = tmp_path, tmp_path / "pids", []
        self.pid_dir.mkdir()

    def script(self, body: str, name: str = "task.py") -> Path:
        path = self.tmp_path / name
        path.write_text(PRELUDE + textwrap.dedent(body))
        return path

    def command(self, options: list[str], script: Path) -> list[str]:
        return [*LAUNCH, *options, "--", sys.executable, str(script), str(self.pid_dir)]

    def run(self, options: list[str], script: Path) -> subprocess.CompletedProcess:
        process = self.start(options, script)
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail("the launcher did not finish in time")
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def start(self, options: list[str], script: Path) -> subprocess.Popen:
        process = subprocess.Popen(self.command(options, script), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        self.launchers.append(process)
        return process

    def pids(self) -> dict[str, int]:
        """Task name (worker0) -> pid of its latest start."""
        found = sorted(self.pid_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        return {p.name.split(".")[0]: int(p.name.split(".")[1]) for p in found}

    def all_pids(self) -> list[int]:
        return [int(p.name.split(".")[1]) for p in self.pid_dir.iterdir()]

    def wait_for_tasks(self, count: int) -> dict[str, int]:
        deadline = time.monotonic() + TIMEOUT
        while len(self.pids()) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"only {sorted(self.pids())} of {count} tasks started")
            time.sleep(0.02)
        return self.pids()

    def cleanup(self) -> None:
        for process in self.launchers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        for pid in self.all_pids():
            if alive(pid) and str(self.tmp_path) in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def jobs(tmp_path):
    jobs = Jobs(tmp_path)
    try:
        yield jobs
    finally:
        jobs.cleanup()


def prefixed(output: str, name: str) -> list[str]:
    return [line.removeprefix(f"[{name}] ") for line in output.splitlines() if line.startswith(f"[{name}] ")]


def test_two_workers_get_rank_size_chief_and_tf_config(jobs):
    script = jobs.script("""
        import json, tfc
        d = tfc.distributed
        print(json.dumps({"rank": d.rank(), "size": d.size(), "chief": d.is_chief(), "tf_config": json.loads(os.environ["TF_CONFIG"]),
                          "coordinator": os.environ["TFC_COORDINATOR"], "restart": os.environ["TFC_RESTART"]}))
        print("a line on stderr", file=sys.stderr)
    """)
    result = jobs.run(["-n", "2"], script)
    assert result.returncode == 0, result.stderr
    seen = {}
    for index in (0, 1):
        [line] = prefixed(result.stdout, f"worker:{index}")
        seen[index] = json.loads(line)
        assert prefixed(result.stderr, f"worker:{index}") == ["a line on stderr"]
        assert seen[index]["tf_config"]["task"] == {"type": "worker", "index": index}
        assert (seen[index]["rank"], seen[index]["size"], seen[index]["chief"], seen[index]["restart"]) == (index, 2, index == 0, "0")
    workers = seen[0]["tf_config"]["cluster"]["worker"]
    assert seen[0]["tf_config"]["cluster"] == seen[1]["tf_config"]["cluster"] == {"worker": workers}  # no "ps" without --ps
    addresses = [*workers, seen[0]["coordinator"]]
    assert all(a.startswith("127.0.0.1:") for a in addresses) and len(set(addresses)) == 3


def test_a_failing_worker_fails_the_job_and_names_it(jobs):
    script = jobs.script("""
        if index == "1":
            sys.exit(3)
        time.sleep(60)
    """)
    started = time.monotonic()
    result = jobs.run(["-n", "2"], script)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "tfc: error: worker:1 exited with status 3; stopped the job"
    assert time.monotonic() - started < 10  # worker 0 was stopped, not waited for
    assert not any(alive(pid) for pid in jobs.all_pids())


def test_max_restarts_restarts_a_worker_of_an_asynchronous_job_alone(jobs):
    marker = jobs.tmp_path / "failed-once"
    script = jobs.script(f"""
        marker = Path({str(marker)!r})
        if os.environ["TFC_ROLE"] == "ps":
            time.sleep(60)  # serves until the workers are done
        print("restart", os.environ["TFC_RESTART"])
        if index == "1" and not marker.exists():
            marker.write_text("")
            sys.exit(5)
        time.sleep(0.5)
    """)
    result = jobs.run(["-n", "2", "--ps", "1", "--max-restarts", "1"], script)
    assert result.returncode == 0, result.stderr
    assert prefixed(result.stdout, "worker:1") == ["restart 0", "restart 1"]
    assert prefixed(result.stdout, "worker:0") == ["restart 0"]
    assert "tfc: worker:1 exited with status 5; restarting it (restart 1 of 1)" in result.stderr


def test_max_restarts_restarts_every_worker_of_a_synchronous_job(jobs):
    marker = jobs.tmp_path / "failed-once"
    script = jobs.script(f"""
        marker = Path({str(marker)!r})
        print("restart", os.environ["TFC_RESTART"])
        if index == "1" and not marker.exists():
            marker.write_text("")
            sys.exit(5)
        time.sleep(0.5)
    """)
    result = jobs.run(["-n", "2", "--max-restarts", "1"], script)
    assert result.returncode == 0, result.stderr
    assert prefixed(result.stdout, "worker:1") == ["restart 0", "restart 1"]
    assert prefixed(result.stdout, "worker:0")[-1] == "restart 1"  # started again with the others
    assert "tfc: worker:1 exited with status 5; restarting the job (restart 1 of 1)" in result.stderr


def test_a_worker_failing_beyond_max_restarts_fails_the_job(jobs):
    script = jobs.script("sys.exit(7 if index == '0' else 0)\n")
    result = jobs.run(["-n", "2", "--max-restarts", "2"], script)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "tfc: error: worker:0 exited with status 7 (after 2 restart(s)); stopped the job"
    assert len([p for p in jobs.pid_dir.iterdir() if p.name.startswith("worker0.")]) == 3


def test_ps_tasks_serve_until_the_workers_finish_then_are_stopped(jobs):
    script = jobs.script("""
        if role == "ps":
            print("serving", os.environ["TF_CONFIG"])
            time.sleep(60)
        else:
            while len(list(Path(sys.argv[1]).iterdir())) < 4:  # both ps tasks are up
                time.sleep(0.01)
    """)
    result = jobs.run(["-n", "2", "--ps", "2"], script)
    assert result.returncode == 0, result.stderr
    [line] = prefixed(result.stdout, "ps:1")
    config = json.loads(line.removeprefix("serving "))
    assert config["task"] == {"type": "ps", "index": 1} and len(config["cluster"]["ps"]) == 2
    assert set(jobs.pids()) == {"worker0", "worker1", "ps0", "ps1"}
    assert not any(alive(pid) for pid in jobs.all_pids())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_launcher_stops_every_child(jobs, signum):
    script = jobs.script("""
        try:
            time.sleep(60)
        except KeyboardInterrupt:
            print("interrupted")
            sys.exit(130)
    """)
    launcher = jobs.start(["-n", "2", "--ps", "1"], script)
    pids = jobs.wait_for_tasks(3)
    launcher.send_signal(signum)
    stdout, stderr = launcher.communicate(timeout=TIMEOUT)
    assert launcher.returncode == 128 + signum
    assert stderr.splitlines()[-1] == f"tfc: error: interrupted by {signal.Signals(signum).name}: stopped 4 process(es)"  # and Ray
    if signum == signal.SIGINT:  # forwarded as SIGINT: Python's KeyboardInterrupt in every task
        assert sorted(line for line in stdout.splitlines() if line.endswith("interrupted")) == [
            "[ps:0] interrupted", "[worker:0] interrupted", "[worker:1] interrupted"]
    assert not any(alive(pid) for pid in pids.values())


def test_a_second_ctrl_c_kills_a_task_that_ignores_the_first(jobs):
    script = jobs.script("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(60)
    """)
    launcher = jobs.start(["-n", "1"], script)
    pids = jobs.wait_for_tasks(1)
    launcher.send_signal(signal.SIGINT)
    time.sleep(0.3)
    started = time.monotonic()
    launcher.send_signal(signal.SIGINT)
    launcher.communicate(timeout=TIMEOUT)
    assert launcher.returncode == 130 and time.monotonic() - started < 3  # not the grace period
    assert not alive(pids["worker0"])


def test_timeout_stops_the_job_and_fails(jobs):
    script = jobs.script("time.sleep(60)\n")
    result = jobs.run(["-n", "2", "--timeout", "0.5"], script)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "tfc: error: the job ran longer than --timeout 0.5 s; stopped it"
    assert not any(alive(pid) for pid in jobs.all_pids())


def test_options_after_the_command_belong_to_the_command(jobs):
    script = jobs.script("print(sys.argv[2:])\n")
    command = [*jobs.command(["-n", "1"], script), "-n", "5", "--ps"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert prefixed(result.stdout, "worker:0") == ["['-n', '5', '--ps']"]


# ---- bad input: one line, exit status 1, no process started -----------------------------------
@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(("args", "message"), [
    (["-n", "0", "--", "python", "x.py"], "tfc: error: -n 0: a job needs at least one worker"),
    (["-n", "2"], "tfc: error: no command to run: tfc launch -n N -- python train.py ARGS"),
    (["-n", "2", "--"], "tfc: error: no command to run: tfc launch -n N -- python train.py ARGS"),
    (["-n", "1", "--ps", "-1", "--", "python"], "tfc: error: --ps and --max-restarts cannot be negative (got -1, 0)"),
    (["-n", "1", "--timeout", "0", "--", "python"], "tfc: error: --timeout 0: must be positive"),
    (["-n", "1", "--port", "65535", "--", "python"], "tfc: error: --port 65535: the job needs ports 65535-65536, and a port is 1-65535"),
    (["-n", "1", "--", "/nonexistent/python"], "tfc: error: cannot start '/nonexistent/python' for worker:0: No such file or directory"),
])
def test_bad_input_is_one_line(args, message):
    result = CliRunner().invoke(cli, ["launch", *args])
    assert result.exit_code == 1, result.output
    assert result.output == message + "\n"


def test_a_port_in_use_is_one_line(busy_port):
    result = CliRunner().invoke(cli, ["launch", "-n", "1", "--port", str(busy_port - 1), "--", "python"])
    assert result.exit_code == 1
    assert result.output.startswith(f"tfc: error: --port {busy_port - 1}: port {busy_port} on 127.0.0.1 is in use (")
    assert len(result.output.splitlines()) == 1


def test_a_host_that_cannot_be_bound_is_one_line():
    result = CliRunner().invoke(cli, ["launch", "-n", "1", "--host", "192.0.2.1", "--", "python"])
    assert result.exit_code == 1
    assert result.output.startswith("tfc: error: cannot bind a port on --host 192.0.2.1: ")


def test_no_two_tasks_get_one_port():
    ports = pick_ports("127.0.0.1", 42, None)  # the coordinator, 30 workers, 9 ps, Ray and its client server
    assert len(set(ports)) == 42
    for role, index, env in task_environments(30, 9, "127.0.0.1", ports):
        assert env["TFC_RAY_ADDRESS"] == f"127.0.0.1:{ports[40]}"
        cluster = parse_tf_config(env["TF_CONFIG"])  # checks every address is distinct
        assert (cluster.task_type, cluster.task_index) == (role, index) and env["TFC_COORDINATOR"] == f"127.0.0.1:{ports[0]}"
        assert env["TFC_WORKER_HOSTS"].split(",") == cluster.jobs["worker"] and env["TFC_PS_HOSTS"].split(",") == cluster.jobs["ps"]
