"""nbgrader commands forked from a helper that imported nbgrader once (autograder.forks).

A forked command must behave as ``python -m nbgrader`` does: same output and exit code, its
output in its log, killed as a whole on a timeout, and the usual way taken when the helper
is gone.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from autograder.course import Course
from autograder.forks import Forker


def _helpers() -> list[int]:
    """Process ids of this process's helpers (``python -m autograder.forks``)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
            ppid = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"autograder.forks" in cmdline and ppid == os.getpid():
            found.append(int(entry.name))
    return found


def _wait_for_helpers(count: int) -> list[int]:
    """The helpers, once there are ``count`` of them (a process just started may not show yet)."""
    deadline = time.monotonic() + 10
    while len(found := _helpers()) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_a_forked_command_is_the_command(tmp_path: Path) -> None:
    course = Course(tmp_path / "course")
    course.ensure()
    missing = ("db", "student", "remove", "nobody")  # fails: there is no such student
    fresh = [course.nbgrader("db", "student", "add", "s1"), course.nbgrader(*missing)]
    log = tmp_path / "logs" / "list.log"
    with course.forked(2):
        assert len(_wait_for_helpers(2)) == 2
        forked = [course.nbgrader("db", "student", "add", "s2"), course.nbgrader(*missing)]
        listed = course.nbgrader("db", "student", "list", log_file=log)
    assert _wait_for_helpers(0) == []  # they end with the block
    assert [r.returncode for r in forked] == [r.returncode for r in fresh]
    assert forked[0].returncode == 0 and forked[1].returncode != 0
    assert "nobody" in forked[1].output and "nobody" in fresh[1].output
    assert "s1" in listed.output and "s2" in listed.output
    assert log.read_text(encoding="utf-8") == "$ nbgrader db student list\n" + listed.output
    assert not list(course.path("logs").glob("nbgrader-*.log"))  # no stray logs


def test_a_command_past_its_time_is_killed_with_everything_it_started(tmp_path: Path) -> None:
    # nbgrader runs its config file: this one starts a process of its own, then hangs
    (tmp_path / "nbgrader_config.py").write_text(
        "import subprocess, time\n"
        "open('grandchild.pid', 'w').write(str(subprocess.Popen(['sleep', '300']).pid))\n"
        "time.sleep(300)\n"
    )
    forker = Forker(tmp_path, Course(tmp_path).environment())
    try:
        start = time.monotonic()
        code, timed_out = forker.run(["db", "student", "list"], tmp_path / "hang.log", timeout=5)
        assert timed_out and code == -signal.SIGKILL
        assert time.monotonic() - start < 60
        grandchild = int((tmp_path / "grandchild.pid").read_text())
        deadline = time.monotonic() + 10
        while Path(f"/proc/{grandchild}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # killed, and reaped by init
        state = Path(f"/proc/{grandchild}/stat")
        assert not state.exists() or state.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        # the helper goes on with the next command
        (tmp_path / "nbgrader_config.py").write_text("")
        code, timed_out = forker.run(["db", "student", "list"], tmp_path / "ok.log", timeout=60)
        assert (code, timed_out) == (0, False)
    finally:
        forker.close()


def test_without_its_helper_a_command_starts_the_usual_way(tmp_path: Path) -> None:
    course = Course(tmp_path / "course")
    course.ensure()
    with course.forked(1):
        (helper,) = _wait_for_helpers(1)
        os.kill(helper, signal.SIGKILL)
        run = course.nbgrader("db", "student", "add", "s3")
        assert run.returncode == 0, run.output
        listed = course.nbgrader("db", "student", "list")
    assert "s3" in listed.output
