"""Start nbgrader commands without waiting for Python to import nbgrader each time.

``python -m nbgrader autograde`` spends a second or two importing nbgrader (its server
extensions bring in Jupyter's web server) and the grading code: longer than grading a
submission of assignment 3 takes. A :class:`Forker` is one helper process that imports them
once and then forks a child per command. Each child is a process of its own, as a fresh
``python -m nbgrader`` would be: its own session and process group (killed as a whole on a
timeout), its output in the command's log, its exit code, and the course lock inherited (see
:meth:`autograder.course.Course.lock`). So one submission that breaks nbgrader still breaks
only its own command.

The helper is this module run as ``python -m autograder.forks``. It says ``{"ready": true}``
on stdout once it has imported everything, then reads one JSON request per line on stdin
(``{"args": [...], "log": path}``) and answers two lines: the child's pid as soon as it runs,
then its exit code. It ends when stdin closes.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["Forker", "ForkerError", "kill_group"]

# what a child would otherwise import itself (the checks bring NumPy, IPython and dlfs)
PRELOAD = ("nbgrader.apps.nbgraderapp", "autograder.sandbox.verdicts")
# a helper that has not imported them by then is given up (its commands start the usual way)
READY_SECONDS = 300.0


class ForkerError(RuntimeError):
    """The helper process ended or stopped answering."""


class Forker:
    """One helper process that forks nbgrader commands; one command at a time.

    Parameters
    ----------
    cwd, env
        Where and with which environment the commands run (those of ``python -m nbgrader``).
    pass_fds
        File descriptors the commands inherit (the course lock).
    """

    def __init__(self, cwd: Path, env: dict[str, str], pass_fds: tuple[int, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.forks"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        self._buffer = b""
        self._ready = False

    def run(self, args: list[str], log: Path, timeout: float | None) -> tuple[int, bool]:
        """Run ``nbgrader ARGS`` with its output appended to ``log``: (exit code, timed out)."""
        assert self.proc.stdin is not None
        if not self._ready:
            try:
                self._ready = bool(self._answer(time.monotonic() + READY_SECONDS).get("ready"))
            except TimeoutError:
                self.proc.kill()
                raise ForkerError("the helper process did not start in time") from None
        try:
            self.proc.stdin.write(json.dumps({"args": args, "log": str(log)}).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            raise ForkerError("the helper process has ended") from None
        try:
            pid = int(self._answer(time.monotonic() + 60)["pid"])
        except TimeoutError:  # it forks as soon as it reads: it is stuck
            self.proc.kill()
            raise ForkerError("the helper process stopped answering") from None
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            try:
                return int(self._answer(deadline)["code"]), False
            except TimeoutError:
                kill_group(pid)
                return int(self._answer(time.monotonic() + 60)["code"]), True
        except (ForkerError, TimeoutError):
            # the helper ended or hangs: end the command too, so that it never runs twice
            kill_group(pid)
            self.proc.kill()
            raise ForkerError("the helper process ended during a command") from None

    def _answer(self, deadline: float | None) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError
            if not select.select([fd], [], [], left)[0]:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise ForkerError("the helper process has ended")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return dict(json.loads(line))

    def close(self) -> None:
        """Let the helper end after the command it runs, if any (its stdin closes)."""
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def kill_group(pid: int) -> None:
    """Kill the process group ``pid`` (a process that leads its own session), if it is there."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become ``nbgrader ARGS`` and exit with its code."""
    code = 1
    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        from nbgrader.apps.nbgraderapp import NbGraderApp

        sys.argv = ["nbgrader", *request["args"]]
        NbGraderApp.launch_instance(argv=request["args"])
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def main() -> None:
    import importlib
    import pkgutil

    import autograder.checks

    for name in PRELOAD:
        importlib.import_module(name)
    for module in pkgutil.iter_modules(autograder.checks.__path__, "autograder.checks."):
        importlib.import_module(module.name)
    answers = sys.stdout.buffer
    answers.write(json.dumps({"ready": True}).encode() + b"\n")
    answers.flush()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        answers.write(json.dumps({"pid": pid}).encode() + b"\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
        answers.flush()


if __name__ == "__main__":
    main()
