"""examples/distributed_mlp.py under `tfc launch -n 2` trains to the parameters one process reaches
with the whole batch (each process starting from its own random parameters: the chief's win)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "distributed_mlp.py"


def run(command: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES"}  # the example asks for two per process
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)


def test_two_launched_processes_train_like_one(tmp_path):
    launched = run([sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch", "-n", "2", "--timeout", "150", "--",
                    sys.executable, str(EXAMPLE), "--steps", "5", "--save", str(tmp_path / "two")])
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]
    assert "[worker:0] 2 process(es), 2 device(s) each: loss " in launched.stdout
    alone = run([sys.executable, str(EXAMPLE), "--steps", "5", "--save", str(tmp_path / "one")])
    assert alone.returncode == 0, alone.stderr[-2000:]
    one, first, second = (np.load(tmp_path / name) for name in ("one.0.npz", "two.0.npz", "two.1.npz"))
    for key in one.files:
        np.testing.assert_array_equal(first[key], second[key])  # the processes agree exactly
        np.testing.assert_allclose(first[key], one[key], rtol=1e-5, atol=1e-6)


def test_a_synchronous_job_that_loses_a_worker_is_restarted_whole(tmp_path):
    script = tmp_path / "lose_one.py"
    script.write_text(
        "import os, sys, time\n"
        "import numpy as np\n"
        "import tfc\n"
        "tfc.set_cpu_devices(1)\n"
        "if os.environ['TFC_RESTART'] == '0' and os.environ['TFC_TASK_INDEX'] == '1':\n"
        "    time.sleep(1.0)\n"
        "    sys.exit(3)  # lost before it joined: worker 0 waits for it\n"
        "tfc.distributed.initialize()\n"
        "total = tfc.compile(lambda x: tfc.sum(x), devices='all', batch_argnums=(0,))\n"
        "print('sum', float(total(np.full((2,), tfc.distributed.rank() + 1.0, np.float32))), os.environ['TFC_RESTART'])\n")
    launched = run([sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch", "-n", "2", "--max-restarts", "1",
                    "--timeout", "150", "--", sys.executable, str(script)])
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]
    assert "tfc: worker:1 exited with status 3; restarting the job (restart 1 of 1)" in launched.stderr
    assert sorted(line for line in launched.stdout.splitlines() if " sum " in line) == ["[worker:0] sum 6.0 1", "[worker:1] sum 6.0 1"]
