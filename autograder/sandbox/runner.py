"""The student side of a grading run: runs a submission's cells and answers calls into them.

This file runs inside the sandbox, in the same interpreter as the student's code, so nothing
in it is trusted: the student's code can replace any function here. It only ever sends data
(JSON and ``.npy`` arrays) back, and the grader validates and judges that data itself. The
``autograder`` package is hidden from the sandbox, so it imports only the standard library,
NumPy, IPython and the modules the grader copies beside it.

The frames are those of ``frames.py`` (copied beside this file). A value is JSON, with
arrays as ``{"$a": blob index}``, remote objects as ``{"$h": id}``, and tuples, lists and
dicts as ``{"$tuple": [...]}``, ``{"$list": [...]}`` and ``{"$dict": [[key, value], ...]}``;
``{"$fn": kind, "args": [...]}`` is a function built by ``FUNCTIONS[kind]`` of the
``helpers.py`` the grader put beside this file (``autograder/checks/sandbox_functions.py``).

:class:`Values` and :func:`answer` also serve a source notebook's own namespace in the
instructor's kernel (:mod:`autograder.checks.local`), so the checks run there as they do here.
"""

import io
import os
import sys
import time
import traceback

TEXT_LIMIT = 20_000

_pipes: dict = {}  # "req", "resp": the grader's pipes, opened by main()
_FORKED: list[bool] = []


def _after_fork():
    """A process forked by the student's code must not talk on the grader's pipes."""
    _FORKED.append(True)
    for pipe in _pipes.values():
        try:
            os.close(pipe.fileno())
        except OSError:
            pass


def _read_exact(n):
    chunks = []
    while n:
        chunk = _pipes["req"].read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def receive():
    return frames.unpack(_read_exact)


def send(header, blobs=()):
    _pipes["resp"].write(frames.pack(header, blobs))


def clip(text, limit=TEXT_LIMIT):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 20] + "\n... (cut)"


class Values:
    """Turn wire values into Python objects and back; remote objects live in ``handles``.

    ``functions`` builds the functions a check asks for by name (``{"$fn": kind}``): the
    ``FUNCTIONS`` of the ``helpers.py`` beside this file.
    """

    def __init__(self, functions):
        self.handles = {}
        self.functions = functions

    def load(self, value, blobs):
        import numpy as np

        if isinstance(value, dict):
            if "$a" in value:
                return np.load(io.BytesIO(blobs[value["$a"]]), allow_pickle=False)
            if "$h" in value:
                return self.handles[value["$h"]]
            if "$tuple" in value:
                return tuple(self.load(v, blobs) for v in value["$tuple"])
            if "$list" in value:
                return [self.load(v, blobs) for v in value["$list"]]
            if "$dict" in value:
                return {k: self.load(v, blobs) for k, v in value["$dict"]}
            if "$fn" in value:
                args = [self.load(v, blobs) for v in value["args"]]
                return self.functions[value["$fn"]](*args)
            if "$rng" in value:
                return np.random.default_rng(value["$rng"])
            raise ValueError(f"unknown value {sorted(value)}")
        return value

    def dump(self, value, blobs, depth=0):
        import numpy as np

        if value is None or isinstance(value, (bool, str)) and depth < 50:
            return clip(value) if isinstance(value, str) else value
        if isinstance(value, (tuple, list)) and len(value) <= 10_000 and depth < 20:
            key = "$tuple" if isinstance(value, tuple) else "$list"
            return {key: [self.dump(v, blobs, depth + 1) for v in value]}
        if isinstance(value, dict) and len(value) <= 10_000 and depth < 20:
            if all(isinstance(k, str) for k in value):
                return {"$dict": [[k, self.dump(v, blobs, depth + 1)] for k, v in value.items()]}
        if isinstance(value, (int, float, complex, np.ndarray, np.generic)):
            try:
                array = np.array(value, order="C")
            except Exception:
                array = None
            if array is not None and array.dtype.kind in "biuf":
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                blobs.append(buffer.getvalue())
                return {"$a": len(blobs) - 1}
        return self.keep(value)

    def keep(self, value):
        """A handle to ``value``, which stays here."""
        handle = len(self.handles) + 1
        self.handles[handle] = value
        return {"$h": handle, "type": clip(type(value).__name__, 200)}


def run_cells(shell, cells):
    for cell in cells:
        send({"event": "cell_start", "id": cell["id"]})
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        start = time.perf_counter()
        error = None
        try:
            result = shell.run_cell(cell["source"], store_history=False, silent=False)
            failure = result.error_before_exec or result.error_in_exec
            if failure is not None:
                error = f"{type(failure).__name__}: {failure}"
        except BaseException as exc:  # SystemExit and friends end the cell, not the run
            error = f"{type(exc).__name__}: {exc}"
        finally:
            sys.stdout, sys.stderr = saved
        if _FORKED:  # a child that came back from the student's fork: end it here
            os._exit(0)
        send(
            {
                "event": "cell_end",
                "id": cell["id"],
                "seconds": time.perf_counter() - start,
                "error": None if error is None else clip(error, 2000),
                "stdout": clip(out.getvalue()),
                "stderr": clip(err.getvalue()),
            }
        )
    send({"event": "cells_done"})


def answer(shell, values, request, blobs):
    op = request["op"]
    namespace = shell.user_ns
    if op == "get":
        name = request["name"]
        if name not in namespace:
            return {"ok": False, "missing": True, "error": f"NameError: {name} is not defined"}
        return {"ok": True, "result": values.dump(namespace[name], blobs)}
    if op == "set_global":  # a name of the notebook, set (or deleted, without a value)
        if "value" in request:
            namespace[request["name"]] = values.load(request["value"], request["_blobs"])
        else:
            namespace.pop(request["name"], None)
        return {"ok": True, "result": None}
    if op == "make":  # an object built here from data (an Fn), kept here
        return {"ok": True, "result": values.keep(values.load(request["value"], request["_blobs"]))}
    target = values.load(request["target"], request["_blobs"])
    if op == "getattr":
        return {"ok": True, "result": values.dump(getattr(target, request["attr"]), blobs)}
    if op == "setattr":
        setattr(target, request["attr"], values.load(request["value"], request["_blobs"]))
        return {"ok": True, "result": None}
    if op == "call":
        args = [values.load(v, request["_blobs"]) for v in request["args"]]
        kwargs = {k: values.load(v, request["_blobs"]) for k, v in request["kwargs"]}
        fn = getattr(target, request["attr"]) if request.get("attr") else target
        result = fn(*args, **kwargs)
        reply = {"ok": True, "result": values.dump(result, blobs)}
        if request.get("return_args"):
            reply["args"] = [values.dump(a, blobs) for a in args]
        return reply
    raise ValueError(f"unknown request {op!r}")


def main():
    global frames
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import frames  # beside this file, which python -I leaves off sys.path

    _pipes["req"] = os.fdopen(int(sys.argv[1]), "rb", buffering=0)
    _pipes["resp"] = os.fdopen(int(sys.argv[2]), "wb", buffering=0)
    os.register_at_fork(after_in_child=_after_fork)
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    try:
        from helpers import FUNCTIONS  # the functions a check can ask for (Fn), beside this file
    except ImportError:
        FUNCTIONS = {}

    shell = InteractiveShell.instance(colors="NoColor")
    shell.user_ns["__name__"] = "__main__"
    values = Values(FUNCTIONS)
    send({"event": "ready", "pid": os.getpid()})
    while True:
        try:
            request, blobs = receive()
        except EOFError:
            return
        if request["op"] == "cells":
            run_cells(shell, request["cells"])
            continue
        if request["op"] == "bye":
            return
        request["_blobs"] = blobs
        out_blobs = []
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = io.StringIO()
        try:
            reply = answer(shell, values, request, out_blobs)
        except BaseException as exc:
            out_blobs = []
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{f.name} (line {f.lineno})" for f in reversed(tb)), "")
            reply = {"ok": False, "error": clip(f"{type(exc).__name__}: {exc}", 2000)}
            reply["kinds"] = [clip(k.__name__, 100) for k in type(exc).__mro__[:20]]
            if where:
                reply["where"] = clip(where, 200)
        finally:
            sys.stdout, sys.stderr = saved
        send(reply, out_blobs)


if __name__ == "__main__":
    main()
