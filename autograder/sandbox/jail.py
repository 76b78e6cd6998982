"""Start the student's code in a contained process, and make sure it is gone afterwards.

Two levels of containment, chosen at run time and always printed:

``namespaces``
    ``unshare`` gives the process its own mount, network (loopback only, down) and PID
    namespaces and its own /proc. :mod:`autograder.sandbox.setup_jail` then hides the course
    directory and the sources, makes every other mount read-only, mounts a private /tmp and
    drops to an unprivileged user (when the grader runs as root) with no capabilities. When
    the process ends, the kernel ends everything it started.
``rlimits``
    Where namespaces are not available (some containers forbid ``unshare``): resource limits,
    a new session, a private working directory, an unprivileged user when the grader runs as
    root, and a sweep for leftover processes. The network stays reachable and the course
    files are protected only by their file permissions; the output says so.

Both levels set the same resource limits (:class:`Limits`): CPU seconds, address space,
processes, file size, and a wall clock and output cap enforced from outside.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Isolation", "Jail", "Limits", "isolation"]

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
SETUP = HERE / "setup_jail.py"
# Unprivileged user ids for sandboxes started by root: one per parallel slot, so that the
# process limit of one sandbox does not count the processes of another.
BASE_UID = 64000
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's sandbox (seconds, megabytes, counts)."""

    cell_seconds: float = 120.0
    call_seconds: float = 60.0
    total_seconds: float = 900.0
    cpu_seconds: int = 900
    memory_mb: int = 4096
    processes: int = 32
    file_mb: int = 64
    tmp_mb: int = 256
    output_mb: int = 16

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"sandbox limit {name} must be positive, got {value!r}")


@dataclass(frozen=True)
class Isolation:
    """What this machine allows: the level used and what it means for the course."""

    level: str  # "namespaces" | "rlimits"
    unprivileged: bool  # the student's code runs as another, unprivileged user
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"sandbox: {self.level}"
        if self.unprivileged:
            text += ", student code runs as an unprivileged user"
        return "; ".join([text, *self.notes])


def _rlimits(limits: Limits, processes: int) -> list[tuple[int, int]]:
    mb = 1024 * 1024
    return [
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_NPROC, processes),
        (resource.RLIMIT_FSIZE, limits.file_mb * mb),
        (resource.RLIMIT_CORE, 0),
    ]


def _user_processes() -> int:
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))  # threads count too
            except OSError:
                pass
    return count


def _is_ancestor(a: Path, b: Path) -> bool:
    return a != b and a in b.parents


def _exposed() -> list[str]:
    """Paths the runner needs from directories that are otherwise covered."""
    import dlfs

    paths = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.prefix),
        os.path.abspath(sys.prefix),
        os.path.dirname(os.path.realpath(dlfs.__file__)),
    }
    paths.update(os.path.realpath(p) for p in sys.path if p and os.path.isdir(p))
    data = os.environ.get("DLFS_DATA")
    if data and os.path.isdir(data):
        paths.add(os.path.realpath(data))
    return sorted(paths)


def _reachable_by_others() -> bool:
    """True when an unprivileged user can run this interpreter (every folder on the way is x)."""
    for target in {os.path.realpath(sys.executable), os.path.realpath(sys.prefix)}:
        for parent in Path(target).parents:
            if not os.stat(parent).st_mode & 0o001:
                return False
    return True


def _unshare_args(as_root: bool) -> list[str] | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    args = [unshare]
    if not as_root:
        args += ["--user", "--map-root-user"]
    return [*args, "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


@functools.lru_cache(maxsize=1)
def isolation() -> Isolation:
    """Find out, once per process, which containment works here (by trying it)."""
    as_root = os.getuid() == 0
    forced = os.environ.get("DLFS_SANDBOX", "")
    if forced not in ("", "namespaces", "rlimits"):
        raise ValueError(f"DLFS_SANDBOX must be 'namespaces' or 'rlimits', got {forced!r}")
    reason = ""
    if forced != "rlimits":
        args = _unshare_args(as_root)
        if args is None:
            reason = "unshare (util-linux) is not installed"
        else:
            probe = Jail(Limits(total_seconds=30), level="namespaces", runner_source="pass\n")
            try:
                ok, reason = probe.probe()
            finally:
                probe.close()
            if ok:
                return Isolation("namespaces", as_root)  # setup_jail drops root
        if forced == "namespaces":
            raise RuntimeError(f"DLFS_SANDBOX=namespaces, but namespaces do not work: {reason}")
    unprivileged = as_root and _reachable_by_others()
    notes = [
        "no namespaces" + (f" ({reason})" if reason else " (DLFS_SANDBOX=rlimits)"),
        "the network is not blocked",
        "course files are protected only by file permissions",
    ]
    if not unprivileged:
        who = "root" if as_root else "the grading user"
        notes.append(
            f"student code runs as {who}: a hostile notebook can read the sources and change "
            "the course files (grade on a machine where `unshare` works)"
        )
    return Isolation("rlimits", unprivileged, tuple(notes))


@dataclass
class Jail:
    """One sandboxed runner process, with two pipes to talk to it.

    Parameters
    ----------
    limits : Limits
    level : {"namespaces", "rlimits"}, optional
        Containment to use; found out with :func:`isolation` by default.
    hide : list of path
        Directories and files the student's code must not see (namespaces level only).
    stubs : dict
        Library module files to replace, path -> text of the stand-in module.
    slot : int
        Parallel slot, for the unprivileged user id.
    env : dict
        Extra environment variables for the runner.
    """

    limits: Limits
    level: str | None = None
    hide: list[Path] = field(default_factory=list)
    stubs: dict[Path, str] = field(default_factory=dict)
    slot: int = 0
    env: dict[str, str] = field(default_factory=dict)
    runner_source: str | None = None
    repo: Path = HERE.parent.parent

    def __post_init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.to_runner = -1
        self.from_runner = -1
        self.output_bytes = 0
        self.output_head = bytearray()
        self.output_exceeded = False
        self._workdir: str | None = None
        self._drain: threading.Thread | None = None
        # DLFS_SANDBOX_TAG (inherited from the grader) lets a caller find its own sandboxes
        tag = os.environ.get("DLFS_SANDBOX_TAG", "run")
        self.marker = f"{tag}-{os.getpid()}-{id(self)}-{time.monotonic_ns()}"

    # start ------------------------------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/.matplotlib",
            "IPYTHONDIR": "/tmp/.ipython",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DLFS_SANDBOX_RUN": self.marker,
        }
        env.update(self.env)
        if self.level == "rlimits":
            assert self._workdir is not None
            for key in ("HOME", "MPLCONFIGDIR", "IPYTHONDIR"):
                env[key] = env[key].replace("/tmp", self._workdir, 1)
        return env

    def start(self) -> None:
        """Start the runner. Raises OSError when the process cannot be created."""
        if self.level is None:
            self.level = isolation().level
        runner = self.runner_source if self.runner_source is not None else RUNNER.read_text()
        as_root = os.getuid() == 0
        uid = BASE_UID + self.slot if as_root else None
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()

        if self.level == "namespaces":
            args = _unshare_args(as_root)
            assert args is not None
            stubs = {str(path): f"stub_{i}.py" for i, path in enumerate(self.stubs)}
            files = {"runner.py": runner}
            files.update({stubs[str(p)]: text for p, text in self.stubs.items()})
            cfg = {
                "cover": [str(p) for p in self._covers()],
                "expose": _exposed(),
                "hide": [str(p) for p in self.hide],
                "stubs": stubs,
                "files": files,
                "tmp_mb": self.limits.tmp_mb,
                "repo": str(self.repo),
                "uid": uid,
                "gid": uid,
                "runner_args": [str(req_r), str(resp_w)],
            }
            cmd = [*args, sys.executable, "-I", str(SETUP), json.dumps(cfg)]
            cwd = "/"
            drop = None
            own_uid = as_root  # setup_jail switches to the unprivileged uid
        else:
            self._workdir = tempfile.mkdtemp(prefix="dlfs-sandbox-")
            script = Path(self._workdir, "runner.py")
            script.write_text(runner)
            cmd = [sys.executable, "-I", str(script), str(req_r), str(resp_w)]
            cwd = self._workdir
            drop = uid if as_root and _reachable_by_others() else None
            own_uid = drop is not None
            if drop is not None:
                os.chown(self._workdir, drop, drop)

        # RLIMIT_NPROC counts every process of the user: a user of its own starts from 0,
        # otherwise the limit is on top of what the user runs already
        processes = self.limits.processes + (0 if own_uid else _user_processes())
        limits = _rlimits(self.limits, processes)
        namespaces = self.level == "namespaces"

        def preexec() -> None:  # in the child, before exec
            for which, value in limits:
                resource.setrlimit(which, (value, value))
            if drop is not None:
                os.setgroups([])
                os.setgid(drop)
                os.setuid(drop)
            if not namespaces:  # no capabilities after exec, even as root (setup_jail does it)
                for cap in range(64):
                    _LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
                _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, resp_w),
                cwd=cwd,
                env=self._environment(),
                start_new_session=True,
                preexec_fn=preexec,  # noqa: PLW1509 (no threads touch the child before exec)
            )
        finally:
            os.close(req_r)
            os.close(resp_w)
        self.to_runner, self.from_runner = req_w, resp_r
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()

    def _drain_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        cap = self.limits.output_mb * 1024 * 1024
        while True:
            try:
                chunk = self.proc.stdout.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.output_bytes += len(chunk)
            if len(self.output_head) < 8192:
                self.output_head += chunk[: 8192 - len(self.output_head)]
            if self.output_bytes > cap and not self.output_exceeded:
                self.output_exceeded = True
                self.kill()

    def probe(self) -> tuple[bool, str]:
        """Start a runner that does nothing; (True, "") when the setup worked."""
        try:
            self.start()
        except OSError as err:
            return False, str(err)
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=self.limits.total_seconds)
        except subprocess.TimeoutExpired:
            return False, "the probe did not finish"
        if self._drain is not None:
            self._drain.join(timeout=5)
        if code == 0:
            return True, ""
        text = self.output_head.decode(errors="replace").strip().splitlines()
        return False, (text[-1] if text else f"exit code {code}")[:200]

    def _covers(self) -> list[Path]:
        covers = [self.repo.resolve()]
        home = Path.home().resolve()
        if home != Path("/") and not _is_ancestor(home, self.repo.resolve()):
            covers.append(home)
        return covers

    # end --------------------------------------------------------------------------------
    def exit_reason(self) -> str:
        """Why the runner ended, in words (call once it has ended)."""
        if self.proc is None:
            return "it did not start"
        if self.output_exceeded:
            return f"it printed more than {self.limits.output_mb} MB"
        code = self.proc.poll()
        if code is None:
            return "it stopped answering"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            if name == "SIGXCPU":
                return f"it used more than {self.limits.cpu_seconds} s of CPU time"
            if name == "SIGXFSZ":
                return f"it wrote a file larger than {self.limits.file_mb} MB"
            if name == "SIGKILL":
                return "it was killed (SIGKILL: out of memory or stopped by the grader)"
            return f"it was killed by {name} (a crash)"
        return f"the Python process exited with code {code} (sys.exit or os._exit in the code?)"

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.kill()
            except OSError:
                pass
            # reap it, so that whoever asks next sees a process that has ended
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def close(self) -> None:
        """Kill the runner and everything it started; close the pipes; remove the workdir."""
        self.kill()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self.level == "rlimits":
            self._sweep()
        for fd in (self.to_runner, self.from_runner):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.to_runner = self.from_runner = -1
        if self._drain is not None:
            self._drain.join(timeout=5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _sweep(self) -> None:
        """Without a PID namespace: kill processes that escaped the process group.

        They are found by the marker in their environment; a fork bomb may still be forking
        while they are killed, so sweep until two scans in a row find nothing (at most 10 s).
        """
        token = f"DLFS_SANDBOX_RUN={self.marker}".encode()
        quiet, deadline = 0, time.monotonic() + 10
        while quiet < 2 and time.monotonic() < deadline:
            found = False
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit() or int(entry.name) == os.getpid():
                    continue
                try:
                    with open(f"/proc/{entry.name}/environ", "rb") as fh:
                        if token in fh.read().split(b"\0"):
                            os.kill(int(entry.name), signal.SIGKILL)
                            found = True
                except OSError:
                    pass
            quiet = 0 if found else quiet + 1
            time.sleep(0.02)
