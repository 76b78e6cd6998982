"""Trusted checks of assignment 02_numerical_gradient: numerical derivatives and descent.

The student's functions take a function ``f``, and code cannot be sent into the sandbox, so
the checks ask the runner to build ``f`` from data (:class:`Fn`: polynomials, weighted sums of
an elementwise function, quadratic forms). The expected values are computed here from the
closed-form derivatives; a central difference of a polynomial of degree 3 is exact up to the
known ``h**2`` term, which also shows whether the given ``h`` was used.

Each function is graded on its own: while ``gradient_descent`` is checked, the name
``numerical_gradient`` in the student's notebook is the course's version (and
``numerical_diff`` while ``numerical_gradient`` is), so a bug costs only its own points.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import CheckFailed, Fn, Remote, Session, Suite, array, close, fail, tr

SUITE = Suite("02_numerical_gradient", banned_modules=("dlfs.gradient",))
rng_seed = 0x02D1F


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


def _polynomial(coefs: list[float]) -> Fn:
    """f(x) = sum_k coefs[k] * x**k for a number x."""
    return Fn("polynomial", ([float(c) for c in coefs],))


def _weighted(weights: np.ndarray, inner: str) -> Fn:
    """f(x) = sum(weights * g(x)) with g one of x, x2, sin, cube, elementwise."""
    return Fn("weighted_sum", (np.asarray(weights, dtype=float), inner))


def _quadratic(a: np.ndarray, b: np.ndarray) -> Fn:
    """f(x) = 0.5 x.A.x + b.x over the flattened x; its gradient is 0.5 (A + A.T) x + b."""
    return Fn("quadratic", (a, b))


def _number(value: object, what: str) -> float:
    result = array(value, what)
    if result.size != 1:
        fail(
            "{what} should be one number, got an array of shape {shape}",
            what=what,
            shape=result.shape,
        )
    return float(result.reshape(()))


def _near(value: float, expected: float, tol: float, what: str, hint: str = "") -> None:
    if not abs(value - expected) <= tol:
        raise CheckFailed(
            tr(
                "{what} is {value:.10g}, expected {expected:.10g}",
                what=what,
                value=value,
                expected=expected,
            )
            + hint
        )


# numerical_diff --------------------------------------------------------------------------


@SUITE.check("a2_numerical_diff", own=("numerical_diff",))
def numerical_diff(s: Session) -> None:
    fn = s.get("numerical_diff")
    d = _number(fn(_polynomial([0, 0, 1]), 3.0), tr("numerical_diff of x**2 at 3"))
    _near(d, 6.0, 1e-6, tr("numerical_diff of x**2 at 3"))
    d = _number(
        fn(_polynomial([0, 0.1, 0.01]), 5.0), tr("numerical_diff of 0.01 x**2 + 0.1 x at 5")
    )
    _near(d, 0.2, 1e-6, tr("numerical_diff of 0.01 x**2 + 0.1 x at 5"))

    central = tr(" (use the central difference (f(x + h) - f(x - h)) / (2 h))")
    rng = _rng(1)
    for _ in range(3):
        coefs = rng.uniform(-2, 2, size=4)
        x = float(rng.uniform(-2, 2))
        what = tr("numerical_diff of a random cubic polynomial")
        slope = coefs[1] + 2 * coefs[2] * x + 3 * coefs[3] * x**2
        # a central difference of a cubic is the slope plus coefs[3] * h**2, exactly
        d = _number(fn(_polynomial(list(coefs)), x), what)
        _near(d, slope + coefs[3] * 1e-8, 1e-7, what, central)
        what = tr("{what} with h=1e-3", what=what)
        d = _number(fn(_polynomial(list(coefs)), x, 1e-3), what)
        _near(d, slope + coefs[3] * 1e-6, 1e-9, what, tr(" (use the step h you are given)"))
    for x in rng.uniform(-3, 3, size=4):
        what = tr("numerical_diff of sin at {x:.3f}", x=x)
        d = _number(fn(_weighted(np.array(1.0), "sin"), float(x)), what)
        _near(d, float(np.cos(x)), 1e-7, what, central)


# numerical_gradient ----------------------------------------------------------------------


def _gradient(fn: Remote, f: Fn, x: np.ndarray, expected: np.ndarray, what: str, *h: float) -> None:
    grad, (_, x_after, *_) = fn.call_keep_args("__call__", f, x, *h)
    grad = array(grad, what, x.shape)
    if (
        isinstance(x_after, np.ndarray)
        and not np.array_equal(x_after, x)
        and np.array_equal(x_after, grad)
    ):
        fail("{what}: return a new array, not x itself", what=what)
    close(grad, expected, what, rtol=1e-6, atol=1e-7)


@SUITE.check("a2_gradient_1d", own=("numerical_gradient",), uses=("numerical_diff",))
def gradient_1d(s: Session) -> None:
    fn = s.get("numerical_gradient")
    x = np.array([3.0, 4.0])
    _gradient(
        fn, _weighted(np.ones(2), "x2"), x, 2 * x, tr("numerical_gradient of sum(x**2) at [3, 4]")
    )
    x = np.array([0.0, 2.0])
    _gradient(
        fn, _weighted(np.ones(2), "x2"), x, 2 * x, tr("numerical_gradient of sum(x**2) at [0, 2]")
    )

    rng = _rng(2)
    n = 11
    x = rng.uniform(-2, 2, size=n)
    w = rng.uniform(0.5, 2, size=n) * rng.choice([-1, 1], size=n)
    what = tr("numerical_gradient of a weighted sum of sin on a random 11-element vector")
    _gradient(fn, _weighted(w, "sin"), x, w * np.cos(x), what)
    a = rng.standard_normal((n, n))
    b = rng.standard_normal(n)
    what = tr("numerical_gradient of a quadratic function of a random 11-element vector")
    _gradient(fn, _quadratic(a, b), x, 0.5 * (a + a.T) @ x + b, what)
    w = rng.uniform(0.5, 2, size=3)
    x = np.array([1.0, -2.0, 0.5])
    what = tr(
        "numerical_gradient with h=1e-2 of a weighted sum of cubes (use the step h you are given)"
    )
    # the central difference of w x**3 is w (3 x**2 + h**2), exactly
    _gradient(fn, _weighted(w, "cube"), x, w * (3 * x**2 + 1e-4), what, 1e-2)


@SUITE.check("a2_gradient_nd", own=("numerical_gradient",), uses=("numerical_diff",))
def gradient_nd(s: Session) -> None:
    fn = s.get("numerical_gradient")
    x = np.arange(6, dtype=float).reshape(2, 3)
    what = tr("numerical_gradient of sum(x**2) for a (2, 3) array")
    _gradient(fn, _weighted(np.ones((2, 3)), "x2"), x, 2 * x, what)

    rng = _rng(3)
    for shape in [(3, 4), (2, 3, 4), (2, 1, 3, 2), (1, 5)]:
        x = rng.standard_normal(shape)
        w = rng.standard_normal(shape)
        what = tr(
            "numerical_gradient of a weighted sum of cubes for a random {shape} array", shape=shape
        )
        _gradient(fn, _weighted(w, "cube"), x, 3 * w * x**2 + w * 1e-8, what)
        size = int(np.prod(shape))
        a = rng.standard_normal((size, size))
        b = rng.standard_normal(size)
        what = tr(
            "numerical_gradient of a quadratic function of a random {shape} array", shape=shape
        )
        expected = (0.5 * (a + a.T) @ x.ravel() + b).reshape(shape)
        _gradient(fn, _quadratic(a, b), x, expected, what)


@SUITE.check("a2_gradient_restores", own=("numerical_gradient",), uses=("numerical_diff",))
def gradient_restores(s: Session) -> None:
    fn = s.get("numerical_gradient")
    rng = _rng(4)
    cases = [
        (np.array([[0.1, 0.2, 0.3], [1e3 + 0.1, -7.7, 3.3]]), ()),
        (rng.standard_normal((4, 5)) * 123.456 + 0.1, (1e-3,)),
        (rng.standard_normal((3, 2, 3)) * 1e4, ()),
    ]
    for x, h in cases:
        f = _weighted(rng.standard_normal(x.shape), "sin")
        _, (_, x_after, *_) = fn.call_keep_args("__call__", f, x, *h)
        if not (isinstance(x_after, np.ndarray) and x_after.shape == x.shape):
            fail("numerical_gradient replaced x by something else")
        if not np.array_equal(x_after, x):
            changed = int(np.sum(x_after != x))
            fail(
                "numerical_gradient changed {changed} of the {size} elements of a {shape} x: "
                "save each original value and write it back, instead of adding and "
                "subtracting h",
                changed=changed,
                size=x.size,
                shape=x.shape,
            )


# gradient_descent ------------------------------------------------------------------------


@SUITE.check("a2_gd", own=("gradient_descent",), uses=("numerical_gradient",))
def gradient_descent(s: Session) -> None:
    fn = s.get("gradient_descent")
    f2 = _weighted(np.ones(2), "x2")
    start = np.array([-3.0, 4.0])
    what = tr("gradient_descent of x0**2 + x1**2 from [-3, 4] with lr=0.1")
    x = array(fn(f2, start, lr=0.1, step_num=100), tr("{what}, 100 steps", what=what), (2,))
    close(
        x, np.zeros(2), tr("{what}, 100 steps (the minimum [0, 0])", what=what), rtol=0, atol=1e-6
    )
    x = array(fn(f2, start, lr=0.1, step_num=1), tr("{what}, one step", what=what), (2,))
    close(x, np.array([-2.4, 3.2]), tr("{what}, one step", what=what))

    rng = _rng(5)
    a = rng.uniform(0.5, 2.0, size=(2, 3))
    x0 = rng.standard_normal((2, 3))
    lr, steps = 0.05, 17
    what = tr(
        "gradient_descent of sum(a * x**2) from a random (2, 3) point ({steps} steps)", steps=steps
    )
    x = array(fn(_weighted(a, "x2"), x0, lr=lr, step_num=steps), what, (2, 3))
    close(x, x0 * (1 - 2 * lr * a) ** steps, what, rtol=1e-6, atol=1e-9)
    lr, steps = 0.02, 5
    a = rng.standard_normal((4, 4))
    a = a @ a.T + np.eye(4)
    b = rng.standard_normal(4)
    x0 = rng.standard_normal(4)
    expected = x0.copy()
    for _ in range(steps):
        expected -= lr * (a @ expected + b)
    what = tr(
        "gradient_descent of a quadratic function from a random point ({steps} steps)", steps=steps
    )
    x = array(fn(_quadratic(a, b), x0, lr=lr, step_num=steps), what, (4,))
    close(x, expected, what, rtol=1e-6, atol=1e-9)
    x1 = rng.standard_normal(4)
    what = tr("gradient_descent with step_num=0 (the starting point must come back)")
    x = array(fn(_weighted(np.ones(4), "x2"), x1, lr=0.3, step_num=0), what, (4,))
    close(x, x1, what)


@SUITE.check("a2_gd_input", own=("gradient_descent",), uses=("numerical_gradient",))
def gradient_descent_input(s: Session) -> None:
    fn = s.get("gradient_descent")
    rng = _rng(6)
    cases = [
        (_weighted(np.ones(2), "x2"), np.array([-3.0, 4.0]), 0.1, 10),
        (_weighted(np.ones((3, 2)), "sin"), rng.standard_normal((3, 2)), 0.2, 3),
    ]
    for f, init_x, lr, steps in cases:
        x, (_, init_after, *_) = fn.call_keep_args("__call__", f, init_x, lr, steps)
        array(x, tr("the result of gradient_descent"), init_x.shape)
        if not (isinstance(init_after, np.ndarray) and np.array_equal(init_after, init_x)):
            fail(
                "gradient_descent moved the caller's init_x: work on a copy "
                "(x = np.array(init_x, dtype=float)), and return that"
            )
