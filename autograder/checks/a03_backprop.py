"""Trusted checks of assignment 03_backprop: layers with forward and backward passes.

Reference values come from the course library (``dlfs.layers``) and from numerical gradients
of the reference forward passes, computed here; the student's layers only return arrays.
"""

from __future__ import annotations

import numpy as np
from dlfs import layers as ref

from autograder.checks import (
    Session,
    Suite,
    array,
    backward_matches,
    close,
    fail,
    gradient_matches,
    numerical_gradient,
    tr,
    unchanged,
)

SUITE = Suite("03_backprop", banned_modules=("dlfs.layers",))
rng_seed = 0x03B4C


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


def _pair(value: object, what: str) -> tuple[object, object]:
    """The two values a backward pass returns: a tuple, a list or an array of length 2."""
    if isinstance(value, np.ndarray) and value.ndim >= 1 and len(value) == 2:
        return value[0], value[1]
    if not isinstance(value, tuple | list) or len(value) != 2:
        fail("{what} should return two values (dx, dy)", what=what)
    return value[0], value[1]


@SUITE.check("a3_mul", own=("MulLayer",))
def mul(s: Session) -> None:
    layer = s.get("MulLayer")()
    price = array(layer.call("forward", 100.0, 2.0), "MulLayer.forward(100, 2)")
    close(price, np.array(200.0), "MulLayer.forward(100, 2)")
    rng = _rng(1)
    x, y, dout = rng.standard_normal((3, 4, 5))
    layer = s.get("MulLayer")()
    close(
        array(layer.call("forward", x, y), "MulLayer.forward", x.shape),
        x * y,
        tr("{name} on arrays", name="MulLayer.forward"),
    )
    dx, dy = _pair(layer.call("backward", dout), "MulLayer.backward")
    close(
        array(dx, tr("{grad} of {name}", grad="dx", name="MulLayer"), x.shape),
        dout * y,
        tr("{grad} of {name}.backward", grad="dx", name="MulLayer"),
    )
    close(
        array(dy, tr("{grad} of {name}", grad="dy", name="MulLayer"), x.shape),
        dout * x,
        tr("{grad} of {name}.backward", grad="dy", name="MulLayer"),
    )


@SUITE.check("a3_add", own=("AddLayer",))
def add(s: Session) -> None:
    rng = _rng(2)
    x, y, dout = rng.standard_normal((3, 2, 6))
    layer = s.get("AddLayer")()
    close(
        array(layer.call("forward", x, y), "AddLayer.forward", x.shape), x + y, "AddLayer.forward"
    )
    dx, dy = _pair(layer.call("backward", dout), "AddLayer.backward")
    close(
        array(dx, tr("{grad} of {name}", grad="dx", name="AddLayer"), x.shape),
        dout,
        tr("{grad} of {name}.backward", grad="dx", name="AddLayer"),
    )
    close(
        array(dy, tr("{grad} of {name}", grad="dy", name="AddLayer"), x.shape),
        dout,
        tr("{grad} of {name}.backward", grad="dy", name="AddLayer"),
    )


def _forward_keeps_input(s: Session, name: str, x: np.ndarray, expected: np.ndarray) -> None:
    layer = s.get(name)()
    out, (x_after,) = layer.call_keep_args("forward", x)
    close(
        array(out, f"{name}.forward", expected.shape),
        expected,
        tr("{name} on a {shape} array", name=f"{name}.forward", shape=x.shape),
    )
    unchanged(x, x_after, tr("the input of {name}", name=f"{name}.forward"))


def _elementwise_backward(s: Session, name: str, reference: object, x: np.ndarray) -> None:
    dout = _rng(len(name)).standard_normal(x.shape)
    backward_matches(s.get(name)(), name, reference, x, dout)


@SUITE.check("a3_relu_forward", own=("Relu",))
def relu_forward(s: Session) -> None:
    x = _rng(3).standard_normal((3, 4, 5))
    _forward_keeps_input(s, "Relu", x, np.maximum(x, 0))


@SUITE.check("a3_relu_backward", own=("Relu",))
def relu_backward(s: Session) -> None:
    x = _rng(4).standard_normal((4, 3, 5))
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink
    _elementwise_backward(s, "Relu", ref.Relu(), x)


@SUITE.check("a3_sigmoid_forward", own=("Sigmoid",))
def sigmoid_forward(s: Session) -> None:
    x = _rng(5).standard_normal((2, 3, 4)) * 3
    _forward_keeps_input(s, "Sigmoid", x, 1 / (1 + np.exp(-x)))


@SUITE.check("a3_sigmoid_backward", own=("Sigmoid",))
def sigmoid_backward(s: Session) -> None:
    x = _rng(6).standard_normal((5, 4))
    _elementwise_backward(s, "Sigmoid", ref.Sigmoid(), x)


AFFINE_CASES = [((5, 3, 2, 2), 12, 4), ((2, 7), 7, 3), ((3, 2, 5), 10, 6)]


@SUITE.check("a3_affine_forward", own=("Affine",))
def affine_forward(s: Session) -> None:
    rng = _rng(7)
    for x_shape, d, m in AFFINE_CASES:
        W, b = rng.standard_normal((d, m)), rng.standard_normal(m)
        x = rng.standard_normal(x_shape)
        layer = s.get("Affine")(W, b)
        out, (x_after,) = layer.call_keep_args("forward", x)
        what = tr("{name} on an input of shape {shape}", name="Affine.forward", shape=x_shape)
        close(array(out, what, (x_shape[0], m)), x.reshape(x_shape[0], -1) @ W + b, what)
        unchanged(x, x_after, tr("the input of {name}", name="Affine.forward"))


def _affine_backward(s: Session, grad: str, offset: int) -> None:
    rng = _rng(offset)
    for x_shape, d, m in AFFINE_CASES:
        W, b = rng.standard_normal((d, m)), rng.standard_normal(m)
        x = rng.standard_normal(x_shape)
        dout = rng.standard_normal((x_shape[0], m))
        layer = s.get("Affine")(W.copy(), b.copy())
        what = tr(
            "{grad} of {name}.backward for an input of shape {shape}",
            grad=grad,
            name="Affine",
            shape=x_shape,
        )
        backward_matches(layer, "Affine", ref.Affine(W, b), x, dout, grad, what)


@SUITE.check("a3_affine_dx", own=("Affine",))
def affine_dx(s: Session) -> None:
    _affine_backward(s, "dx", 8)


@SUITE.check("a3_affine_dW", own=("Affine",))
def affine_dw(s: Session) -> None:
    _affine_backward(s, "dW", 9)


@SUITE.check("a3_affine_db", own=("Affine",))
def affine_db(s: Session) -> None:
    _affine_backward(s, "db", 10)


def _reference_loss(x: np.ndarray, labels: np.ndarray) -> float:
    shift = x.max(axis=1, keepdims=True)
    logsumexp = np.log(np.exp(x - shift).sum(axis=1)) + shift[:, 0]
    return float(np.mean(logsumexp - x[np.arange(len(x)), labels]))


def _loss_with_delta(x: np.ndarray, labels: np.ndarray) -> float:
    """The textbook's loss, ``-mean(log(softmax(x)[t] + 1e-7))``: a sign of the wrong method."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(y[np.arange(len(x)), labels] + 1e-7)))


@SUITE.check("a3_swl_forward", own=("SoftmaxWithLoss",))
def swl_forward(s: Session) -> None:
    rng = _rng(11)
    x = rng.standard_normal((6, 5)) * 2
    t = rng.integers(0, 5, size=6)
    hint = tr(": compute log-probabilities with log-sum-exp, not log(softmax(x) + 1e-7)")
    for targets, kind in ((t, tr("labels")), (np.eye(5)[t], tr("one-hot targets"))):
        loss, (x_after, _) = s.get("SoftmaxWithLoss")().call_keep_args("forward", x, targets)
        what = tr("{name} with {kind}", name="SoftmaxWithLoss.forward", kind=kind)
        # 1e-9: the loss comes from log-probabilities (log-sum-exp), without the 1e-7 that
        # cross_entropy_error adds inside the log
        value = array(loss, what, ())
        if np.isclose(value, _loss_with_delta(x, t), rtol=1e-9, atol=0):
            what += hint  # the textbook's loss, which the notebook asks to avoid
        close(value, np.array(_reference_loss(x, t)), what, rtol=1e-9, atol=0)
        unchanged(x, x_after, tr("the scores given to {name}", name="SoftmaxWithLoss.forward"))
    what = tr("{name} on large scores (x 500)", name="SoftmaxWithLoss.forward")
    big = s.get("SoftmaxWithLoss")().call("forward", x * 500, t)
    close(
        array(big, what, ()), np.array(_reference_loss(x * 500, t)), what + hint, rtol=1e-9, atol=0
    )


@SUITE.check("a3_swl_backward", own=("SoftmaxWithLoss",))
def swl_backward(s: Session) -> None:
    rng = _rng(12)
    for n, k in [(7, 4), (3, 10), (1, 3)]:
        x = rng.standard_normal((n, k))
        labels = rng.integers(0, k, size=n)

        def loss(x: np.ndarray = x, labels: np.ndarray = labels) -> float:
            return _reference_loss(x, labels)  # x changes in place between the calls

        expected = numerical_gradient(loss, x)
        for targets, kind in ((labels, tr("labels")), (np.eye(k)[labels], tr("one-hot targets"))):
            layer = s.get("SoftmaxWithLoss")()
            layer.call("forward", x, targets)
            what = tr(
                "{grad} of {name}.backward for N={n}, K={k} with {kind}",
                grad="dx",
                name="SoftmaxWithLoss",
                n=n,
                k=k,
                kind=kind,
            )
            gradient_matches(array(layer.call("backward"), what, (n, k)), expected, what)
            what = tr(
                "{grad} of {name}.backward({dout}) (the gradient times dout) for N={n}, K={k} "
                "with {kind}",
                grad="dx",
                name="SoftmaxWithLoss",
                dout=2.5,
                n=n,
                k=k,
                kind=kind,
            )
            scaled = array(layer.call("backward", 2.5), what, (n, k))
            gradient_matches(scaled, 2.5 * expected, what)
