"""Tests for dlfs.functions: activations keep dtype and shape, are stable; losses match the book."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from dlfs.functions import (
    cross_entropy_error,
    identity,
    leaky_relu,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step_function,
    tanh,
)
from dlfs.gradient import numerical_diff
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# elementwise functions: name -> (function, its derivative or None)
ELEMENTWISE: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable | None]] = {
    "step_function": (step_function, None),
    "sigmoid": (sigmoid, sigmoid_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, lambda x: np.where(x > 0, 1.0, 0.01)),
    "tanh": (tanh, lambda x: 1 - np.tanh(x) ** 2),
    "identity": (identity, lambda x: np.ones_like(x)),
    "sigmoid_grad": (sigmoid_grad, None),
    "relu_grad": (relu_grad, None),
}
ARRAY_FUNCTIONS = {name: f for name, (f, _) in ELEMENTWISE.items()} | {"softmax": softmax}

# the textbook's worked example: the network says class 2 with probability 0.6
Y_EXAMPLE = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
T_EXAMPLE = np.eye(10)[2]


@pytest.fixture
def strict_floats():
    """Turn every floating-point warning (overflow, invalid, divide) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ARRAY_FUNCTIONS)
def test_keeps_float_dtype_and_shape(name: str, dtype: type) -> None:
    x = np.linspace(-3, 3, 24, dtype=dtype).reshape(2, 3, 4)
    before = x.copy()
    out = ARRAY_FUNCTIONS[name](x)
    assert out.dtype == dtype
    assert out.shape == x.shape
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("name", ARRAY_FUNCTIONS)
def test_integer_input_gives_numbers(name: str) -> None:
    out = np.asarray(ARRAY_FUNCTIONS[name](np.array([-2, 0, 3])))
    assert out.shape == (3,)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", [n for n, (_, d) in ELEMENTWISE.items() if d is not None])
def test_derivative_matches_central_difference(name: str) -> None:
    f, derivative = ELEMENTWISE[name]
    x = np.array([-2.5, -0.7, 0.3, 1.9])  # away from the kink of relu at 0
    np.testing.assert_allclose(derivative(x), numerical_diff(f, x, h=1e-5), rtol=1e-8, atol=1e-10)


def test_step_function() -> None:
    np.testing.assert_array_equal(step_function(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])
    assert step_function(np.array([-1, 5])).dtype == np.int64


def test_scalars_in_give_scalars_out() -> None:
    assert sigmoid(0.0) == 0.5
    assert relu(-3.0) == 0.0
    assert np.ndim(tanh(0.5)) == 0


def test_sigmoid_is_stable_for_large_inputs(strict_floats) -> None:
    for dtype in (np.float32, np.float64):
        x = np.array([-1e4, -1000, -40, 0, 40, 1000, 1e4], dtype=dtype)
        y = sigmoid(x)
        assert y.dtype == dtype
        assert np.all((y >= 0) & (y <= 1))
        assert y[0] == 0 and y[-1] == 1 and y[3] == 0.5
    # the form used for negative x keeps tiny values accurate instead of rounding them to 0
    assert sigmoid(-40.0) == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_sigmoid_grad_is_stable_for_large_inputs(strict_floats) -> None:
    np.testing.assert_array_equal(sigmoid_grad(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.25, 0.0])


def test_relu_and_leaky_relu_values() -> None:
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu_grad(x), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(leaky_relu(x), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(leaky_relu(x, alpha=0.2), [-0.4, 0.0, 3.0])


def test_identity_returns_its_input() -> None:
    x = np.arange(3.0)
    assert identity(x) is x


def test_softmax_is_stable_for_large_inputs(strict_floats) -> None:
    y = softmax(np.array([1010.0, 1000.0, 990.0]))
    np.testing.assert_allclose(y, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-7)
    assert y.sum() == pytest.approx(1.0)


def test_softmax_batched_equals_row_by_row() -> None:
    x = np.array([[1010.0, 1000.0, 990.0], [0.3, 2.9, 4.0]])
    batched = softmax(x)
    for row, expected in zip(x, batched, strict=True):
        np.testing.assert_allclose(softmax(row), expected)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
        elements=st.floats(-1e6, 1e6),
    )
)
def test_softmax_gives_probabilities_and_ignores_shifts(x: np.ndarray) -> None:
    y = softmax(x)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(x - 7.5), y, atol=1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3), elements=st.floats(-1e308, 1e308)))
def test_sigmoid_never_warns_and_stays_in_range(x: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sigmoid(x)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(sigmoid(-x), 1 - y, atol=1e-15)


def test_mean_squared_error_textbook_example() -> None:
    assert mean_squared_error(Y_EXAMPLE, T_EXAMPLE) == pytest.approx(0.0975)


def test_mean_squared_error_is_a_batch_mean() -> None:
    y, t = np.stack([Y_EXAMPLE, Y_EXAMPLE]), np.stack([T_EXAMPLE, T_EXAMPLE])
    assert mean_squared_error(y, t) == pytest.approx(0.0975)


@pytest.mark.parametrize("t", [T_EXAMPLE, 2, np.array(2)], ids=["one_hot", "int", "0d_label"])
def test_cross_entropy_textbook_example(t) -> None:
    assert cross_entropy_error(Y_EXAMPLE, t) == pytest.approx(0.510825457, rel=1e-6)


def test_cross_entropy_is_a_batch_mean_for_labels_and_one_hot() -> None:
    y = np.stack([Y_EXAMPLE, np.roll(Y_EXAMPLE, 1)])  # second sample: class 3 has 0.6
    labels = np.array([2, 6])
    expected = (-np.log(0.6 + 1e-7) - np.log(0.1 + 1e-7)) / 2
    assert cross_entropy_error(y, labels) == pytest.approx(expected)
    assert cross_entropy_error(y, np.eye(10)[labels]) == pytest.approx(expected)


def test_cross_entropy_of_zero_probability_is_finite(strict_floats) -> None:
    loss = cross_entropy_error(Y_EXAMPLE, 3)  # y[3] == 0
    assert loss == pytest.approx(-np.log(1e-7))


def test_cross_entropy_keeps_float32_input_working() -> None:
    loss = cross_entropy_error(Y_EXAMPLE.astype(np.float32), 2)
    assert isinstance(loss, float)
    assert loss == pytest.approx(0.5108, abs=1e-4)


BAD_INPUTS = {
    "mse_shapes": (lambda: mean_squared_error(np.zeros(3), np.zeros(4)), ValueError, "same shape"),
    "ce_label_range": (
        lambda: cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 3])),
        ValueError,
        r"expected values in \[0, 3\)",
    ),
    "ce_t_shape": (
        lambda: cross_entropy_error(np.full((2, 3), 1 / 3), np.zeros((2, 2))),
        ValueError,
        r"labels of shape \(2,\) or one-hot of shape \(2, 3\)",
    ),
    "ce_float_labels": (
        lambda: cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0.0, 1.0])),
        TypeError,
        "labels t must be integers",
    ),
    "ce_y_ndim": (
        lambda: cross_entropy_error(np.zeros((2, 3, 4)), np.zeros(2, dtype=int)),
        ValueError,
        r"y must have shape \(N, C\) or \(C,\)",
    ),
    "softmax_scalar": (lambda: softmax(3.0), ValueError, "at least one axis"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_gives_a_clear_error(name: str) -> None:
    call, error, message = BAD_INPUTS[name]
    with pytest.raises(error, match=message):
        call()
