"""Trusted checks of assignment 04_optimizers: update rules, Dropout and batch-norm backward.

Optimizers are run for several steps on random gradients and their trajectories compared
with ``dlfs.optimizers``, stepped here on the same gradients. ``update`` must change the
arrays of ``params`` in place (a network's layers hold those very arrays). Arrays cannot be
shared across the sandbox boundary, so ``params`` is a dict built and kept in the sandbox
(``Params`` of :mod:`autograder.checks.sandbox_functions`, reached through a handle), and
before each step a second one keeps the same array objects: after an in-place update both
show the new values, after a replacement the second one still shows the old ones.

Dropout masks are random (drawn in the sandbox from a seeded generator), so the checks test
what holds for any mask. Batch-norm gradients are compared with numerical gradients of the
reference ``dlfs.layers.BatchNormalization`` forward pass in training mode, computed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from dlfs import layers as ref_layers
from dlfs import optimizers as ref_opt

from autograder.checks import (
    Fn,
    Remote,
    Seed,
    Session,
    Suite,
    array,
    close,
    fail,
    gradient_matches,
    numerical_gradient,
    tr,
    unchanged,
)

SUITE = Suite("04_optimizers", banned_modules=("dlfs.optimizers", "dlfs.layers"))
rng_seed = 0x04F7A
SHAPES = {"W1": (3, 4), "b1": (4,), "W2": (4, 2)}
STEPS = 5


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


def _params_after(value: object, what: str) -> dict[str, np.ndarray]:
    if not isinstance(value, dict) or set(value) != set(SHAPES):
        fail(
            "{what} should keep the keys {keys} and nothing else",
            what=what,
            keys=sorted(SHAPES),
        )
    return {key: array(value[key], f"{what}[{key!r}]", shape) for key, shape in SHAPES.items()}


# optimizers ------------------------------------------------------------------------------


def _trajectory(
    s: Session,
    name: str,
    settings: dict[str, float],
    reference: Any,
    offset: int,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    scale: float = 1.0,
) -> None:
    """Run ``name(**settings)`` for STEPS updates and compare with ``reference`` every step.

    The gradients have sizes from ``0.2 * scale`` to ``2 * scale``.
    """
    rng = _rng(offset)
    start = {key: rng.standard_normal(shape) for key, shape in SHAPES.items()}
    expected = {key: value.copy() for key, value in start.items()}
    params = s.make(Fn("params", (start,)))
    optimizer = s.get(name)(**settings)
    described = ", ".join(f"{k}={v:g}" for k, v in settings.items())
    sizes = "" if scale == 1 else tr(" of size ~{scale:g}", scale=scale)
    for step in range(1, STEPS + 1):
        grads = {
            key: rng.uniform(0.2, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape) * scale
            for key, shape in SHAPES.items()
        }
        same_arrays = s.make(Fn("params", (params,)))  # another dict of the same arrays
        _, (_, grads_after) = optimizer.call_keep_args("update", params, grads)
        before = {key: value.copy() for key, value in expected.items()}
        reference.update(expected, grads)
        if not isinstance(grads_after, dict):
            fail("{name}.update replaced grads by something else", name=name)
        for key in SHAPES:
            what = tr("{arg} given to {name}", arg=f"grads[{key!r}]", name=f"{name}.update")
            unchanged(grads[key], grads_after.get(key), what)
        what = tr("params after step {step} of {name}", step=step, name=name)
        after = _params_after(params.call("copy"), what)
        if all(np.array_equal(after[key], before[key]) for key in SHAPES):
            fail(
                "{name}.update left params as they were at step {step}: change the arrays "
                "in params in place (params[key] -= ...); a returned value is not used",
                name=name,
                step=step,
            )
        for key in SHAPES:
            close(
                after[key],
                expected[key],
                tr(
                    "{call}: {param} after step {step} on random gradients{sizes}",
                    call=f"{name}({described})",
                    param=f"params[{key!r}]",
                    step=step,
                    sizes=sizes,
                ),
                rtol=rtol,
                atol=atol,
            )
        held = _params_after(same_arrays.call("copy"), tr("the arrays given to update"))
        for key in SHAPES:
            if not np.array_equal(held[key], after[key]):
                fail(
                    "{name}.update must change the array {param} in place "
                    "({param} -= ...), not replace it with a new array: the layers "
                    "of a network hold the original arrays and would never see the update",
                    name=name,
                    param=f"params[{key!r}]",
                )


@SUITE.check("a4_sgd", own=("SGD",))
def sgd(s: Session) -> None:
    _trajectory(s, "SGD", {"lr": 0.05}, ref_opt.SGD(lr=0.05), 1)


@SUITE.check("a4_momentum", own=("Momentum",))
def momentum(s: Session) -> None:
    settings = {"lr": 0.05, "momentum": 0.8}
    _trajectory(s, "Momentum", settings, ref_opt.Momentum(**settings), 2)


@SUITE.check("a4_adagrad", own=("AdaGrad",))
def adagrad(s: Session) -> None:
    _trajectory(s, "AdaGrad", {"lr": 0.05}, ref_opt.AdaGrad(lr=0.05, eps=1e-7), 3)


@SUITE.check("a4_rmsprop", own=("RMSprop",))
def rmsprop(s: Session) -> None:
    settings = {"lr": 0.02, "decay_rate": 0.9}
    _trajectory(s, "RMSprop", settings, ref_opt.RMSprop(**settings, eps=1e-7), 4)


@SUITE.check("a4_adam", own=("Adam",))
def adam(s: Session) -> None:
    # eps = 1e-8 is added to the bias-corrected sqrt(v_hat), as in dlfs. A missing bias
    # correction changes the first steps by a factor of 2; with gradients of size 1e-6 the
    # textbook's form (1e-7 added to sqrt(v), the correction folded into the learning rate)
    # halves them.
    settings = {"lr": 0.01, "beta1": 0.8, "beta2": 0.99}
    for offset, scale in ((5, 1.0), (13, 1e-6)):
        reference = ref_opt.Adam(
            lr=settings["lr"], beta1=settings["beta1"], beta2=settings["beta2"]
        )
        _trajectory(s, "Adam", settings, reference, offset, scale=scale)


# Dropout ---------------------------------------------------------------------------------


def _dropout_forward(
    s: Session, ratio: float, seed: int, x: np.ndarray, what: str
) -> tuple[Remote, np.ndarray]:
    layer = s.get("Dropout")(ratio, rng=Seed(seed))
    out, (x_after,) = layer.call_keep_args("forward", x)
    unchanged(x, x_after, "the input of Dropout.forward")
    return layer, array(out, what, x.shape)


@SUITE.check("a4_dropout_forward", own=("Dropout",))
def dropout_forward(s: Session) -> None:
    rng = _rng(6)
    x = rng.uniform(1.0, 5.0, size=(100, 200))  # no zeros: out != 0 marks the kept units
    for ratio, seed in [(0.3, 11), (0.6, 12)]:
        what = tr("{call} in training", call=f"Dropout({ratio}).forward")
        layer, out = _dropout_forward(s, ratio, seed, x, what)
        kept = out != 0
        if not np.array_equal(out[kept], x[kept]):
            fail("{what}: kept units must pass through unchanged (x * mask)", what=what)
        dropped = 1 - kept.mean()
        if abs(dropped - ratio) > 0.02:
            fail(
                "{what} dropped {dropped:.1%} of the units; dropout_ratio={ratio} should "
                "drop about {ratio:.0%} (keep units where rng.random(x.shape) > dropout_ratio)",
                what=what,
                dropped=dropped,
                ratio=ratio,
            )
        what = f"Dropout({ratio}).forward with train_flg=False"
        test_out = array(layer.call("forward", x, train_flg=False), what, x.shape)
        close(test_out, x * (1 - ratio), f"{what} (x * (1 - dropout_ratio))")

    x = rng.standard_normal((20, 30)) + 5.0
    what = "Dropout(0.5).forward"
    _, a = _dropout_forward(s, 0.5, 7, x, what)
    _, b = _dropout_forward(s, 0.5, 7, x, what)
    _, c = _dropout_forward(s, 0.5, 8, x, what)
    if not np.array_equal(a, b):
        fail(
            "two Dropout layers given generators with the same seed drew different masks: "
            "draw the mask from self.rng only"
        )
    if np.array_equal(a, c):
        fail("Dropout layers given generators with different seeds drew the same mask")
    layer = s.get("Dropout")(0.2, rng=Seed(9))
    first = array(layer.call("forward", x), what, x.shape)
    second = array(layer.call("forward", x), what, x.shape)
    if np.array_equal(first, second):
        fail("each training forward pass of Dropout must draw a new mask")

    random = s.make(Fn("module", ("numpy.random",)))
    random.call("seed", 1234)
    before = random.call("get_state")
    _dropout_forward(s, 0.5, 10, x, what)
    after = random.call("get_state")
    if not (
        isinstance(before, tuple)
        and isinstance(after, tuple)
        and len(before) > 1
        and len(after) > 1
        and np.array_equal(np.asarray(before[1]), np.asarray(after[1]))
        and before[2:] == after[2:]
    ):
        fail(
            "Dropout used NumPy's global random state (np.random.rand or similar): draw the "
            "mask from the generator self.rng"
        )


@SUITE.check("a4_dropout_backward", own=("Dropout",))
def dropout_backward(s: Session) -> None:
    rng = _rng(7)
    for ratio, seed, shape in [(0.5, 21, (3, 4)), (0.4, 22, (6, 2, 5)), (0.25, 23, (40, 30))]:
        x = rng.standard_normal(shape) + 10.0
        layer = s.get("Dropout")(ratio, rng=Seed(seed))
        layer.call("forward", x)  # the mask of this pass must not be used
        out = array(layer.call("forward", x), "Dropout.forward", shape)
        dout = rng.standard_normal(shape)
        dx, (dout_after,) = layer.call_keep_args("backward", dout)
        what = tr(
            "{call} for an input of shape {shape}", call=f"Dropout({ratio}).backward", shape=shape
        )
        dx = array(dx, what, shape)
        unchanged(dout, dout_after, tr("dout given to {name}.backward", name="Dropout"))
        close(
            dx,
            dout * (out != 0),
            tr(
                "{what} (dout where the last forward pass kept the unit, 0 where it dropped it)",
                what=what,
            ),
        )


# batch normalization ---------------------------------------------------------------------


def _batchnorm_case(
    s: Session, shape: tuple[int, ...], rng: np.random.Generator
) -> tuple[Remote, object, Callable[[], float], dict[str, np.ndarray]]:
    """Run the student's forward (training) and backward; return what to compare."""
    d = int(np.prod(shape[1:]))
    gamma, beta = rng.standard_normal(d) + 1.0, rng.standard_normal(d)
    x = rng.standard_normal(shape) * 3 - 2
    dout = rng.standard_normal(shape)
    layer = s.get("BatchNormalization")(gamma.copy(), beta.copy())
    layer.call("forward", x, train_flg=True)
    dx, (dout_after,) = layer.call_keep_args("backward", dout)
    unchanged(dout, dout_after, tr("dout given to {name}.backward", name="BatchNormalization"))
    reference = ref_layers.BatchNormalization(gamma, beta)  # eps = 1e-6, as in the notebook

    def loss() -> float:
        return float(np.sum(reference.forward(x, train_flg=True) * dout))

    return layer, dx, loss, {"x": x, "gamma": reference.gamma, "beta": reference.beta}


@SUITE.check("a4_bn_dx", own=("BatchNormalization",))
def batchnorm_dx(s: Session) -> None:
    rng = _rng(8)
    for shape in [(5, 3), (8, 6), (4, 2, 3, 3)]:
        _, dx, loss, arrays = _batchnorm_case(s, shape, rng)
        what = tr(
            "{grad} of {name}.backward for an input of shape {shape}",
            grad="dx",
            name="BatchNormalization",
            shape=shape,
        )
        dx = array(dx, what, shape)
        hint = tr(" (did you include the paths through the batch mean and variance?)")
        gradient_matches(dx, numerical_gradient(loss, arrays["x"]), what, hint=hint)


@SUITE.check("a4_bn_dgamma_dbeta", own=("BatchNormalization",))
def batchnorm_dgamma_dbeta(s: Session) -> None:
    rng = _rng(9)
    for shape in [(5, 3), (6, 2, 2, 2)]:
        layer, _, loss, arrays = _batchnorm_case(s, shape, rng)
        d = arrays["gamma"].shape
        for name in ("gamma", "beta"):
            what = tr(
                "{grad} of {name}.backward for an input of shape {shape}",
                grad=f"d{name}",
                name="BatchNormalization",
                shape=shape,
            )
            value = array(layer.get(f"d{name}"), what, d)
            gradient_matches(value, numerical_gradient(loss, arrays[name]), what)
