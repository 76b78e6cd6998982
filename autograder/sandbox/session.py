"""The grader's side of a sandboxed submission: run its cells, call into it, trust only data.

A :class:`Session` starts the runner (:mod:`autograder.sandbox.runner`) in a :class:`Jail`,
sends it the submission's cells, and then lets the trusted checks call the student's
functions and classes through :class:`Remote` handles. Everything that comes back is data:
JSON and ``.npy`` arrays that are parsed here without pickle and validated (numeric dtype,
shape, size) before any check sees them. The checks compute reference values and compare on
this side, so nothing the student's code does to its own interpreter changes a verdict.

When the student's code ends the process (``os._exit``, a crash, out of memory) or hangs,
the session notes which cell or call did it, starts a fresh runner and runs the cells again
without the culprit, up to a few times, so that only the affected parts lose points.
"""

from __future__ import annotations

import io
import os
import select
import time
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from autograder.messages import tr
from autograder.sandbox.frames import FrameError, pack, unpack
from autograder.sandbox.jail import Jail, Limits

__all__ = ["CellRun", "CheckFailed", "Fn", "Remote", "SandboxError", "Session", "fail"]

MAX_ELEMENTS = 64 * 1024 * 1024
MAX_RESTARTS = 4


class CheckFailed(AssertionError):
    """A property of the student's code that does not hold; the message says which.

    ``kinds`` are the class names of the exception the student's code raised, if it raised
    one (``("ShapeError", "ValueError", "Exception", ...)``).
    """

    def __init__(self, message: str, *, kinds: tuple[str, ...] = (), stopped: bool = False) -> None:
        super().__init__(message)
        self.kinds = kinds
        self.stopped = stopped  # the call hung or ended the student's process


def fail(template: str, **fields: Any) -> NoReturn:
    """Raise :class:`CheckFailed` with the message ``tr(template, **fields)``."""
    raise CheckFailed(tr(template, **fields)) from None


class SandboxError(RuntimeError):
    """The runner ended, hung or broke the protocol; the message says how."""


class SandboxTimeout(SandboxError):
    """The runner did not answer in time (it was killed)."""


@dataclass
class CellRun:
    """What happened to one cell of the submission in the sandbox."""

    cell_id: str
    seconds: float = 0.0
    error: str | None = None
    stdout: str = ""
    stderr: str = ""
    skipped: str | None = None  # why the cell was left out of later runs


@dataclass(frozen=True)
class Fn:
    """A function built inside the sandbox from data (code cannot be sent): see the runner."""

    kind: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Seed:
    """A ``numpy.random.Generator`` created inside the sandbox from this seed."""

    seed: int


class Remote:
    """An object that lives in the student's process (a class, a function, an instance)."""

    def __init__(self, session: Session, handle: int, type_name: str, label: str) -> None:
        self._session = session
        self._handle = handle
        self._generation = session.generation
        self.type_name = type_name
        self.label = label

    def __repr__(self) -> str:
        return f"<remote {self.type_name} {self.label}>"

    def _ref(self) -> dict[str, int]:
        if self._generation != self._session.generation:
            raise SandboxError(tr("{label} belongs to a runner that has ended", label=self.label))
        return {"$h": self._handle}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call(self, None, args, kwargs, label=self.label)

    def _label(self, method: str) -> str:
        return self.label if method == "__call__" else f"{self.label}.{method}"

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``obj.method(*args, **kwargs)`` in the sandbox and return the decoded result."""
        return self._session.call(self, method, args, kwargs, label=self._label(method))

    def call_keep_args(self, method: str, *args: Any) -> tuple[Any, list[Any]]:
        """Like :meth:`call`, and also return the arguments as they are after the call."""
        return self._session.call(
            self, method, args, {}, label=self._label(method), return_args=True
        )

    def get(self, attr: str) -> Any:
        """The attribute ``obj.attr``, decoded."""
        return self._session.request(
            {"op": "getattr", "target": self._ref(), "attr": attr},
            label=f"{self.label}.{attr}",
        )

    def set(self, attr: str, value: Any) -> None:
        blobs: list[bytes] = []
        encoded = self._session.encode(value, blobs)
        self._session.request(
            {"op": "setattr", "target": self._ref(), "attr": attr, "value": encoded},
            blobs,
            label=f"{self.label}.{attr} = ...",
        )


def decode_array(blob: bytes, label: str) -> np.ndarray:
    """Parse one ``.npy`` blob without pickle; only plain numeric arrays are accepted."""
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as err:
        raise SandboxError(
            tr("{label}: the runner sent a damaged array ({err})", label=label, err=err)
        ) from None
    if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
        fail("{label} returned an array of dtype {dtype}, not numbers", label=label, dtype=dtype)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > MAX_ELEMENTS or count < 0:
        fail(
            "{label} returned an array of shape {shape}: far too large",
            label=label,
            shape=shape,
        )
    data = blob[stream.tell() :]
    if len(data) != count * dtype.itemsize:
        raise SandboxError(tr("{label}: the runner sent an array of the wrong size", label=label))
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.copy()


class Session:
    """A submission's cells running in a sandbox, and calls into them.

    Parameters
    ----------
    cells : list of (cell id, source)
        The code to run, in order.
    limits : Limits
    jail_options : dict
        Passed on to :class:`Jail` (hide, stubs, slot, env, level).
    """

    def __init__(
        self,
        cells: list[tuple[str, str]],
        limits: Limits | None = None,
        **jail_options: Any,
    ) -> None:
        self.cells = cells
        self.limits = limits or Limits()
        self.jail_options = jail_options
        self.jail: Jail | None = None
        self.generation = 0
        self.restarts = 0
        self.runs: dict[str, CellRun] = {}
        self.notes: list[str] = []
        self.deadline = time.monotonic() + self.limits.total_seconds
        self._frame = b""

    # life cycle -------------------------------------------------------------------------
    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.jail is not None:
            self.jail.close()
            self.jail = None

    def _time_left(self) -> float:
        return self.deadline - time.monotonic()

    def start(self) -> None:
        """Start a runner and run every cell not yet found to end or hang the process."""
        while True:
            if self._time_left() <= 0:
                raise SandboxError(
                    tr(
                        "the submission used up its {seconds:g} s in total",
                        seconds=self.limits.total_seconds,
                    )
                )
            self.close()
            self.generation += 1
            self.jail = Jail(self.limits, **self.jail_options)
            try:
                self.jail.start()
                self._receive(self._until(60.0), tr("starting Python"))
                culprit = self._run_cells()
            except SandboxError as err:
                if self.jail.proc is not None and self.jail.proc.poll() is None:
                    raise
                said = self.jail.output_head.decode(errors="replace").strip().splitlines()
                detail = f" ({said[-1][:300]})" if said else ""
                raise SandboxError(
                    tr("the sandbox did not start: {err}{detail}", err=err, detail=detail)
                ) from None
            if culprit is None:
                return
            cell_id, reason = culprit
            run = self.runs.setdefault(cell_id, CellRun(cell_id))
            run.skipped = reason
            run.error = run.error or reason
            self.notes.append(f"cell {cell_id} was left out: {reason}")
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise SandboxError(tr("the notebook kept ending its Python process; gave up"))

    def _until(self, seconds: float) -> float:
        return min(time.monotonic() + seconds, self.deadline)

    def _run_cells(self) -> tuple[str, str] | None:
        todo = [(i, s) for i, s in self.cells if not self.runs.get(i, CellRun(i)).skipped]
        self._send({"op": "cells", "cells": [{"id": i, "source": s} for i, s in todo]})
        known = {i for i, _ in todo}
        current = None
        while True:
            try:
                deadline = self._until(self.limits.cell_seconds + 5.0)
                header, _ = self._receive(deadline, tr("running the cells"))
            except SandboxTimeout:
                if current is None:
                    raise
                if self._time_left() <= 0:
                    return current, tr("the submission ran out of time while it ran")
                return current, tr(
                    "it ran longer than {seconds:g} s", seconds=self.limits.cell_seconds
                )
            except SandboxError as err:
                if current is None:
                    raise
                return current, str(err)
            event = header.get("event")
            cell_id = header.get("id")
            if event == "cells_done":
                return None
            if cell_id not in known:
                raise SandboxError(tr("the runner sent an event for an unknown cell"))
            if event == "cell_start":
                current = cell_id
            elif event == "cell_end":
                error = _text(header.get("error"))
                if error and error.startswith("MemoryError"):
                    # what the cell allocated is still held: run the notebook again without it
                    return (
                        cell_id,
                        tr("it ran out of memory (the limit is {mb} MB)", mb=self.limits.memory_mb),
                    )
                self.runs[cell_id] = CellRun(
                    cell_id,
                    seconds=float(header.get("seconds") or 0.0),
                    error=error,
                    stdout=_text(header.get("stdout")) or "",
                    stderr=_text(header.get("stderr")) or "",
                )
                current = None

    def ensure_running(self) -> None:
        if self.jail is None or self.jail.proc is None or self.jail.proc.poll() is not None:
            self.notes.append("the runner was started again after it ended during a check")
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise SandboxError(tr("the notebook kept ending its Python process; gave up"))
            self.start()

    # frames -----------------------------------------------------------------------------
    def _send(self, header: dict[str, Any], blobs: list[bytes] | None = None) -> None:
        assert self.jail is not None
        view = memoryview(pack(header, blobs or []))
        while view:
            _, ready, _ = select.select([], [self.jail.to_runner], [], self._time_left())
            if not ready:
                raise SandboxError(tr("the runner stopped reading"))
            try:
                n = os.write(self.jail.to_runner, view[: 1 << 16])
            except (BrokenPipeError, OSError):
                raise SandboxError(self._ended()) from None
            view = view[n:]

    def _ended(self) -> str:
        assert self.jail is not None
        if self.jail.proc is not None:
            try:
                self.jail.proc.wait(timeout=2)
            except Exception:
                pass
        return tr("the student's Python process ended: {reason}", reason=self.jail.exit_reason())

    def _read(self, size: int, deadline: float, what: str) -> bytes:
        assert self.jail is not None
        chunks, need = [], size
        while need:
            left = deadline - time.monotonic()
            if left <= 0:
                self.jail.kill()
                raise SandboxTimeout(tr("no answer within the time limit while {what}", what=what))
            ready, _, _ = select.select([self.jail.from_runner], [], [], min(left, 1.0))
            if not ready:
                if self.jail.output_exceeded:
                    raise SandboxError(self._ended())
                continue
            chunk = os.read(self.jail.from_runner, min(need, 1 << 20))
            if not chunk:
                raise SandboxError(self._ended())
            chunks.append(chunk)
            need -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float, what: str) -> tuple[dict[str, Any], list[bytes]]:
        try:
            return unpack(lambda n: self._read(n, deadline, what))
        except FrameError as err:
            raise SandboxError(tr("the runner sent {err}", err=err)) from None

    # values -----------------------------------------------------------------------------
    def encode(self, value: Any, blobs: list[bytes]) -> Any:
        if isinstance(value, Remote):
            return value._ref()
        if isinstance(value, Fn):
            return {"$fn": value.kind, "args": [self.encode(a, blobs) for a in value.args]}
        if isinstance(value, Seed):
            return {"$rng": int(value.seed)}
        if isinstance(value, np.ndarray | np.generic):
            buffer = io.BytesIO()
            np.save(buffer, np.asarray(value), allow_pickle=False)
            blobs.append(buffer.getvalue())
            return {"$a": len(blobs) - 1}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v, blobs) for v in value]}
        if isinstance(value, list):
            return {"$list": [self.encode(v, blobs) for v in value]}
        if isinstance(value, dict):
            return {"$dict": [[str(k), self.encode(v, blobs)] for k, v in value.items()]}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        raise TypeError(f"cannot send {type(value).__name__} to the sandbox")

    def decode(self, value: Any, blobs: list[bytes], label: str, depth: int = 0) -> Any:
        if depth > 20:
            fail("{label} returned a structure nested too deeply", label=label)
        if isinstance(value, dict):
            if "$a" in value:
                index = value["$a"]
                if not isinstance(index, int) or not 0 <= index < len(blobs):
                    raise SandboxError(tr("the runner sent a damaged message"))
                return decode_array(blobs[index], label)
            if "$h" in value:
                return Remote(self, int(value["$h"]), _text(value.get("type")) or "?", label)
            for key, kind in (("$tuple", tuple), ("$list", list)):
                if key in value and isinstance(value[key], list):
                    return kind(self.decode(v, blobs, label, depth + 1) for v in value[key])
            if "$dict" in value and isinstance(value["$dict"], list):
                return {str(k): self.decode(v, blobs, label, depth + 1) for k, v in value["$dict"]}
            raise SandboxError(tr("the runner sent a damaged message"))
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | float):  # never produced by the runner for numbers
            return value
        raise SandboxError(tr("the runner sent a damaged message"))

    # requests ---------------------------------------------------------------------------
    def request(
        self, header: dict[str, Any], blobs: list[bytes] | None = None, *, label: str
    ) -> Any:
        reply = self._request(header, blobs, label)
        return self.decode(reply["result"], reply["_blobs"], label)

    def _request(
        self, header: dict[str, Any], blobs: list[bytes] | None, label: str
    ) -> dict[str, Any]:
        if self.jail is None:
            raise SandboxError(tr("the sandbox is not running"))
        self._send(header, blobs)
        try:
            reply, reply_blobs = self._receive(
                self._until(self.limits.call_seconds), tr("calling {label}", label=label)
            )
        except SandboxTimeout:
            said = tr(
                "{label} did not answer within {seconds:g} s (an endless loop, or far too slow)",
                label=label,
                seconds=self.limits.call_seconds,
            )
            raise CheckFailed(said, stopped=True) from None
        except SandboxError as err:
            raise CheckFailed(tr("{label}: {err}", label=label, err=err), stopped=True) from None
        if not reply.get("ok"):
            error = _text(reply.get("error")) or tr("an error")
            where = _text(reply.get("where"))
            if reply.get("missing"):
                raise CheckFailed(error)
            if error.startswith("MemoryError"):
                error += tr(" (the sandbox's memory limit is {mb} MB)", mb=self.limits.memory_mb)
            if where:
                said = tr(
                    "{label} raised {error} in {where}", label=label, error=error, where=where
                )
            else:
                said = tr("{label} raised {error}", label=label, error=error)
            kinds = reply.get("kinds")
            names = tuple(str(k)[:100] for k in kinds[:20]) if isinstance(kinds, list) else ()
            raise CheckFailed(said, kinds=names)
        reply["_blobs"] = reply_blobs
        return reply

    def get(self, name: str) -> Any:
        """A top-level name of the student's notebook (a Remote for classes and functions)."""
        self.ensure_running()
        try:
            return self.request({"op": "get", "name": name}, label=name)
        except CheckFailed as err:
            if "not defined" in str(err):
                fail("{name} is not defined{why}", name=name, why=self._why_missing())
            raise

    def set_global(self, name: str, value: Any) -> None:
        """Set a top-level name of the student's notebook (for example to swap in a helper)."""
        blobs: list[bytes] = []
        encoded = self.encode(value, blobs)
        self.request({"op": "set_global", "name": name, "value": encoded}, blobs, label=name)

    def make(self, value: Fn) -> Remote:
        """Build ``value`` in the sandbox and keep it there: a handle to it."""
        blobs: list[bytes] = []
        encoded = self.encode(value, blobs)
        made = self.request({"op": "make", "value": encoded}, blobs, label=value.kind)
        if not isinstance(made, Remote):
            raise SandboxError(tr("the runner sent a damaged message"))
        return made

    def del_global(self, name: str) -> None:
        """Remove a top-level name of the student's notebook (no error when it is missing)."""
        self.request({"op": "set_global", "name": name}, label=name)

    def _why_missing(self) -> str:
        failed = [(r.cell_id, r.error) for r in self.runs.values() if r.error]
        if not failed:
            return tr(": define it in the notebook, with this exact name")
        cell_id, error = failed[0]
        return tr(
            " (cell {cell_id} stopped with {error})",
            cell_id=cell_id,
            error=error.splitlines()[0][:200],
        )

    def call(
        self,
        target: Remote,
        method: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        label: str,
        return_args: bool = False,
    ) -> Any:
        blobs: list[bytes] = []
        header = {
            "op": "call",
            "target": target._ref(),
            "attr": method,
            "args": [self.encode(a, blobs) for a in args],
            "kwargs": [[k, self.encode(v, blobs)] for k, v in kwargs.items()],
            "return_args": return_args,
        }
        reply = self._request(header, blobs, label)
        result = self.decode(reply["result"], reply["_blobs"], label)
        if not return_args:
            return result
        after = reply.get("args")
        if not isinstance(after, list) or len(after) != len(args):
            raise SandboxError(tr("the runner sent a damaged message"))
        return result, [self.decode(a, reply["_blobs"], label) for a in after]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:20_000]
