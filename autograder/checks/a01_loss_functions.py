"""Trusted checks of assignment 01_loss_functions: softmax and the two losses.

Reference values are computed here with plain NumPy; the student's functions only return
numbers and arrays. The overflow and ``log(0)`` checks cannot watch NumPy's warnings inside
the sandbox, so they check the results instead: an overflowing softmax or a missing delta
gives nan or inf.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import CheckFailed, Remote, Session, Suite, array, close, fail, tr, unchanged

SUITE = Suite("01_loss_functions", banned_modules=("dlfs.functions",))
rng_seed = 0x01A55


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _probabilities(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return _softmax(rng.standard_normal((n, k)) * 1.5)


def _reference_cee(y: np.ndarray, labels: np.ndarray) -> float:
    y2 = y.reshape(-1, y.shape[-1])
    return float(-np.mean(np.log(y2[np.arange(len(y2)), np.ravel(labels)] + 1e-7)))


def _loss(value: object, what: str, *, finite: bool = True) -> float:
    """The student's loss, which must be one number (a float or a 0-d array)."""
    result = array(value, what, None, finite=finite)
    if result.shape != ():
        fail(
            "{what} should be one number (a float), got an array of shape {shape}",
            what=what,
            shape=result.shape,
        )
    return float(result)


def _same_loss(value: object, expected: float, what: str, rtol: float = 1e-6) -> None:
    loss = _loss(value, what)
    if not np.isclose(loss, expected, rtol=rtol, atol=1e-10):
        fail(
            "{what} is {value:.6g}, expected {expected:.6g}",
            what=what,
            value=loss,
            expected=expected,
        )


# softmax ---------------------------------------------------------------------------------


@SUITE.check("a1_softmax", own=("softmax",))
def softmax(s: Session) -> None:
    fn = s.get("softmax")
    y = array(fn(np.array([0.0, 0.0])), "softmax([0, 0])", (2,))
    close(y, np.array([0.5, 0.5]), "softmax([0, 0])")
    x = np.array([1.0, 2.0, 3.0])
    close(array(fn(x), "softmax([1, 2, 3])", (3,)), _softmax(x), "softmax([1, 2, 3])")
    batch = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    y = array(fn(batch), tr("softmax of a (2, 3) batch"), (2, 3))
    sums = y.sum(axis=1)
    if not np.allclose(sums, 1.0):
        fail(
            "softmax of a (2, 3) batch: each row must sum to 1 (normalise over the last "
            "axis), got row sums {sums}",
            sums=np.round(sums, 4).tolist(),
        )
    close(y, _softmax(batch), tr("softmax of a (2, 3) batch (every row is its own sample)"))

    rng = _rng(1)
    for shape in [(6,), (5, 8), (3, 2, 4), (1, 7)]:
        x = rng.standard_normal(shape) * 3
        out, (x_after,) = fn.call_keep_args("__call__", x)
        what = tr("softmax of a random {shape} array", shape=shape)
        close(array(out, what, shape), _softmax(x), what, rtol=1e-10, atol=1e-12)
        unchanged(x, x_after, tr("the input of {name}", name="softmax"))
    x = rng.standard_normal((4, 6))
    row = array(fn(x[1]), tr("softmax of one sample"), (6,))
    whole = array(fn(x), tr("softmax of a (4, 6) batch"), (4, 6))
    close(row, whole[1], tr("softmax of a 1-D sample compared with the same row of a batch"))


@SUITE.check("a1_softmax_stable", own=("softmax",))
def softmax_stable(s: Session) -> None:
    fn = s.get("softmax")
    hint = tr("subtract the largest score of each sample (axis=-1, keepdims=True) first")

    def finite(value: object, what: str, shape: tuple[int, ...]) -> np.ndarray:
        result = array(value, what, shape, finite=False)
        if not np.all(np.isfinite(result)):
            fail("{what} contains nan or inf (an overflow in exp): {hint}", what=what, hint=hint)
        return result

    close(
        finite(fn(np.array([1000.0, 1000.0])), "softmax([1000, 1000])", (2,)),
        np.full(2, 0.5),
        "softmax([1000, 1000])",
    )
    x = np.array([-1000.0, 0.0, 1000.0])
    close(
        finite(fn(x), "softmax([-1000, 0, 1000])", (3,)),
        np.array([0.0, 0.0, 1.0]),
        "softmax([-1000, 0, 1000])",
    )

    rng = _rng(2)
    x = rng.standard_normal((6, 8))
    big = finite(fn(x * 1e4), tr("softmax of scores around 1e4"), (6, 8))
    close(big, _softmax(x * 1e4), tr("softmax of scores around 1e4"))
    shifted = finite(fn(x + 700.0), tr("softmax of scores around 700"), (6, 8))
    close(shifted, _softmax(x), tr("softmax(x + 700), which must equal softmax(x),"))
    rows = np.array([[1000.0, 1001.0], [-5.0, -5.0], [-800.0, -801.0]])
    what = tr("softmax of a batch whose rows have very different scales")
    y = finite(fn(rows), what, (3, 2))
    close(y, _softmax(rows), f"{what} ({hint})")


# mean squared error ----------------------------------------------------------------------


def _raises_value_error(fn: Remote, y: np.ndarray, t: np.ndarray) -> bool:
    """Whether ``fn(y, t)`` raises a ValueError (or an exception derived from it)."""
    try:
        fn(y, t)
    except CheckFailed as err:
        return "ValueError" in err.kinds
    return False


@SUITE.check("a1_mse", own=("mean_squared_error",))
def mean_squared_error(s: Session) -> None:
    fn = s.get("mean_squared_error")
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.eye(10)[2]
    _same_loss(fn(y, t), 0.0975, tr("mean_squared_error of one 10-class sample"))

    rng = _rng(3)
    for n, k in [(6, 4), (3, 10), (1, 5)]:
        y, t = rng.random((n, k)), rng.random((n, k))
        out, (y_after, t_after) = fn.call_keep_args("__call__", y, t)
        what = tr(
            "mean_squared_error of a random ({n}, {k}) batch (the mean over the samples)", n=n, k=k
        )
        _same_loss(out, 0.5 * np.sum((y - t) ** 2) / n, what)
        unchanged(y, y_after, tr("{arg} given to {name}", arg="y", name="mean_squared_error"))
        unchanged(t, t_after, tr("{arg} given to {name}", arg="t", name="mean_squared_error"))
    y, t = rng.random(7), rng.random(7)
    what = tr("mean_squared_error of a random 1-D sample")
    _same_loss(fn(y, t), 0.5 * np.sum((y - t) ** 2), what)

    for y_shape, t_shape in [((3,), (4,)), ((2, 3), (3,)), ((4, 1), (4,))]:
        if not _raises_value_error(fn, np.zeros(y_shape), np.ones(t_shape)):
            fail(
                "mean_squared_error must raise ValueError when y has shape {y_shape} "
                "and t has shape {t_shape} (different shapes)",
                y_shape=y_shape,
                t_shape=t_shape,
            )


# cross-entropy error ---------------------------------------------------------------------


@SUITE.check("a1_cee_onehot", own=("cross_entropy_error",))
def cee_onehot(s: Session) -> None:
    fn = s.get("cross_entropy_error")
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    what = tr("cross_entropy_error of one sample with a one-hot target")
    _same_loss(fn(y, np.eye(10)[2]), -np.log(0.6 + 1e-7), what)

    rng = _rng(4)
    for n, k in [(7, 5), (2, 10), (1, 3)]:
        y = _probabilities(rng, n, k)
        labels = rng.integers(0, k, size=n)
        onehot = np.eye(k)[labels]
        out, (y_after, t_after) = fn.call_keep_args("__call__", y, onehot)
        what = tr("cross_entropy_error of a random ({n}, {k}) batch with one-hot targets", n=n, k=k)
        _same_loss(out, _reference_cee(y, labels), what, rtol=1e-5)
        unchanged(y, y_after, tr("{arg} given to {name}", arg="y", name="cross_entropy_error"))
        unchanged(onehot, t_after, tr("{arg} given to {name}", arg="t", name="cross_entropy_error"))
    y = _probabilities(rng, 4, 6)
    t = np.eye(6)[rng.integers(0, 6, size=4)]
    single = _loss(fn(y[2], t[2]), tr("cross_entropy_error of a 1-D sample"))
    one = _loss(fn(y[2:3], t[2:3]), tr("cross_entropy_error of a batch of one sample"))
    if not np.isclose(single, one, rtol=1e-9):
        fail(
            "cross_entropy_error of a 1-D sample is {single:.6g} but {one:.6g} for the same "
            "sample as a batch of one: they must agree",
            single=single,
            one=one,
        )


@SUITE.check("a1_cee_labels", own=("cross_entropy_error",))
def cee_labels(s: Session) -> None:
    fn = s.get("cross_entropy_error")
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    what = tr("cross_entropy_error of one sample with the label 2")
    _same_loss(fn(y, 2), -np.log(0.6 + 1e-7), what)

    rng = _rng(5)
    for n, k in [(9, 4), (3, 10), (1, 2)]:
        y = _probabilities(rng, n, k)
        labels = rng.integers(0, k, size=n)
        expected = _reference_cee(y, labels)
        for t, kind in ((labels, "int64"), (labels.astype(np.int32), "int32")):
            out, (y_after, t_after) = fn.call_keep_args("__call__", y, t)
            what = tr(
                "cross_entropy_error of a random ({n}, {k}) batch with {kind} labels",
                n=n,
                k=k,
                kind=kind,
            )
            _same_loss(out, expected, what, rtol=1e-5)
            unchanged(y, y_after, tr("{arg} given to {name}", arg="y", name="cross_entropy_error"))
            unchanged(t, t_after, tr("the labels given to {name}", name="cross_entropy_error"))
        what = tr("cross_entropy_error of a random ({n}, {k}) batch with one-hot targets", n=n, k=k)
        _same_loss(fn(y, np.eye(k)[labels]), expected, what, rtol=1e-5)
    y = _probabilities(rng, 1, 5)[0]
    what = tr("cross_entropy_error of a 1-D sample with an integer label")
    _same_loss(fn(y, 3), _reference_cee(y, np.array([3])), what, rtol=1e-5)


@SUITE.check("a1_cee_no_log0", own=("cross_entropy_error",))
def cee_no_log0(s: Session) -> None:
    fn = s.get("cross_entropy_error")
    hint = tr("add delta = 1e-7 inside the log, so that there is no log(0)")
    cases = [
        (np.array([0.0, 1.0]), np.array([1.0, 0.0]), -np.log(1e-7), tr("a one-hot target")),
        (
            np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
            np.array([0, 2]),
            -np.log(1e-7) / 2,
            tr("labels"),
        ),
        (
            np.array([[0.0, 0.0, 1.0, 0.0], [0.5, 0.5, 0.0, 0.0]]),
            np.eye(4)[[3, 1]],
            (-np.log(1e-7) - np.log(0.5 + 1e-7)) / 2,
            tr("one-hot targets in a batch"),
        ),
    ]
    for y, t, expected, kind in cases:
        what = tr(
            "cross_entropy_error when the correct class has probability 0 ({kind})", kind=kind
        )
        value = _loss(fn(y, t), what, finite=False)
        if not np.isfinite(value):
            fail(
                "{what} is {value}, not a finite number: {hint}",
                what=what,
                value=value,
                hint=hint,
            )
        _same_loss(value, expected, what, rtol=1e-3)
    what = tr("cross_entropy_error of a perfect prediction ([0, 1, 0] with the label 1)")
    perfect = _loss(fn(np.array([0.0, 1.0, 0.0]), 1), what)
    if abs(perfect) > 1e-6:
        fail("{what} should be close to 0, got {value:.3g}", what=what, value=perfect)
