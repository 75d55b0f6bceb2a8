"""tfc.files: temp files named after their writer, locked while written; leftovers of interrupted writes removed."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import textwrap

from tfc import files

HOLD_LOCK = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(60)
""")


def start_writer(path) -> subprocess.Popen:
    """A process that holds ``path`` locked, as a writer does, until killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=60)


def test_temp_file_is_named_after_target_and_writer(tmp_path):
    target = tmp_path / "out.npz"
    with files.atomic_write(target) as f:
        f.write(b"data")
        names = [p.name for p in tmp_path.iterdir()]
        assert files.leftovers(target) == []  # locked by this write
    assert len(names) == 1 and re.fullmatch(rf"\.out\.npz\.{os.getpid()}\.[a-z0-9_]+\.tmp", names[0]), names
    assert [p.name for p in tmp_path.iterdir()] == ["out.npz"]


def test_a_write_removes_only_temp_files_nobody_holds(tmp_path):
    target = tmp_path / "ckpt.npz"
    target.write_bytes(b"old")
    stale = tmp_path / ".ckpt.npz.123.abc123_x.tmp"
    live = tmp_path / ".ckpt.npz.456.abc123_y.tmp"  # another process writing it
    mine = tmp_path / f".ckpt.npz.{os.getpid()}.abc123_z.tmp"  # another thread of this process writing it
    other_target = tmp_path / ".ckpt.npz.1.123.abc123_x.tmp"  # a leftover of "ckpt.npz.1", not of "ckpt.npz"
    unrelated = tmp_path / "notes.tmp"
    for path in (stale, mine, other_target, unrelated):
        path.write_bytes(b"partial")
    writer = start_writer(live)
    fd = os.open(mine, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert files.leftovers(target) == [stale]
        files.write_atomically(target, b"new")
        assert target.read_bytes() == b"new"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (target, live, mine, other_target, unrelated))
        files.write_atomically(tmp_path / "ckpt.npz.1", b"other")
        assert not other_target.exists()
    finally:
        os.close(fd)
        stop(writer)


def test_a_killed_writers_temp_file_is_a_leftover(tmp_path):
    target = tmp_path / "x.npz"
    temp = tmp_path / ".x.npz.999.abc_q.tmp"
    writer = start_writer(temp)
    assert files.leftovers(target) == []
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    assert files.leftovers(target) == [temp]  # the kernel dropped the dead writer's lock
    files.write_atomically(target, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz"]


def test_leftovers_of_a_missing_folder_are_none(tmp_path):
    assert files.leftovers(tmp_path / "missing" / "x.npz") == []
