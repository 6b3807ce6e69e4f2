"""Saves are all or nothing: a failure part-way leaves the old file as it was."""
import errno
import os
import signal
import subprocess
import sys

import pytest

from core.atomic import atomic_write, write_atomic
from tests.conftest import ROOT


def test_a_complete_write_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert os.listdir(tmp_path) == ["out.csv"]
    write_atomic(tmp_path / "fresh.csv", b"x")                  # a new file is created too
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "fresh.csv").stat().st_mode & 0o777 == 0o666 & ~umask   # like a plain open()


def test_a_failure_mid_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "project.zip"
    target.write_bytes(b"the old project")
    with pytest.raises(OSError, match="No space left"):
        with atomic_write(target) as handle:
            handle.write(b"half of the new proj")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"the old project"
    assert os.listdir(tmp_path) == ["project.zip"]


def test_a_failing_flush_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")

    def full_disk(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("core.atomic.os.fsync", full_disk)
    with pytest.raises(OSError):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.csv"]


def test_a_process_killed_part_way_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "project.zip"
    target.write_bytes(b"the old project")
    script = ("import os, signal, sys\n"
              "from core.atomic import atomic_write\n"
              "with atomic_write(sys.argv[1]) as handle:\n"
              "    handle.write(b'x' * 100_000)\n"
              "    handle.flush()\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    result = subprocess.run([sys.executable, "-c", script, str(target)], cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the old project"            # a kill leaves at most a temporary file
    leftovers = [name for name in os.listdir(tmp_path) if name != "project.zip"]
    assert all(name.startswith(".project.zip.") and name.endswith(".tmp") for name in leftovers)
