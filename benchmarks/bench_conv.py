"""Speed of ``dlfs.fastconv`` and ``dlfs.conv`` against a loop reference and PyTorch (CPU).

Measures, side by side in one process, forward + backward of

(a) a 3x3 convolution, x (100, 16, 28, 28), W (32, 16, 3, 3), pad 1, float32;
(b) 2x2 max pooling with stride 2 on the ReLU output of SimpleConvNet's convolution;
(c) one SimpleConvNet training step (batch 100, Adam, float32),

for the library's fast layers (``fast``: :mod:`dlfs.fastconv`, which the networks use),
its readable layers (``readable``: :mod:`dlfs.conv`, the ones the book shows), a
textbook-style implementation written below for comparison only (``loops``) and, when it
is installed, PyTorch on the CPU with 2 threads. Each implementation is timed in blocks of
consecutive calls, the blocks taken in turns so that background load hits all alike (see
:func:`time_in_blocks`); the tables give the best and the median of the calls and the
ratios use the best.

Run from the repository root::

    python -m benchmarks.bench_conv            # or: python benchmarks/bench_conv.py
    python -m benchmarks.bench_conv --repeat 50

The exit code is 0 whatever the outcome; each target is reported as PASS or MISS.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from dlfs.conv import Convolution, Pooling
from dlfs.fastconv import FastConvolution, FastPooling
from dlfs.layers import Affine, Relu, SoftmaxWithLoss
from dlfs.networks import SimpleConvNet
from dlfs.optimizers import Adam

try:
    import torch
except ImportError:  # the PyTorch columns are optional
    torch = None

TORCH_THREADS = 2
ROUNDS = 4  # blocks per implementation, taken in turns
SETTLE_SECONDS = 0.3  # pause before each block, for the other library's threads to go idle

# (name, measured, baseline, limit): measured / baseline must be <= limit
TARGETS = (
    ("SimpleConvNet step <= 1.2x PyTorch", ("step", "fast"), ("step", "torch"), 1.2),
    ("Convolution fwd+bwd <= 1.5x PyTorch", ("conv", "fast"), ("conv", "torch"), 1.5),
    ("Convolution >= 4x faster than loop reference", ("conv", "fast"), ("conv", "loops"), 0.25),
)


# --------------------------------------------------------------------------- loop reference


def loop_im2col(x: np.ndarray, fh: int, fw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Textbook-style im2col: a Python loop over the filter window, (N*OH*OW, C*FH*FW)."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.zeros((n, c, fh, fw, oh, ow), x.dtype)
    for i in range(fh):
        for j in range(fw):
            col[:, :, i, j] = img[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def loop_col2im(
    col: np.ndarray, shape: tuple[int, ...], fh: int, fw: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Textbook-style col2im: loops over the filter window, overlapping windows add up."""
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col6 = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), col.dtype)
    for i in range(fh):
        for j in range(fw):
            rows, cols = slice(i, i + stride * oh, stride), slice(j, j + stride * ow, stride)
            img[:, :, rows, cols] += col6[:, :, i, j]
    return img[:, :, pad : pad + h, pad : pad + w]


class LoopConvolution:
    """Convolution on :func:`loop_im2col`, in the textbook's layout (rows are windows)."""

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh = (h + 2 * self.pad - fh) // self.stride + 1
        ow = (w + 2 * self.pad - fw) // self.stride + 1
        self.x_shape = x.shape
        self.col = loop_im2col(x, fh, fw, self.stride, self.pad)
        self.w_col = self.W.reshape(fn, -1).T
        out = self.col @ self.w_col + self.b
        return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        fn, _, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(self.W.shape)
        dcol = dout @ self.w_col.T
        return loop_col2im(dcol, self.x_shape, fh, fw, self.stride, self.pad)


class LoopPooling:
    """Max pooling on :func:`loop_im2col` with ``argmax`` over each window's row."""

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, c, h, w = x.shape
        oh = (h + 2 * self.pad - self.pool_h) // self.stride + 1
        ow = (w + 2 * self.pad - self.pool_w) // self.stride + 1
        col = loop_im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        self.x_shape, self.arg_max = x.shape, col.argmax(axis=1)
        return col.max(axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.transpose(0, 2, 3, 1).ravel()
        size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, size), dout.dtype)
        dmax[np.arange(dout.size), self.arg_max] = dout
        dcol = dmax.reshape(-1, self.x_shape[1] * size)
        return loop_col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)


class PlainSimpleConvNet:
    """SimpleConvNet's layers with the given convolution and pooling classes, same parameters."""

    def __init__(self, params: dict[str, np.ndarray], conv_cls: type, pool_cls: type) -> None:
        self.params = params
        self.layers = [
            conv_cls(params["W1"], params["b1"]),
            Relu(),
            pool_cls(2, 2, stride=2),
            Affine(params["W2"], params["b2"]),
            Relu(),
            Affine(params["W3"], params["b3"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        for layer in self.layers:
            x = layer.forward(x)
        self.last_layer.forward(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        conv, fc1, fc2 = self.layers[0], self.layers[3], self.layers[5]
        return {
            "W1": conv.dW, "b1": conv.db, "W2": fc1.dW, "b2": fc1.db, "W3": fc2.dW, "b3": fc2.db,
        }  # fmt: skip


# --------------------------------------------------------------------------- cases


def conv_case(rng: np.random.Generator) -> dict[str, Callable[[], Any]]:
    """(a) Convolution (100, 16, 28, 28) * (32, 16, 3, 3), pad 1, float32, forward + backward."""
    x = rng.standard_normal((100, 16, 28, 28), dtype=np.float32)
    W = (rng.standard_normal((32, 16, 3, 3), dtype=np.float32) * 0.1).astype(np.float32)
    b = np.zeros(32, np.float32)
    dout = rng.standard_normal((100, 32, 28, 28), dtype=np.float32)
    if torch is not None:
        tW, tb = torch.from_numpy(W).requires_grad_(), torch.from_numpy(b).requires_grad_()

    def torch_op(tx: Any) -> Any:
        return torch.nn.functional.conv2d(tx, tW, tb, padding=1)

    classes = (FastConvolution, Convolution, LoopConvolution)
    runs = layer_runs(lambda cls: cls(W, b, pad=1), x, dout, classes, torch_op)
    # the three matrix products both implementations do, alone: no im2col can beat these
    col = loop_im2col(x, 3, 3, pad=1)
    w_col = W.reshape(32, -1).T
    dmat = np.ascontiguousarray(dout.transpose(0, 2, 3, 1)).reshape(-1, 32)
    runs["matmuls only"] = lambda: (col @ w_col, col.T @ dmat, dmat @ w_col.T)
    return runs


def pool_case(rng: np.random.Generator) -> dict[str, Callable[[], Any]]:
    """(b) 2x2 max pooling, stride 2, on ReLU(conv) activations (100, 30, 24, 24), float32."""
    x = np.maximum(rng.standard_normal((100, 30, 24, 24), dtype=np.float32), 0)  # ties at 0
    dout = rng.standard_normal((100, 30, 12, 12), dtype=np.float32)

    def torch_op(tx: Any) -> Any:
        return torch.nn.functional.max_pool2d(tx, 2, 2)

    classes = (FastPooling, Pooling, LoopPooling)
    return layer_runs(lambda cls: cls(2, 2, stride=2), x, dout, classes, torch_op)


def layer_runs(
    make: Callable[[type], Any],
    x: np.ndarray,
    dout: np.ndarray,
    classes: tuple[type, type, type],
    torch_op: Callable[[Any], Any],
) -> dict[str, Callable[[], Any]]:
    """forward + backward closures for the fast, readable and loop classes and PyTorch."""
    runs: dict[str, Callable[[], Any]] = {}
    for name, cls in zip(("fast", "readable", "loops"), classes, strict=True):
        layer = make(cls)
        runs[name] = lambda layer=layer: (layer.forward(x), layer.backward(dout))
    if torch is not None:
        tx, tdout = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

        def torch_run() -> None:
            tx.grad = None
            torch_op(tx).backward(tdout)

        runs["torch"] = torch_run
    return runs


def step_case(rng: np.random.Generator) -> dict[str, Callable[[], Any]]:
    """(c) SimpleConvNet training step: gradient + Adam update, batch 100, float32."""
    x = rng.random((100, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, 10, 100)
    net = SimpleConvNet(rng=np.random.default_rng(0), dtype=np.float32)
    copies = [{k: v.copy() for k, v in net.params.items()} for _ in range(2)]
    readable_net = PlainSimpleConvNet(copies[0], Convolution, Pooling)
    loop_net = PlainSimpleConvNet(copies[1], LoopConvolution, LoopPooling)
    runs: dict[str, Callable[[], Any]] = {}
    for name, model in (("fast", net), ("readable", readable_net), ("loops", loop_net)):
        optimizer = Adam(lr=0.001)
        runs[name] = lambda model=model, opt=optimizer: opt.update(
            model.params, model.gradient(x, t)
        )
    if torch is not None:
        tparams = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
        topt = torch.optim.Adam(tparams.values(), lr=0.001)
        tx, tt = torch.from_numpy(x), torch.from_numpy(t)
        F = torch.nn.functional
        p = tparams

        def torch_step() -> None:
            topt.zero_grad()
            h = F.max_pool2d(F.relu(F.conv2d(tx, p["W1"], p["b1"])), 2, 2).flatten(1)
            scores = F.relu(h @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
            F.cross_entropy(scores, tt).backward()
            topt.step()

        runs["torch"] = torch_step
    return runs


# --------------------------------------------------------------------------- timing


def time_in_blocks(
    runs: dict[str, Callable[[], Any]], repeat: int, warmup: int, rounds: int = ROUNDS
) -> dict[str, np.ndarray]:
    """Seconds per call of each run: blocks of consecutive calls, blocks taken in turns.

    Calls are not interleaved one by one: after a matrix product OpenBLAS's threads spin
    for a while before they sleep, and so do PyTorch's, and the spinning threads of one
    library would slow the next call of the other. Each block therefore starts after a
    pause and with untimed warm-up calls; taking the blocks in turns, ``rounds`` times,
    spreads changes in background load over all implementations.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    per_block = max(1, -(-repeat // rounds))
    for _ in range(rounds):
        for name, run in runs.items():
            time.sleep(SETTLE_SECONDS)
            for _ in range(warmup):
                run()
            for _ in range(per_block):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    return {name: np.array(ts) for name, ts in times.items()}


def blas_info() -> str:
    """BLAS library, kernel set and thread count numpy uses, as far as can be found out."""
    try:
        from threadpoolctl import threadpool_info  # optional

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            return (
                f"{p.get('internal_api')} {p.get('version')}, kernels "
                f"{p.get('architecture')}, {p.get('num_threads')} threads"
            )
    except ImportError:
        pass
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "")):
                threads = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                corename = getattr(lib, f"{prefix}get_corename{suffix}", None)
                if threads and corename:
                    corename.restype = ctypes.c_char_p
                    core = corename().decode()
                    name = os.path.basename(path)
                    return f"OpenBLAS ({name}), kernels {core}, {threads()} threads"
        except OSError:
            continue
    return "unknown (pip install threadpoolctl to find out)"


def print_table(title: str, times: dict[str, np.ndarray]) -> None:
    best = {name: float(ts.min()) for name, ts in times.items()}
    print(f"\n{title}")
    print(f"  {'implementation':<16}{'best ms':>10}{'median ms':>12}{'/ fast':>10}")
    for name, ts in times.items():
        ratio = best[name] / best["fast"]
        print(f"  {name:<16}{best[name] * 1e3:>10.2f}{np.median(ts) * 1e3:>12.2f}{ratio:>9.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per implementation")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls per block")
    args = parser.parse_args(argv)

    print(f"numpy {np.__version__}; BLAS: {blas_info()}")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if name in os.environ:
            print(f"  {name}={os.environ[name]} is set in the environment and applies here")
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores")
    if torch is None:
        print("PyTorch: not installed, its columns and targets are skipped")
    else:
        torch.set_num_threads(TORCH_THREADS)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    print(
        f"timing: {args.repeat} calls each, in {ROUNDS} blocks taken in turns, each block after "
        f"a {SETTLE_SECONDS} s pause and {args.warmup} warm-up calls"
    )

    rng = np.random.default_rng(0)
    cases = {
        "conv": ("(a) Convolution fwd+bwd, x (100,16,28,28), W (32,16,3,3), pad 1", conv_case),
        "pool": ("(b) Pooling 2x2 stride 2 fwd+bwd, x (100,30,24,24)", pool_case),
        "step": ("(c) SimpleConvNet training step, batch 100, Adam", step_case),
    }
    best: dict[tuple[str, str], float] = {}
    for key, (title, make) in cases.items():
        times = time_in_blocks(make(rng), args.repeat, args.warmup)
        print_table(f"{title}, float32", times)
        best.update({(key, name): float(ts.min()) for name, ts in times.items()})

    print("\nTargets (ratios of best times)")
    for name, measured, baseline, limit in TARGETS:
        if measured not in best or baseline not in best:
            print(f"  SKIP  {name} (no {baseline[1]} measurement)")
            continue
        ratio = best[measured] / best[baseline]
        verdict = "PASS" if ratio <= limit else "MISS"
        shown = f"{ratio:.2f}x" if limit >= 1 else f"speed-up {1 / ratio:.1f}x"
        print(f"  {verdict}  {name}: {shown}")
    if ("conv", "matmuls only") in best and ("conv", "loops") in best:
        loops, products = best["conv", "loops"] * 1e3, best["conv", "matmuls only"] * 1e3
        print(
            f"  note: {products:.1f} of the loop reference's {loops:.1f} ms are its three matrix "
            f"products, which every im2col convolution needs (fastconv orders them to run a "
            f"little faster); 4x would need the whole fast forward + backward in "
            f"{loops / 4:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
