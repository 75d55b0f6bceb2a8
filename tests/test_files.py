"""tfc.files: temp files named after their writer, and leftovers of interrupted writes removed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfc import files


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


def test_temp_file_is_named_after_target_and_writer(tmp_path):
    target = tmp_path / "out.npz"
    with files.atomic_write(target) as f:
        f.write(b"data")
        names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and re.fullmatch(rf"\.out\.npz\.{os.getpid()}\.[a-z0-9_]+\.tmp", names[0]), names
    assert [p.name for p in tmp_path.iterdir()] == ["out.npz"]


def test_a_write_removes_leftovers_of_dead_writers_only(tmp_path):
    target = tmp_path / "ckpt.npz"
    target.write_bytes(b"old")
    dead = dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".ckpt.npz.{dead}.abc123_x.tmp"
        live = tmp_path / f".ckpt.npz.{sleeper.pid}.abc123_x.tmp"
        mine = tmp_path / f".ckpt.npz.{os.getpid()}.abc123_x.tmp"  # another thread of this process may be writing it
        other_target = tmp_path / f".ckpt.npz.1.{dead}.abc123_x.tmp"  # a leftover of "ckpt.npz.1", not of "ckpt.npz"
        unrelated = tmp_path / "notes.tmp"
        for path in (stale, live, mine, other_target, unrelated):
            path.write_bytes(b"partial")
        assert files.leftovers(target) == [stale]
        files.write_atomically(target, b"new")
        assert target.read_bytes() == b"new"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (target, live, mine, other_target, unrelated))
        files.write_atomically(tmp_path / "ckpt.npz.1", b"other")
        assert not other_target.exists()
    finally:
        sleeper.kill()
        sleeper.wait(timeout=60)


def test_liveness(tmp_path):
    assert files.writer_alive(os.getpid())
    assert files.writer_alive(os.getppid())
    assert not files.writer_alive(dead_pid())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see zombies")
def test_an_unreaped_writer_is_dead():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 60
        while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.01)
        assert not files.writer_alive(proc.pid)  # a zombie still answers kill(pid, 0), but writes nothing
    finally:
        proc.kill()
        proc.wait(timeout=60)


def test_leftovers_of_a_missing_folder_are_none(tmp_path):
    assert files.leftovers(tmp_path / "missing" / "x.npz") == []
