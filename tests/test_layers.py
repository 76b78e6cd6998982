"""Tests for dlfs.layers: one registry of layer cases, every check parametrized over it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from dlfs.functions import cross_entropy_error, softmax
from dlfs.gradcheck import assert_layer_gradients
from dlfs.layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Dropout,
    MulLayer,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)
from hypothesis import given, settings
from hypothesis import strategies as st

Built = tuple[Any, tuple[Any, ...], dict[str, Any]]  # layer, forward args, forward kwargs


def normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Inputs for kinked functions: no element within 0.1 of the kink at 0."""
    x = rng.standard_normal(shape)
    return (x + 0.1 * np.where(x >= 0, 1, -1)).astype(dtype)


def features(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape[1:]))


def build_affine(rng, shape, dtype) -> Built:
    layer = Affine(normal(rng, (features(shape), 3), dtype), normal(rng, (3,), dtype))
    return layer, (normal(rng, shape, dtype),), {}


def build_softmax_loss(one_hot: bool) -> Callable[..., Built]:
    def build(rng, shape, dtype) -> Built:
        labels = rng.integers(0, shape[-1], size=shape[0])
        t = np.eye(shape[-1], dtype=dtype)[labels] if one_hot else labels
        return SoftmaxWithLoss(), (normal(rng, shape, dtype), t), {}

    return build


def build_dropout(train: bool) -> Callable[..., Built]:
    def build(rng, shape, dtype) -> Built:
        layer = Dropout(0.3, rng=np.random.default_rng(rng.integers(2**32)))
        return layer, (normal(rng, shape, dtype),), {"train_flg": train}

    return build


def build_batchnorm(train: bool) -> Callable[..., Built]:
    def build(rng, shape, dtype) -> Built:
        d = features(shape)
        stats = {}
        if not train:  # realistic running statistics for test mode
            stats = {
                "running_mean": normal(rng, (d,), dtype),
                "running_var": rng.uniform(0.5, 2.0, d).astype(dtype),
            }
        gamma = (1 + 0.1 * rng.standard_normal(d)).astype(dtype)
        layer = BatchNormalization(gamma, normal(rng, (d,), dtype), momentum=0.8, **stats)
        return layer, (normal(rng, shape, dtype),), {"train_flg": train}

    return build


batch_shapes = st.builds(
    lambda n, rest: (n, *rest),
    st.integers(2, 4),
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
)
# with 2 samples, batch norm is nearly a sign function of x[0] - x[1]: when the two are close
# it curves too sharply for finite differences, so the property test uses 3 or more
norm_shapes = st.builds(
    lambda n, rest: (n, *rest),
    st.integers(3, 5),
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
)
score_shapes = st.tuples(st.integers(1, 4), st.integers(2, 5))


@dataclass(frozen=True)
class Case:
    build: Callable[[np.random.Generator, tuple[int, ...], type], Built]
    shape: tuple[int, ...]
    shapes: st.SearchStrategy = batch_shapes  # for the property test
    checks_dout: bool = True  # backward rejects a dout of the wrong shape


LAYERS: dict[str, Case] = {
    "mul": Case(
        lambda rng, s, dt: (MulLayer(), (normal(rng, s, dt), normal(rng, s, dt)), {}),
        (3, 4),
        checks_dout=False,
    ),
    "add": Case(
        lambda rng, s, dt: (AddLayer(), (normal(rng, s, dt), normal(rng, s, dt)), {}),
        (3, 4),
        checks_dout=False,
    ),
    "relu": Case(lambda rng, s, dt: (Relu(), (away_from_zero(rng, s, dt),), {}), (4, 6)),
    "sigmoid": Case(lambda rng, s, dt: (Sigmoid(), (normal(rng, s, dt),), {}), (4, 6)),
    "affine": Case(build_affine, (4, 3, 2, 2)),
    "affine_2d": Case(build_affine, (5, 7)),
    "softmax_loss_labels": Case(build_softmax_loss(False), (4, 5), score_shapes),
    "softmax_loss_onehot": Case(build_softmax_loss(True), (4, 5), score_shapes),
    "dropout_train": Case(build_dropout(True), (4, 6)),
    "dropout_test": Case(build_dropout(False), (4, 6)),
    "batchnorm_train": Case(build_batchnorm(True), (5, 4), norm_shapes),
    "batchnorm_train_4d": Case(build_batchnorm(True), (4, 2, 2, 2), norm_shapes),
    "batchnorm_test": Case(build_batchnorm(False), (5, 4), norm_shapes),
}


def run(layer: Any, args: tuple, kwargs: dict, rng: np.random.Generator, dtype: type = np.float64):
    """Forward then backward with a random dout; returns (out, dout, grads as a tuple)."""
    out = layer.forward(*args, **kwargs)
    dout = 1.0 if np.ndim(out) == 0 else normal(rng, np.shape(out), dtype)
    grads = layer.backward(dout)
    return out, dout, grads if isinstance(grads, tuple) else (grads,)


def param_grads(layer: Any) -> dict[str, np.ndarray]:
    names = ("dW", "db", "dgamma", "dbeta")
    return {n: getattr(layer, n) for n in names if getattr(layer, n, None) is not None}


# ---------------------------------------------------------------- checks over the registry


@pytest.mark.parametrize("name", LAYERS)
def test_backward_matches_numerical_gradient(name: str) -> None:
    case = LAYERS[name]
    rng = np.random.default_rng(0)
    layer, args, kwargs = case.build(rng, case.shape, np.float64)
    report = assert_layer_gradients(layer, *args, rng=rng, tol=1e-7, h=1e-5, **kwargs)
    assert report.arrays["dx"].checked == np.prod(case.shape)


@pytest.mark.parametrize("name", LAYERS)
@settings(max_examples=5, deadline=None, derandomize=True)
@given(data=st.data())
def test_backward_matches_numerical_gradient_for_any_shape(name: str, data: st.DataObject) -> None:
    case = LAYERS[name]
    shape = data.draw(case.shapes, label="shape")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    layer, args, kwargs = case.build(rng, shape, np.float64)
    assert_layer_gradients(layer, *args, rng=rng, **kwargs)


@pytest.mark.parametrize("name", LAYERS)
def test_float32_stays_float32(name: str) -> None:
    case = LAYERS[name]
    rng = np.random.default_rng(1)
    layer, args, kwargs = case.build(rng, case.shape, np.float32)
    out, _, grads = run(layer, args, kwargs, rng, np.float32)
    if np.ndim(out) > 0:
        assert out.dtype == np.float32
    for grad in [*grads, *param_grads(layer).values()]:
        assert grad.dtype == np.float32
    if isinstance(layer, BatchNormalization):
        assert layer.running_mean.dtype == layer.running_var.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", LAYERS)
def test_inputs_and_dout_unchanged(name: str, dtype: type) -> None:
    case = LAYERS[name]
    rng = np.random.default_rng(2)
    layer, args, kwargs = case.build(rng, case.shape, dtype)
    args_before = [np.copy(a) for a in args]
    out = layer.forward(*args, **kwargs)
    dout = 1.0 if np.ndim(out) == 0 else normal(rng, np.shape(out), dtype)
    dout_before = np.copy(dout)
    layer.backward(dout)
    for arg, before in zip(args, args_before, strict=True):
        np.testing.assert_array_equal(arg, before)
    np.testing.assert_array_equal(dout, dout_before)


@pytest.mark.parametrize("name", LAYERS)
def test_same_seed_gives_same_results(name: str) -> None:
    case = LAYERS[name]
    results = []
    for _ in range(2):
        rng = np.random.default_rng(3)
        layer, args, kwargs = case.build(rng, case.shape, np.float64)
        out, _, grads = run(layer, args, kwargs, rng)
        results.append((out, grads, param_grads(layer)))
    (out1, grads1, params1), (out2, grads2, params2) = results
    np.testing.assert_array_equal(out1, out2)
    for g1, g2 in zip(grads1, grads2, strict=True):
        np.testing.assert_array_equal(g1, g2)
    assert params1.keys() == params2.keys()
    for key in params1:
        np.testing.assert_array_equal(params1[key], params2[key])


@pytest.mark.parametrize("name", LAYERS)
def test_backward_before_forward_is_an_error(name: str) -> None:
    case = LAYERS[name]
    layer, _, _ = case.build(np.random.default_rng(4), case.shape, np.float64)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones(case.shape))


@pytest.mark.parametrize("name", [n for n, c in LAYERS.items() if c.checks_dout])
def test_dout_of_wrong_shape_is_an_error(name: str) -> None:
    case = LAYERS[name]
    rng = np.random.default_rng(5)
    layer, args, kwargs = case.build(rng, case.shape, np.float64)
    out = layer.forward(*args, **kwargs)
    bad = np.ones((7, 7)) if np.ndim(out) == 0 else np.ones(np.shape(out) + (1,))
    with pytest.raises(ValueError, match="dout"):
        layer.backward(bad)


# ---------------------------------------------------------------- bad input, clear message


def _affine() -> Affine:
    return Affine(np.zeros((12, 5)), np.zeros(5))


def _forwarded(layer: Any, *args: Any) -> Any:
    layer.forward(*args)
    return layer


BAD_INPUTS: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "affine_features": (
        lambda: _affine().forward(np.zeros((4, 7))),
        ValueError,
        r"Affine: x has 7 features per sample .* but W expects 12 \(W.shape=\(12, 5\)\)",
    ),
    "affine_nd_features": (
        lambda: _affine().forward(np.zeros((4, 2, 2, 2))),
        ValueError,
        r"x has 8 features per sample \(x.shape=\(4, 2, 2, 2\)\)",
    ),
    "affine_1d_input": (
        lambda: _affine().forward(np.zeros(12)),
        ValueError,
        r"batch of shape \(N, 12\)",
    ),
    "affine_bias_shape": (
        lambda: Affine(np.zeros((12, 5)), np.zeros(4)),
        ValueError,
        r"b must have shape \(5,\)",
    ),
    "affine_dout_shape": (
        lambda: _forwarded(_affine(), np.zeros((4, 12))).backward(np.zeros((4, 6))),
        ValueError,
        r"Affine.backward: dout must have the shape of the forward output \(4, 5\), got \(4, 6\)",
    ),
    "softmax_loss_t_shape": (
        lambda: SoftmaxWithLoss().forward(np.zeros((4, 3)), np.zeros(5, dtype=int)),
        ValueError,
        r"t must be labels of shape \(4,\) or one-hot of shape \(4, 3\).*got t.shape=\(5,\)",
    ),
    "softmax_loss_labels_range": (
        lambda: SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        r"labels out of range: expected values in \[0, 3\)",
    ),
    "softmax_loss_negative_label": (
        lambda: SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([-1, 0])),
        ValueError,
        r"labels out of range",
    ),
    "softmax_loss_float_labels": (
        lambda: SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([0.0, 1.0])),
        TypeError,
        r"labels t must be integers",
    ),
    "softmax_loss_array_dout": (
        lambda: _forwarded(SoftmaxWithLoss(), np.zeros((2, 3)), np.array([0, 1])).backward(
            np.ones(2)
        ),
        ValueError,
        r"dout must be a scalar",
    ),
    "dropout_ratio": (lambda: Dropout(1.0), ValueError, r"dropout_ratio must be in \[0, 1\)"),
    "batchnorm_features": (
        lambda: BatchNormalization(np.ones(6), np.zeros(6)).forward(np.zeros((4, 2, 2))),
        ValueError,
        r"x has 4 features per sample .* but gamma expects 6",
    ),
    "batchnorm_single_sample": (
        lambda: BatchNormalization(np.ones(3), np.zeros(3)).forward(np.zeros((1, 3))),
        ValueError,
        r"at least 2 samples",
    ),
    "batchnorm_beta_shape": (
        lambda: BatchNormalization(np.ones(3), np.zeros(4)),
        ValueError,
        r"gamma and beta must both have shape \(D,\)",
    ),
    "relu_dout_shape": (
        lambda: _forwarded(Relu(), np.zeros((2, 3))).backward(np.zeros((3, 2))),
        ValueError,
        r"Relu.backward: dout must have the shape of the forward output \(2, 3\)",
    ),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_gives_a_clear_error(name: str) -> None:
    call, error, message = BAD_INPUTS[name]
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- layer-specific behaviour


def test_apple_shopping_example() -> None:
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(apple, apple_num), tax)
    assert price == pytest.approx(220)
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert (dapple, dapple_num, dtax) == pytest.approx((2.2, 110, 200))


def test_apple_and_orange_example() -> None:
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    total = add.forward(mul_apple.forward(100, 2), mul_orange.forward(150, 3))
    price = mul_tax.forward(total, 1.1)
    assert price == pytest.approx(715)
    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert (dapple_num, dapple, dorange, dorange_num, dtax) == pytest.approx(
        (110, 2.2, 3.3, 165, 650)
    )


def test_mul_and_add_sum_broadcast_gradients_back_to_input_shape() -> None:
    x, tax = np.arange(6.0).reshape(2, 3), np.array(1.5)
    mul = MulLayer()
    mul.forward(x, tax)
    dx, dtax = mul.backward(np.ones((2, 3)))
    assert dx.shape == (2, 3) and dtax.shape == ()
    assert dtax == pytest.approx(x.sum())
    add = AddLayer()
    add.forward(x, np.zeros(3))
    dx, db = add.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(db, [2.0, 2.0, 2.0])


def test_sigmoid_backward_uses_the_cached_output() -> None:
    layer = Sigmoid()
    out = layer.forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(layer.out, out)
    np.testing.assert_allclose(layer.backward(np.ones(3)), out * (1 - out))


def test_sigmoid_layer_is_stable_for_large_inputs() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = Sigmoid().forward(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_affine_restores_input_shape_and_matches_formula() -> None:
    rng = np.random.default_rng(6)
    x, W, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 5)), rng.standard_normal(5)
    layer = Affine(W, b)
    np.testing.assert_allclose(layer.forward(x), x.reshape(2, 12) @ W + b)
    dx = layer.backward(np.ones((2, 5)))
    assert dx.shape == x.shape
    assert layer.dW.shape == W.shape and layer.db.shape == b.shape


def test_softmax_with_loss_labels_and_one_hot_agree() -> None:
    rng = np.random.default_rng(7)
    x, labels = rng.standard_normal((4, 5)), np.array([0, 4, 2, 2])
    one_hot = np.eye(5)[labels]
    by_label, by_one_hot = SoftmaxWithLoss(), SoftmaxWithLoss()
    loss = by_label.forward(x, labels)
    assert loss == pytest.approx(by_one_hot.forward(x, one_hot), rel=1e-12)
    assert loss == pytest.approx(cross_entropy_error(softmax(x), labels), rel=1e-6)
    assert by_label.t.ndim == 1  # labels are used directly, no dense one-hot is built
    dx = by_label.backward()
    np.testing.assert_allclose(dx, (softmax(x) - one_hot) / 4, rtol=1e-12)
    np.testing.assert_allclose(by_one_hot.backward(), dx, rtol=1e-12)
    np.testing.assert_allclose(by_label.backward(2.0), 2 * dx, rtol=1e-12)


def test_softmax_with_loss_single_sample_and_large_scores() -> None:
    layer = SoftmaxWithLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = layer.forward(np.array([1010.0, 1000.0, 990.0]), np.array(0))
    assert loss == pytest.approx(-np.log(softmax(np.array([20.0, 10.0, 0.0]))[0]))
    assert layer.backward().shape == (3,)
    big = SoftmaxWithLoss().forward(np.array([[0.0, 2000.0]]), np.array([0]))
    assert big == pytest.approx(2000.0)  # log-sum-exp: exact even where softmax is 0


def test_dropout_drops_about_the_ratio_and_scales_at_test_time() -> None:
    x = np.ones((100, 100), dtype=np.float32)
    layer = Dropout(0.3, rng=np.random.default_rng(8))
    out = layer.forward(x, train_flg=True)
    assert abs(np.mean(out == 0) - 0.3) < 0.03
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), out)  # same mask
    test_out = layer.forward(x, train_flg=False)
    assert test_out.dtype == np.float32
    np.testing.assert_allclose(test_out, 0.7)
    np.testing.assert_allclose(layer.backward(np.ones_like(x)), 0.7)


def test_dropout_masks_come_from_its_generator() -> None:
    x = np.ones((4, 5))
    a = Dropout(0.5, rng=np.random.default_rng(9)).forward(x)
    b = Dropout(0.5, rng=np.random.default_rng(9)).forward(x)
    c = Dropout(0.5, rng=np.random.default_rng(10)).forward(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_batchnorm_normalizes_and_tracks_running_statistics() -> None:
    rng = np.random.default_rng(11)
    x = 3.0 + 2.0 * rng.standard_normal((50, 2, 3))
    layer = BatchNormalization(np.ones(6), np.zeros(6), momentum=0.9)
    out = layer.forward(x, train_flg=True)
    assert out.shape == x.shape
    flat = out.reshape(50, 6)
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(flat.std(axis=0), 1, atol=1e-5)
    mu, var = x.reshape(50, 6).mean(axis=0), x.reshape(50, 6).var(axis=0)
    np.testing.assert_allclose(layer.running_mean, 0.1 * mu)
    np.testing.assert_allclose(layer.running_var, 0.1 * var)
    test_out = layer.forward(x, train_flg=False)
    expected = (x.reshape(50, 6) - 0.1 * mu) / np.sqrt(0.1 * var + layer.eps)
    np.testing.assert_allclose(test_out.reshape(50, 6), expected)


def test_batchnorm_does_not_write_into_given_running_statistics() -> None:
    mean, var = np.zeros(3), np.ones(3)
    layer = BatchNormalization(np.ones(3), np.zeros(3), running_mean=mean, running_var=var)
    layer.forward(np.arange(6.0).reshape(2, 3), train_flg=True)
    np.testing.assert_array_equal(mean, 0)
    np.testing.assert_array_equal(var, 1)
    assert not np.array_equal(layer.running_mean, mean)


# ---------------------------------------------------------------- dtypes and textbook forms


@pytest.mark.parametrize(
    ("x_dtype", "param_dtype", "expected"),
    [
        (np.float32, np.float32, np.float32),  # float32 end to end
        (np.float32, np.float64, np.float64),  # the textbook's float64 weights, float32 images
        (np.float64, np.float32, np.float64),
    ],
)
def test_affine_and_batchnorm_compute_in_the_promoted_dtype(x_dtype, param_dtype, expected):
    rng = np.random.default_rng(20)
    x = rng.standard_normal((4, 6)).astype(x_dtype)
    layers = [
        Affine(rng.standard_normal((6, 6)).astype(param_dtype), np.zeros(6, param_dtype)),
        BatchNormalization(np.ones(6, param_dtype), np.zeros(6, param_dtype)),
    ]
    for layer in layers:
        out = layer.forward(x)
        dx = layer.backward(np.ones(out.shape, out.dtype))  # dout in the dtype of out
        grads = [getattr(layer, g) for g in ("dW", "db", "dgamma", "dbeta") if hasattr(layer, g)]
        assert out.dtype == dx.dtype == expected, type(layer).__name__
        assert all(g.dtype == expected for g in grads), type(layer).__name__


def test_softmax_with_loss_accepts_textbook_labels_of_shape_n_1_with_a_warning() -> None:
    rng = np.random.default_rng(21)
    x, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    flat = SoftmaxWithLoss()
    expected = flat.forward(x, labels)
    column = SoftmaxWithLoss()
    with pytest.warns(DeprecationWarning, match=r"labels of shape \(N, 1\).*t.ravel\(\)"):
        loss = column.forward(x, labels.reshape(5, 1))
    assert loss == expected
    np.testing.assert_array_equal(column.backward(), flat.backward())


def test_batchnorm_on_one_sample_says_why_it_refuses() -> None:
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"at least 2 samples to estimate a variance.*train_flg"):
        layer.forward(np.zeros((1, 3)))
    assert layer.forward(np.zeros((1, 3)), train_flg=False).shape == (1, 3)
