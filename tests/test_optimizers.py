"""Tests for dlfs.optimizers: hand-computed steps on a quadratic, convergence, state, errors.

The test function is the textbook's ``f(x, y) = x**2 / 20 + y**2`` with gradient
``(x / 10, 2 * y)``, started from ``(-7, 2)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from dlfs.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

START = (-7.0, 2.0)


def quadratic_grads(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"x": params["x"] / 10, "y": 2 * params["y"]}


def start_params(dtype: type = np.float64) -> dict[str, np.ndarray]:
    return {"x": np.array([START[0]], dtype=dtype), "y": np.array([START[1]], dtype=dtype)}


def trajectory(optimizer, steps: int, dtype: type = np.float64) -> list[tuple[float, float]]:
    params = start_params(dtype)
    points = []
    for _ in range(steps):
        optimizer.update(params, quadratic_grads(params))
        points.append((float(params["x"][0]), float(params["y"][0])))
    return points


# name: (optimizer factory for the hand-computed steps, expected points after steps 1, 2, ...)
HAND_COMPUTED = {
    # x <- x - 0.95 * x / 10 = 0.905 x,  y <- y - 0.95 * 2 y = -0.9 y
    "sgd": (lambda: SGD(lr=0.95), [(-7 * 0.905**k, 2 * (-0.9) ** k) for k in (1, 2, 3)]),
    # v1 = -0.1 * (-0.7, 4) = (0.07, -0.4);  v2 = 0.9 v1 - 0.1 * (-0.693, 3.2) = (0.1323, -0.68)
    "momentum": (lambda: Momentum(lr=0.1, momentum=0.9), [(-6.93, 1.6), (-6.7977, 0.92)]),
    # step1 = -(1.9)(0.1) g1 = (0.133, -0.76);
    # step2 = 0.81 v1 - 0.19 g2 = 0.81 (0.07, -0.4) - 0.19 (-0.6867, 2.48) = (0.187173, -0.7952)
    "nesterov": (
        lambda: Nesterov(lr=0.1, momentum=0.9),
        [(-6.867, 1.24), (-6.679827, 0.4448)],
    ),
    # step 1: h = g**2, so the step is lr * sign(g) = 1.5 each way;
    # step 2 (x): g = -0.55, h = 0.49 + 0.3025, x = -5.5 + 1.5 * 0.55 / sqrt(0.7925)
    "adagrad": (
        lambda: AdaGrad(lr=1.5),
        [(-5.5, 0.5), (-5.5 + 1.5 * 0.55 / 0.7925**0.5, 0.5 - 1.5 * 1.0 / (16.0 + 1.0) ** 0.5)],
    ),
    # step 1: h = 0.01 g**2, sqrt(h) = 0.1 |g|, so the step is 10 * lr * sign(g) = 1
    "rmsprop": (lambda: RMSprop(lr=0.1, decay_rate=0.99), [(-6.0, 1.0)]),
    # step 1: m_hat = g, v_hat = g**2, so the step is lr * sign(g) = 0.3
    "adam": (lambda: Adam(lr=0.3), [(-6.7, 1.7)]),
}

# name: (factory, steps, distance from the minimum to reach)
CONVERGES = {
    "sgd": (lambda: SGD(lr=0.95), 300, 1e-6),
    "momentum": (lambda: Momentum(lr=0.1, momentum=0.9), 300, 1e-4),
    "nesterov": (lambda: Nesterov(lr=0.1, momentum=0.9), 300, 1e-4),
    "adagrad": (lambda: AdaGrad(lr=1.5), 300, 1e-3),
    # with a constant lr RMSprop ends circling the minimum at a distance of about lr
    "rmsprop": (lambda: RMSprop(lr=0.01, decay_rate=0.99), 1000, 2e-2),
    "adam": (lambda: Adam(lr=0.3), 500, 1e-3),
}

# the defaults of the API contract
DEFAULTS = {
    "sgd": (SGD, {"lr": 0.01}),
    "momentum": (Momentum, {"lr": 0.01, "momentum": 0.9}),
    "nesterov": (Nesterov, {"lr": 0.01, "momentum": 0.9}),
    "adagrad": (AdaGrad, {"lr": 0.01}),
    "rmsprop": (RMSprop, {"lr": 0.01, "decay_rate": 0.99}),
    "adam": (Adam, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}),
}

STATE = {"sgd": [], "momentum": ["v"], "nesterov": ["v"], "adagrad": ["h"]}
STATE |= {"rmsprop": ["h"], "adam": ["m", "v"]}


@pytest.mark.parametrize("name", HAND_COMPUTED)
def test_first_steps_match_hand_computation(name):
    make, expected = HAND_COMPUTED[name]
    got = trajectory(make(), len(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", CONVERGES)
def test_converges_on_quadratic(name):
    make, steps, tol = CONVERGES[name]
    x, y = trajectory(make(), steps)[-1]
    assert np.hypot(x, y) < tol, f"{name} ended at ({x:.3g}, {y:.3g})"


@pytest.mark.parametrize("name", DEFAULTS)
def test_defaults(name):
    cls, expected = DEFAULTS[name]
    opt = cls()
    assert {k: getattr(opt, k) for k in expected} == expected


@pytest.mark.parametrize("name", CONVERGES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_updates_in_place_and_keeps_dtype(name, dtype):
    opt = CONVERGES[name][0]()
    params = start_params(dtype)
    arrays = dict(params)
    for _ in range(3):
        opt.update(params, {k: g.astype(np.float64) for k, g in quadratic_grads(params).items()})
    for key, array in params.items():
        assert array is arrays[key], "update must change the arrays in place"
        assert array.dtype == dtype
    for attr in STATE[name]:
        assert all(s.dtype == dtype for s in getattr(opt, attr).values())


@pytest.mark.parametrize("name", CONVERGES)
def test_state_is_kept_per_key(name):
    """Two keys updated together move exactly as when each has its own optimizer."""
    make = CONVERGES[name][0]
    together = trajectory(make(), 5)
    alone_x, alone_y = make(), make()
    x, y = {"x": np.array([START[0]])}, {"y": np.array([START[1]])}
    for _ in range(5):
        alone_x.update(x, {"x": x["x"] / 10})
        alone_y.update(y, {"y": 2 * y["y"]})
    assert together[-1] == (x["x"][0], y["y"][0])
    opt = make()
    trajectory(opt, 1)
    for attr in STATE[name]:
        assert sorted(getattr(opt, attr)) == ["x", "y"]


@pytest.mark.parametrize("name", CONVERGES)
@pytest.mark.parametrize("kind", ["0-d array", "number"])
def test_scalar_parameters_move_like_arrays(name, kind):
    """0-d arrays change in place; plain numbers (the textbook's f(x, y) walk) are replaced."""
    make = CONVERGES[name][0]
    expected = trajectory(make(), 4)
    wrap = np.array if kind == "0-d array" else float
    params = {"x": wrap(START[0]), "y": wrap(START[1])}
    arrays, opt = dict(params), make()
    for _ in range(4):
        grads = {"x": params["x"] / 10, "y": 2 * params["y"]}
        opt.update(params, {k: wrap(g) for k, g in grads.items()})
    assert (float(params["x"]), float(params["y"])) == pytest.approx(expected[-1], rel=1e-12)
    if kind == "0-d array":
        assert all(params[k] is arrays[k] for k in params), "0-d arrays change in place"
    else:
        assert all(type(params[k]) is float for k in params)


def test_boolean_parameter_is_rejected():
    with pytest.raises(TypeError, match="floating-point ndarray .* or a number, got bool"):
        SGD().update({"W": True}, {"W": 1.0})


def test_adam_constant_gradient_moves_lr_per_step():
    """With a constant gradient the bias-corrected moments are exactly g and g**2."""
    opt, w = Adam(lr=0.1), np.array([1.0, -1.0])
    for k in range(1, 4):
        opt.update({"w": w}, {"w": np.array([2.0, -0.5])})
        np.testing.assert_allclose(w, [1.0 - 0.1 * k, -1.0 + 0.1 * k], rtol=1e-7)
    assert opt.t == 3


def test_adam_without_bias_correction_differs():
    with_bc = trajectory(Adam(lr=0.3), 1)[0]
    without = trajectory(Adam(lr=0.3, bias_correction=False), 1)[0]
    # uncorrected first step: lr * (1 - beta1) / sqrt(1 - beta2) = 0.3 * 0.1 / sqrt(0.001)
    step = 0.3 * 0.1 / 0.001**0.5
    np.testing.assert_allclose(without, (-7 + step, 2 - step), rtol=1e-6)
    assert abs(with_bc[0] - without[0]) > 0.5


def test_nesterov_differs_from_momentum():
    assert trajectory(Nesterov(lr=0.1), 2) != trajectory(Momentum(lr=0.1), 2)


@pytest.mark.parametrize("name", DEFAULTS)
def test_missing_gradient_is_a_clear_error(name):
    opt = DEFAULTS[name][0]()
    with pytest.raises(ValueError, match=r"grads has no entry for \['b'\]"):
        opt.update({"W": np.ones(3), "b": np.ones(2)}, {"W": np.ones(3)})


@pytest.mark.parametrize("name", DEFAULTS)
def test_gradient_shape_mismatch_is_a_clear_error(name):
    opt, params = DEFAULTS[name][0](), {"W": np.ones((3, 2))}
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(2, 3\).*\(3, 2\)"):
        opt.update(params, {"W": np.ones((2, 3))})
    np.testing.assert_array_equal(params["W"], 1.0)


def test_integer_parameter_is_rejected():
    with pytest.raises(TypeError, match="floating-point"):
        SGD().update({"W": np.ones(3, dtype=int)}, {"W": np.ones(3)})


@pytest.mark.parametrize(
    "make",
    [lambda: SGD(lr=0), lambda: Momentum(momentum=1.0), lambda: RMSprop(decay_rate=-0.1)],
)
def test_bad_hyperparameters_are_rejected(make):
    with pytest.raises(ValueError, match="must be"):
        make()
