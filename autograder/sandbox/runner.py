"""The student side of a grading run: runs a submission's cells and answers calls into them.

This file runs inside the sandbox, in the same interpreter as the student's code, so nothing
in it is trusted: the student's code can replace any function here. It only ever sends data
(JSON and ``.npy`` arrays) back, and the grader validates and judges that data itself. It is
self-contained (standard library and NumPy only) because the ``autograder`` package is hidden
from the sandbox.

Protocol (both directions): a frame is ``<u32 header length><header JSON><blobs>``, where
the header lists the byte length of each blob. A value is JSON, with arrays as
``{"$a": blob index}``, remote objects as ``{"$h": id}``, and tuples, lists and dicts as
``{"$tuple": [...]}``, ``{"$list": [...]}`` and ``{"$dict": [[key, value], ...]}``.
"""

import io
import json
import os
import struct
import sys
import time
import traceback

REQ_FD = int(sys.argv[1])
RESP_FD = int(sys.argv[2])
TEXT_LIMIT = 20_000

_req = os.fdopen(REQ_FD, "rb", buffering=0)
_resp = os.fdopen(RESP_FD, "wb", buffering=0)
_FORKED = []


def _after_fork():
    """A process forked by the student's code must not talk on the grader's pipes."""
    _FORKED.append(True)
    for fd in (REQ_FD, RESP_FD):
        try:
            os.close(fd)
        except OSError:
            pass


os.register_at_fork(after_in_child=_after_fork)


def _read_exact(n):
    chunks = []
    while n:
        chunk = _req.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def receive():
    (size,) = struct.unpack("<I", _read_exact(4))
    header = json.loads(_read_exact(size))
    blobs = [_read_exact(n) for n in header.pop("blobs", [])]
    return header, blobs


def send(header, blobs=()):
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header, allow_nan=True).encode()
    _resp.write(struct.pack("<I", len(data)) + data + b"".join(blobs))


def clip(text, limit=TEXT_LIMIT):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 20] + "\n... (cut)"


class Values:
    """Turn wire values into Python objects and back; remote objects live in ``handles``."""

    def __init__(self):
        self.handles = {}

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
                return make_function(value["$fn"], [self.load(v, blobs) for v in value["args"]])
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
        handle = len(self.handles) + 1
        self.handles[handle] = value
        return {"$h": handle, "type": clip(type(value).__name__, 200)}


def make_function(kind, args):
    """Functions the grader asks for by name (it cannot send code): f(x) -> float."""
    import numpy as np

    if kind == "weighted_sum":  # f(x) = sum(w * g(x)) for an elementwise g
        (weights, inner) = args
        inner_fn = {"x": lambda x: x, "x2": np.square, "sin": np.sin, "cube": lambda x: x**3}
        g = inner_fn[inner]
        return lambda x: float(np.sum(weights * g(np.asarray(x, dtype=float))))
    if kind == "quadratic":  # f(x) = 0.5 x.A.x + b.x over the flattened x
        (a, b) = args
        return lambda x: float(0.5 * x.ravel() @ a @ x.ravel() + b @ x.ravel())
    if kind == "polynomial":  # f(x) = sum_k c_k x**k for a scalar x
        (coefs,) = args
        return lambda x: float(sum(c * x**k for k, c in enumerate(coefs)))
    if kind in ("im2col", "col2im"):  # the course's versions, so layers are graded alone
        return _im2col if kind == "im2col" else _col2im
    raise ValueError(f"unknown function kind {kind!r}")


def _windows(shape, filter_h, filter_w, stride, pad):
    """Output size and the slice of every window offset (dy, dx) in the padded image."""
    out_h = (shape[2] + 2 * pad - filter_h) // stride + 1
    out_w = (shape[3] + 2 * pad - filter_w) // stride + 1
    offsets = [
        (dy, dx, slice(dy, dy + stride * out_h, stride), slice(dx, dx + stride * out_w, stride))
        for dy in range(filter_h)
        for dx in range(filter_w)
    ]
    return out_h, out_w, offsets


def _im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    import numpy as np

    n, c = input_data.shape[:2]
    out_h, out_w, offsets = _windows(input_data.shape, filter_h, filter_w, stride, pad)
    padded = np.pad(input_data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.empty((n, c, filter_h, filter_w, out_h, out_w), input_data.dtype)
    for dy, dx, rows, cols in offsets:
        col[:, :, dy, dx] = padded[:, :, rows, cols]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def _col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    import numpy as np

    n, c, h, w = input_shape
    out_h, out_w, offsets = _windows(input_shape, filter_h, filter_w, stride, pad)
    col = col.reshape(n, out_h, out_w, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), col.dtype)
    for dy, dx, rows, cols in offsets:
        img[:, :, rows, cols] += col[:, :, dy, dx]
    return img[:, :, pad : pad + h, pad : pad + w].copy()


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
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    shell.user_ns["__name__"] = "__main__"
    values = Values()
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
            if where:
                reply["where"] = clip(where, 200)
        finally:
            sys.stdout, sys.stderr = saved
        send(reply, out_blobs)


if __name__ == "__main__":
    main()
