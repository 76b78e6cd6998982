"""The course directory: where nbgrader keeps its database and every stage of the notebooks.

A course directory holds ``nbgrader_config.py`` (written here; it loads the repository's
``autograder/nbgrader_config.py``), ``gradebook.db`` and the folders ``release``,
``submitted``, ``autograded`` and ``feedback`` that nbgrader uses, plus ``reports``,
``logs`` and ``backups`` written by this tool. The sources stay in the repository's
``solutions`` folder. Nothing in a course directory belongs in git.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import queue
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dlfs.i18n import split_bilingual

from autograder.forks import Forker, ForkerError, kill_group

__all__ = ["REPO", "Course", "CourseError", "NbgraderRun"]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_COURSE_DIR = REPO / "autograder" / "course"

CONFIG_TEMPLATE = '''\
"""Written by `./run course` (python -m autograder); do not edit. The settings live in {shared}."""

import os

_shared = {shared!r}
if not os.path.isfile(_shared):
    raise FileNotFoundError(f"the course settings {{_shared}} are missing")
load_subconfig(_shared)  # noqa: F821
c.CourseDirectory.root = {root!r}  # noqa: F821
# parallel autograding: wait for the gradebook instead of failing when another writer holds it
c.CourseDirectory.db_url = {db_url!r}  # noqa: F821
'''


class CourseError(RuntimeError):
    """A problem the instructor must fix; the message says what and how."""


@dataclass
class NbgraderRun:
    """The outcome of one nbgrader command."""

    args: list[str]
    returncode: int
    output: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def errors(self) -> list[str]:
        """nbgrader's ERROR messages (continuation lines joined), without the log prefix."""
        found: list[str] = []
        current: list[str] | None = None
        for line in self.output.splitlines():
            match = re.match(r"\[\w+ \| (\w+)\]\s*(.*)", line)
            if match:
                if current:
                    found.append(" ".join(current))
                current = [match.group(2).strip()] if match.group(1) == "ERROR" else None
            elif current is not None and line.strip():
                current.append(line.strip())
        if current:
            found.append(" ".join(current))
        return [e for e in found if e]


class Course:
    """A course directory and the assignments of the repository.

    Parameters
    ----------
    root : path, optional
        The course directory; ``autograder/course`` in the repository by default. Created
        on first use.
    repo : path, optional
        The repository holding ``solutions/`` and ``autograder/nbgrader_config.py``.
    """

    def __init__(self, root: Path | str | None = None, repo: Path | str = REPO) -> None:
        self.repo = Path(repo).resolve()
        self.root = Path(root).resolve() if root is not None else DEFAULT_COURSE_DIR
        if self.root.exists() and not self.root.is_dir():
            raise CourseError(f"the course directory {self.root} is a file, not a directory")
        self._lock_fd: int | None = None  # open while this process holds the course lock
        self._forkers: queue.SimpleQueue[Forker] | None = None  # see forked()

    # layout -----------------------------------------------------------------------------
    @property
    def source_dir(self) -> Path:
        return self.repo / "solutions"

    @property
    def shared_config(self) -> Path:
        return self.repo / "autograder" / "nbgrader_config.py"

    @property
    def db_path(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the gradebook; writers wait up to 120 s for each other."""
        return f"sqlite:///{self.db_path}?timeout=120"

    def path(self, step: str, *parts: str) -> Path:
        """A path inside the course directory, e.g. ``path("submitted", "alice")``."""
        return self.root.joinpath(step, *parts)

    def source_notebook(self, assignment: str) -> Path:
        return self.source_dir / assignment / f"{assignment}.ipynb"

    def release_notebook(self, assignment: str) -> Path:
        return self.path("release", assignment, f"{assignment}.ipynb")

    # assignments ------------------------------------------------------------------------
    def assignments(self) -> list[str]:
        """Assignment ids: folders of ``solutions/`` holding a notebook of the same name."""
        if not self.source_dir.is_dir():
            raise CourseError(f"no solutions folder at {self.source_dir}")
        return sorted(
            p.name for p in self.source_dir.iterdir() if (p / f"{p.name}.ipynb").is_file()
        )

    def title(self, assignment: str) -> str:
        """The first ``# `` heading of an assignment's source, in Korean and English
        (``과제 3 — 계층별 오차역전파 (Assignment 3 — Backpropagation layers)``)."""
        try:
            cells = json.loads(self.source_notebook(assignment).read_text(encoding="utf-8"))
            for cell in cells.get("cells", []):
                if cell.get("cell_type") == "markdown":
                    source = cell.get("source", "")
                    text = source if isinstance(source, str) else "".join(source)
                    for line in text.splitlines():
                        if line.startswith("# "):
                            return line[2:].strip()
        except (OSError, ValueError, AttributeError):
            pass
        return ""

    def resolve(self, names: list[str] | None) -> list[str]:
        """Turn ``["3", "03", "backprop", "05_cnn", "Backpropagation layers"]`` into assignment ids.

        A name is an id, its number (``3`` or ``03``), the words after the number
        (``backprop``), or the title of the notebook's first heading, whole or after its
        dash or colon: the Korean title, the English one in its brackets, or both as written
        (``과제 3 — 계층별 오차역전파``, ``계층별 오차역전파``, ``과제 3``, ``Assignment 3``).
        No names means every assignment.

        Raises
        ------
        CourseError
            For a name that matches no assignment or several.
        """
        known = self.assignments()
        if not names:
            return known
        chosen = []
        for name in names:
            hits = [a for a in known if _spellings(a, self.title(a)) & {_words(name)}]
            if len(hits) != 1:
                why = "matches no assignment" if not hits else f"is ambiguous ({', '.join(hits)})"
                raise CourseError(
                    f"'{name}' {why}; the assignments are: {', '.join(known)} "
                    f"(`{self.command('list')}` shows them)"
                )
            if hits[0] not in chosen:
                chosen.append(hits[0])
        return chosen

    def command(self, *args: str) -> str:
        """The command line to type: ``./run course generate 03 [--course-dir DIR]``."""
        words = ["./run", "course", *args]
        if self.root != DEFAULT_COURSE_DIR:
            words += ["--course-dir", str(self.root)]
        return " ".join(w if w == "./run" else shlex.quote(w) for w in words)

    def require_generated(self, assignments: list[str]) -> None:
        """Stop unless the gradebook exists and holds every one of ``assignments``.

        Raises
        ------
        CourseError
            Naming the ``generate`` command to run first.
        """
        if not self.db_path.is_file():
            raise CourseError(
                f"no gradebook in {self.root}: the student versions were not generated; "
                f"run `{self.command('generate', *assignments)}` first"
            )
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            for a in assignments:
                try:
                    gb.find_assignment(a)
                except MissingEntry:
                    raise CourseError(
                        f"{a} is not in the gradebook: run `{self.command('generate', a)}` first"
                    ) from None

    # nbgrader ---------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the course directory and write its ``nbgrader_config.py``."""
        if not self.shared_config.is_file():
            raise CourseError(f"the shared nbgrader settings {self.shared_config} are missing")
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "nbgrader_config.py"
        text = CONFIG_TEMPLATE.format(
            shared=str(self.shared_config), root=str(self.root), db_url=self.db_url
        )
        if not config.is_file() or config.read_text(encoding="utf-8") != text:
            config.write_text(text, encoding="utf-8")

    def gradebook(self):
        """nbgrader's ``Gradebook`` of this course (use it in a ``with`` block)."""
        from nbgrader.api import Gradebook

        _scripts_on_path(os.environ)  # nbgrader runs the `alembic` script to open a gradebook
        return Gradebook(self.db_url)

    def environment(self) -> dict[str, str]:
        """The environment for nbgrader: the repository importable, config errors fatal."""
        env = dict(os.environ)
        _scripts_on_path(env)
        paths = [str(self.repo)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR"] = "1"
        env.setdefault("MPLBACKEND", "Agg")
        # one BLAS thread per kernel: these small products gain nothing from more, and
        # spinning BLAS threads of two kernels on the same cores slow both down many times
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        return env

    def nbgrader(
        self, *args: str, timeout: float | None = None, log_file: Path | None = None
    ) -> NbgraderRun:
        """Run ``nbgrader ARGS`` in the course directory as a separate process.

        A separate process per command keeps one broken submission from taking the others
        down. On ``timeout`` (seconds of wall time) the whole process group, kernel included,
        is killed. Inside :meth:`forked` the process is forked from a helper that has
        imported nbgrader already, which saves a second or two per command.
        """
        self.ensure()
        if self._forkers is not None:
            forker = self._forkers.get()
            try:
                return self._forked_run(forker, list(args), timeout, log_file)
            except ForkerError:  # the helper ended: start the command the usual way
                pass
            finally:
                self._forkers.put(forker)
        cmd = [sys.executable, "-m", "nbgrader", *args]
        proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
            pass_fds=self._pass_fds(),
        )
        timed_out = False
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc.pid)
            output, _ = proc.communicate()
        run = NbgraderRun(list(args), proc.returncode, output or "", timed_out)
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log_file.write_text(_command_line(args) + run.output, encoding="utf-8")
        return run

    def _pass_fds(self) -> tuple[int, ...]:
        return () if self._lock_fd is None else (self._lock_fd,)

    def _forked_run(
        self, forker: Forker, args: list[str], timeout: float | None, log_file: Path | None
    ) -> NbgraderRun:
        head = _command_line(args)
        if log_file is None:  # the output passes through a file of its own
            self.path("logs").mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="nbgrader-", suffix=".log", dir=self.path("logs"))
            os.close(fd)
            log = Path(name)
        else:
            log = log_file
            log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(head, encoding="utf-8")
        try:
            code, timed_out = forker.run(args, log, timeout)
            output = log.read_text(encoding="utf-8", errors="replace")[len(head) :]
        finally:
            if log_file is None:
                log.unlink(missing_ok=True)
        return NbgraderRun(args, code, output, timed_out)

    @contextmanager
    def forked(self, count: int) -> Iterator[None]:
        """Run the nbgrader commands of the block through ``count`` helpers (:mod:`.forks`),
        up to ``count`` at the same time. If a helper ends, its commands start the usual way."""
        if self._forkers is not None:
            yield
            return
        self.ensure()
        forkers = [Forker(self.root, self.environment(), self._pass_fds()) for _ in range(count)]
        self._forkers = queue.SimpleQueue()
        for forker in forkers:
            self._forkers.put(forker)
        try:
            yield
        finally:
            self._forkers = None
            for forker in forkers:
                forker.close()

    # one writer at a time -------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    @contextmanager
    def lock(self, command: str, wait: bool = False) -> Iterator[None]:
        """Hold the course's write lock while the block runs: one writing command at a time.

        An advisory ``flock`` on ``.lock`` in the course directory, which records who holds it
        (process id and command). The nbgrader processes started meanwhile inherit it, so if
        this process is killed, the lock stays held until the submission they are grading is
        written; the operating system releases it when the last of them ends, however it ends.

        Raises
        ------
        CourseError
            If another command holds the lock and ``wait`` is false.
        """
        if self._lock_fd is not None:  # already held by this process (grade runs autograde)
            yield
            return
        created = not self.root.exists()  # a command that fails leaves no course behind
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            announced = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    holder = self._lock_holder(fd)
                    if not wait:
                        raise CourseError(
                            f"another command is writing to the course {self.root}: {holder}. "
                            "Wait for it to finish, or run this command again with --wait"
                        ) from None
                    if not announced:
                        print(f"waiting for the course lock, held by {holder}", file=sys.stderr)
                        announced = True
                    time.sleep(0.5)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
            self._lock_fd = fd
            try:
                yield
            finally:
                self._lock_fd = None
                os.ftruncate(fd, 0)
                if created and [p.name for p in self.root.iterdir()] == [self.lock_path.name]:
                    self.lock_path.unlink()
                    self.root.rmdir()
        finally:
            os.close(fd)  # releases the lock unless a child still has it

    @staticmethod
    def _lock_holder(fd: int) -> str:
        """Who holds the lock, from what the holder wrote into the lock file."""
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
        pid, _, command = text.partition(" ")
        if not pid.isdigit():
            return "a command that is starting"
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return (
                f"'{command}' (pid {pid}), which has ended; the nbgrader process it started is "
                "finishing the submission it was grading"
            )
        except PermissionError:
            pass
        return f"'{command}' (pid {pid})"

    def nbgrader_attached(self, *args: str) -> int:
        """Run ``nbgrader ARGS`` in the course directory with this terminal (e.g. formgrader)."""
        self.ensure()
        cmd = [sys.executable, "-m", "nbgrader", *args]
        return subprocess.run(cmd, cwd=self.root, env=self.environment(), check=False).returncode

    # safety -----------------------------------------------------------------------------
    def backup_gradebook(self, reason: str) -> Path | None:
        """Copy ``gradebook.db`` to ``backups/`` (consistently, with SQLite's backup API)."""
        if not self.db_path.is_file():
            return None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.path("backups", f"gradebook-{stamp}-{reason}.db")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.db_path) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target

    def backup_file(self, path: Path, reason: str) -> Path:
        """Move a file about to be replaced into ``backups/``, keeping its relative path."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.path("backups", f"{reason}-{stamp}", str(path.relative_to(self.root)))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        return target


def _words(text: str) -> str:
    """A name without case, punctuation or leading zeros: ``03-Backprop`` is ``3 backprop``."""
    words = re.findall(r"[^\W_]+", text.casefold())
    return " ".join(str(int(w)) if w.isdigit() else w for w in words)


def _spellings(assignment: str, title: str) -> set[str]:
    number, _, rest = assignment.partition("_")
    found = {_words(assignment), _words(number), _words(rest)}
    for text in {title, *split_bilingual(title)} - {""}:
        # the whole title, and what comes before and after its dash or colon
        found |= {_words(text), *map(_words, re.split(r"\s+[—–:-]\s+|:\s*", text, maxsplit=1))}
    return found - {""}


def _scripts_on_path(env: dict[str, str] | os._Environ) -> None:
    """Put the scripts of this Python environment (``alembic``, ``jupyter``) on PATH."""
    scripts = str(Path(sys.executable).parent)
    parts = env.get("PATH", "").split(os.pathsep)
    if scripts not in parts:
        env["PATH"] = os.pathsep.join([scripts, *[p for p in parts if p]])


def _command_line(args: Sequence[str]) -> str:
    """The first line of a command's log."""
    return f"$ nbgrader {' '.join(args)}\n"
