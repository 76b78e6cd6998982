"""One algorithm per name: the assignments' model solutions compute what ``dlfs`` computes.

For every function and class an assignment asks for, the solution cells of its nbgrader
source notebook in ``solutions/`` are run (the test cells are not), and the solution is
compared with the library on random inputs: outputs, ``dx`` and the parameter gradients,
the running statistics of batch normalization, and several optimizer steps, also with
gradients as small as 1e-6 (where the place of an ``eps`` shows). Both are built with the
same arguments, and also with their defaults, so constants and defaults must agree too.
They must agree to 1e-9 relative to the size of the library's result. The chapters show
the library's code, and ``gradient_descent``, which the chapter writes out itself, is
compared with the chapter's version as well.
"""

from __future__ import annotations

import ast
import functools
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlfs import conv, functions, gradient, layers, optimizers

from autograder.notebooks import nbgrader_meta, read_notebook

REPO = Path(__file__).resolve().parents[1]
RTOL = 1e-9

Comparison = tuple[str, Any, Any]  # (what, the solution's value, the library's value)
Compare = Callable[[dict[str, Any], np.random.Generator], Iterator[Comparison]]


def solution_code(assignment: str) -> str:
    """The code of the notebook's cells that are not tests: imports and solution cells."""
    nb = read_notebook(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    cells = [
        cell.source
        for cell in nb.cells
        if cell.cell_type == "code"
        and (nbgrader_meta(cell).get("solution") or not nbgrader_meta(cell).get("grade"))
    ]
    return "\n\n".join(cells)


@functools.cache
def solution(assignment: str) -> dict[str, Any]:
    """The names defined by running the solution code of ``assignment``."""
    namespace: dict[str, Any] = {"__name__": f"solution_{assignment}"}
    exec(compile(solution_code(assignment), f"{assignment}.ipynb", "exec"), namespace)
    return namespace


def agree(actual: Any, expected: Any, what: str) -> None:
    """Assert ``max|actual - expected| <= RTOL * max|expected|`` (same shape)."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} in the solution, {e.shape} in dlfs"
    if a.size == 0:
        return
    scale = float(np.max(np.abs(e)))
    difference = float(np.max(np.abs(a - e)))
    assert difference <= RTOL * max(scale, np.finfo(np.float64).tiny), (
        f"{what}: the solution and dlfs differ by {difference:.3g} "
        f"({difference / scale if scale else np.inf:.3g} relative)"
    )


# --------------------------------------------------------------------------- 01 losses


def softmax_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape in [(7,), (4, 9), (2, 3, 5)]:
        x = rng.standard_normal(shape) * 5
        yield f"softmax of {shape}", sol["softmax"](x), functions.softmax(x)
    x = rng.standard_normal((3, 4)) * 1000
    yield "softmax of large scores", sol["softmax"](x), functions.softmax(x)


def mse_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape in [(10,), (6, 4)]:
        y, t = rng.random(shape), rng.random(shape)
        yield f"MSE of {shape}", sol["mean_squared_error"](y, t), functions.mean_squared_error(y, t)


def cee_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    cee = sol["cross_entropy_error"]
    y = functions.softmax(rng.standard_normal((6, 5)) * 3)
    y[0, 2] = 0.0  # log(0 + delta): the constant delta shows
    labels = rng.integers(0, 5, size=6)
    labels[0] = 2
    one_hot = np.eye(5)[labels]
    yield "labels", cee(y, labels), functions.cross_entropy_error(y, labels)
    yield "one-hot", cee(y, one_hot), functions.cross_entropy_error(y, one_hot)
    yield "one sample, label", cee(y[1], labels[1]), functions.cross_entropy_error(y[1], labels[1])
    yield (
        "one sample, one-hot",
        cee(y[1], one_hot[1]),
        functions.cross_entropy_error(y[1], one_hot[1]),
    )


# --------------------------------------------------------------------------- 02 numerics


def _bumpy(w: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda v: float(np.sum(w * np.sin(v)) + 0.25 * np.sum(v**4))


def numerical_diff_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    def f(x: float) -> float:
        return float(np.sin(3 * x) + x**3)

    for x in rng.standard_normal(3):
        yield f"at {x:.3f}", sol["numerical_diff"](f, x), gradient.numerical_diff(f, x)
        yield (
            f"at {x:.3f}, h=1e-2",
            sol["numerical_diff"](f, x, 1e-2),
            gradient.numerical_diff(f, x, 1e-2),
        )


def numerical_gradient_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape in [(5,), (3, 4), (2, 3, 2)]:
        f, x = _bumpy(rng.standard_normal(shape)), rng.standard_normal(shape)
        expected = gradient.numerical_gradient(f, x.copy())
        yield f"default h, {shape}", sol["numerical_gradient"](f, x.copy()), expected
        expected = gradient.numerical_gradient(f, x.copy(), h=1e-3)
        yield f"h=1e-3, {shape}", sol["numerical_gradient"](f, x.copy(), h=1e-3), expected


@functools.cache
def chapter_descent_path() -> Callable[..., np.ndarray]:
    """``descent_path`` as chapter 4 writes it: gradient descent that returns the path, one
    point a row."""
    text = (REPO / "chapters" / "04_numerical_gradient.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.DOTALL)
    (code,) = [cell for cell in cells if "def descent_path(" in cell]
    namespace: dict[str, Any] = {"np": np, "numerical_gradient": gradient.numerical_gradient}
    exec(compile(code, "04_numerical_gradient.md", "exec"), namespace)
    return namespace["descent_path"]


def gradient_descent_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    def library(f: Callable[[np.ndarray], float], x0: np.ndarray, lr: float, steps: int):
        x = x0.copy()
        for _ in range(steps):
            x -= lr * gradient.numerical_gradient(f, x)
        return x

    f, x0 = _bumpy(rng.standard_normal((2, 3))), rng.standard_normal((2, 3))
    got = sol["gradient_descent"](f, x0.copy(), 0.05, 20)
    yield "lr=0.05, 20 steps", got, library(f, x0, 0.05, 20)
    yield "lr=0.05, 20 steps, chapter 4", got, chapter_descent_path()(f, x0, 0.05, 20)[-1]
    yield "defaults", sol["gradient_descent"](f, x0.copy()), library(f, x0, 0.01, 100)


# --------------------------------------------------------------------------- layers


def _layer_grads(layer: Any) -> dict[str, Any]:
    names = ("dW", "db", "dgamma", "dbeta")
    return {name: getattr(layer, name) for name in names if getattr(layer, name, None) is not None}


def compare_layers(
    mine: Any,
    theirs: Any,
    x: np.ndarray,
    rng: np.random.Generator,
    what: str,
    **forward_kwargs: Any,
) -> Iterator[Comparison]:
    """Forward, backward and every parameter gradient of two layers on the same input."""
    out = mine.forward(x.copy(), **forward_kwargs)
    yield f"{what}: forward", out, theirs.forward(x.copy(), **forward_kwargs)
    dout = rng.standard_normal(np.shape(out))
    yield f"{what}: dx", mine.backward(dout.copy()), theirs.backward(dout.copy())
    expected = _layer_grads(theirs)
    assert set(_layer_grads(mine)) == set(expected), f"{what}: different parameter gradients"
    for name, value in _layer_grads(mine).items():
        yield f"{what}: {name}", value, expected[name]


def mul_add_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for name in ("MulLayer", "AddLayer"):
        x, y, dout = rng.standard_normal((3, 4, 5))
        mine, theirs = sol[name](), getattr(layers, name)()
        yield f"{name} forward", mine.forward(x, y), theirs.forward(x, y)
        for k, (a, b) in enumerate(zip(mine.backward(dout), theirs.backward(dout), strict=True)):
            yield f"{name} backward, input {k}", a, b


def activation_case(name: str) -> Compare:
    def compare(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
        x = rng.standard_normal((4, 3, 5)) * 4
        yield from compare_layers(sol[name](), getattr(layers, name)(), x, rng, name)

    return compare


def affine_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for x_shape in [(5, 12), (4, 3, 2, 2)]:
        W, b = rng.standard_normal((12, 7)), rng.standard_normal(7)
        x = rng.standard_normal(x_shape)
        mine, theirs = sol["Affine"](W.copy(), b.copy()), layers.Affine(W.copy(), b.copy())
        yield from compare_layers(mine, theirs, x, rng, f"Affine on {x_shape}")


def softmax_with_loss_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    labels = rng.integers(0, 4, size=6)
    for scale in (3.0, 500.0):  # at 500 some true classes get probability ~0: log(0) shows
        x = rng.standard_normal((6, 4)) * scale
        for t, kind in ((labels, "labels"), (np.eye(4)[labels], "one-hot")):
            what = f"SoftmaxWithLoss, scores x {scale:g}, {kind}"
            mine, theirs = sol["SoftmaxWithLoss"](), layers.SoftmaxWithLoss()
            yield f"{what}: loss", mine.forward(x.copy(), t), theirs.forward(x.copy(), t)
            yield f"{what}: dx", mine.backward(), theirs.backward()
            yield f"{what}: dx, dout=2.5", mine.backward(2.5), theirs.backward(2.5)


# --------------------------------------------------------------------------- optimizers

OPTIMIZER_SETTINGS: dict[str, list[dict[str, float]]] = {
    "SGD": [{}, {"lr": 0.3}],
    "Momentum": [{}, {"lr": 0.05, "momentum": 0.8}],
    "AdaGrad": [{}, {"lr": 0.2}],
    "RMSprop": [{}, {"lr": 0.02, "decay_rate": 0.9}],
    "Adam": [{}, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99}],
}


def optimizer_case(name: str) -> Compare:
    def compare(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
        shapes = {"W1": (3, 4), "b1": (4,), "W2": (4, 2)}
        for settings in OPTIMIZER_SETTINGS[name]:
            for scale in (1.0, 1e-6):
                start = {key: rng.standard_normal(shape) for key, shape in shapes.items()}
                mine_params = {key: value.copy() for key, value in start.items()}
                their_params = {key: value.copy() for key, value in start.items()}
                mine, theirs = sol[name](**settings), getattr(optimizers, name)(**settings)
                for step in range(1, 6):
                    grads = {key: rng.standard_normal(s) * scale for key, s in shapes.items()}
                    mine.update(mine_params, {k: g.copy() for k, g in grads.items()})
                    theirs.update(their_params, grads)
                    for key in shapes:
                        # the size of the steps so far, so that a tiny step is compared as such
                        moved = mine_params[key] - start[key]
                        expected = their_params[key] - start[key]
                        what = f"{name}({settings}), gradients ~{scale:g}, step {step}, {key}"
                        yield what, moved, expected

    return compare


# --------------------------------------------------------------------------- regularisation


def dropout_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    x = rng.standard_normal((20, 30))
    for args in [(), (0.3,)]:
        seed = int(rng.integers(1 << 30))
        mine = sol["Dropout"](*args, rng=np.random.default_rng(seed))
        theirs = layers.Dropout(*args, rng=np.random.default_rng(seed))
        what = f"Dropout{args or '()'}"
        yield from compare_layers(mine, theirs, x, rng, f"{what}, training")
        out = mine.forward(x, train_flg=False)
        yield f"{what}, testing: forward", out, theirs.forward(x, train_flg=False)
        dout = rng.standard_normal(x.shape)
        yield f"{what}, testing: backward", mine.backward(dout), theirs.backward(dout)


def batchnorm_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape in [(6, 4), (5, 2, 3, 3)]:
        d = int(np.prod(shape[1:]))
        gamma, beta = rng.standard_normal(d) + 1.0, rng.standard_normal(d)
        mine = sol["BatchNormalization"](gamma.copy(), beta.copy())
        theirs = layers.BatchNormalization(gamma.copy(), beta.copy())
        for step in range(2):
            # small variances, where the eps added to them shows
            x = rng.standard_normal(shape) * 0.01 + 3.0
            what = f"BatchNormalization on {shape}, training step {step}"
            yield from compare_layers(mine, theirs, x, rng, what, train_flg=True)
            yield f"{what}: running_mean", mine.running_mean, theirs.running_mean
            yield f"{what}: running_var", mine.running_var, theirs.running_var
        x = rng.standard_normal(shape) * 0.01 + 3.0
        out = mine.forward(x, train_flg=False)
        yield f"BatchNormalization on {shape}, testing", out, theirs.forward(x, train_flg=False)


# --------------------------------------------------------------------------- 05 convolution

# (input shape, filter or window (h, w), stride, pad)
GEOMETRIES = [
    ((2, 3, 7, 7), (3, 3), 1, 1),
    ((2, 3, 8, 6), (2, 2), 2, 0),
    ((1, 2, 7, 9), (3, 2), 2, 1),
    ((3, 1, 5, 5), (5, 5), 1, 0),
]


def im2col_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape, (fh, fw), stride, pad in GEOMETRIES:
        x = rng.standard_normal(shape)
        what = f"im2col of {shape}, {fh}x{fw}, stride {stride}, pad {pad}"
        yield what, sol["im2col"](x, fh, fw, stride, pad), conv.im2col(x, fh, fw, stride, pad)


def col2im_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape, (fh, fw), stride, pad in GEOMETRIES:
        rows = conv.im2col(np.zeros(shape), fh, fw, stride, pad).shape
        col = rng.standard_normal(rows)
        what = f"col2im to {shape}, {fh}x{fw}, stride {stride}, pad {pad}"
        yield (
            what,
            sol["col2im"](col, shape, fh, fw, stride, pad),
            conv.col2im(col, shape, fh, fw, stride, pad),
        )


def convolution_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape, (fh, fw), stride, pad in GEOMETRIES:
        W, b = rng.standard_normal((4, shape[1], fh, fw)), rng.standard_normal(4)
        mine = sol["Convolution"](W.copy(), b.copy(), stride, pad)
        theirs = conv.Convolution(W.copy(), b.copy(), stride, pad)
        x = rng.standard_normal(shape)
        what = f"Convolution of {shape}, {fh}x{fw}, stride {stride}, pad {pad}"
        yield from compare_layers(mine, theirs, x, rng, what)
    W, b = rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2)
    x = rng.standard_normal((2, 3, 5, 5))
    mine, theirs = sol["Convolution"](W.copy(), b.copy()), conv.Convolution(W.copy(), b.copy())
    yield from compare_layers(mine, theirs, x, rng, "Convolution with the default stride and pad")


def pooling_case(sol: dict[str, Any], rng: np.random.Generator) -> Iterator[Comparison]:
    for shape, (ph, pw), stride, pad in [*GEOMETRIES, ((2, 2, 6, 6), (2, 2), 1, 0)]:
        x = rng.standard_normal(shape)
        mine = sol["Pooling"](ph, pw, stride, pad)
        theirs = conv.Pooling(ph, pw, stride, pad)
        what = f"Pooling of {shape}, {ph}x{pw}, stride {stride}, pad {pad}"
        yield from compare_layers(mine, theirs, x, rng, what)
        yield f"{what}: arg_max", mine.arg_max, theirs.arg_max
    x = rng.standard_normal((2, 2, 4, 4))
    mine, theirs = sol["Pooling"](2, 2), conv.Pooling(2, 2)
    yield from compare_layers(mine, theirs, x, rng, "Pooling with the default stride and pad")


# --------------------------------------------------------------------------- the registry

# name an assignment asks for: (assignment, comparison)
CASES: dict[str, tuple[str, Compare]] = {
    "softmax": ("01_loss_functions", softmax_case),
    "mean_squared_error": ("01_loss_functions", mse_case),
    "cross_entropy_error": ("01_loss_functions", cee_case),
    "numerical_diff": ("02_numerical_gradient", numerical_diff_case),
    "numerical_gradient": ("02_numerical_gradient", numerical_gradient_case),
    "gradient_descent": ("02_numerical_gradient", gradient_descent_case),
    "MulLayer": ("03_backprop", mul_add_case),
    "AddLayer": ("03_backprop", mul_add_case),
    "Relu": ("03_backprop", activation_case("Relu")),
    "Sigmoid": ("03_backprop", activation_case("Sigmoid")),
    "Affine": ("03_backprop", affine_case),
    "SoftmaxWithLoss": ("03_backprop", softmax_with_loss_case),
    **{name: ("04_optimizers", optimizer_case(name)) for name in OPTIMIZER_SETTINGS},
    "Dropout": ("04_optimizers", dropout_case),
    "BatchNormalization": ("04_optimizers", batchnorm_case),
    "im2col": ("05_cnn", im2col_case),
    "col2im": ("05_cnn", col2im_case),
    "Convolution": ("05_cnn", convolution_case),
    "Pooling": ("05_cnn", pooling_case),
}


@pytest.mark.parametrize("name", CASES)
def test_solution_matches_library(name: str) -> None:
    assignment, compare = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    compared = 0
    for what, got, expected in compare(solution(assignment), rng):
        agree(got, expected, f"{name}: {what}")
        compared += 1
    assert compared >= 2, f"{name}: too few comparisons"


@pytest.mark.parametrize("assignment", sorted({a for a, _ in CASES.values()}))
def test_every_graded_name_is_compared(assignment: str) -> None:
    """Each function and class the solution cells define is in the registry."""
    tree = ast.parse(solution_code(assignment))
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }
    assert defined == {name for name, (a, _) in CASES.items() if a == assignment}
