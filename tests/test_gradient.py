"""Tests for dlfs.gradient and dlfs.gradcheck: numerical gradients, rel_error, gradient checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from dlfs.gradcheck import (
    GradCheckReport,
    assert_layer_gradients,
    assert_network_gradients,
    check_layer,
    check_network,
)
from dlfs.gradient import (
    gradient_descent,
    numerical_diff,
    numerical_gradient,
    rel_error,
)
from dlfs.layers import (
    Affine,
    BatchNormalization,
    Dropout,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)

# ---------------------------------------------------------------- numerical_diff / gradient


def test_numerical_diff_textbook_example() -> None:
    f = lambda x: 0.01 * x**2 + 0.1 * x
    assert numerical_diff(f, 5.0) == pytest.approx(0.2, rel=1e-8)
    assert numerical_diff(f, 10.0) == pytest.approx(0.3, rel=1e-8)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_numerical_gradient_of_sum_of_squares_for_any_shape(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    grad = numerical_gradient(lambda v: np.sum(v**2), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    "make_f",
    [
        lambda x: lambda v: np.sum(v**3),  # f(x)
        lambda x: lambda: np.sum(x**3),  # f() reading x through the closure
        lambda x: lambda _: np.sum(x**3),  # the textbook's `lambda W: net.loss(x, t)`
    ],
    ids=["f(x)", "f()", "ignored-argument"],
)
def test_numerical_gradient_accepts_both_call_styles(make_f: Callable) -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(make_f(x), x, h=1e-5), 3 * x**2, rtol=1e-8)


def test_numerical_gradient_restores_the_array_exactly() -> None:
    x = np.random.default_rng(1).standard_normal((3, 4))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert x.tobytes() == before.tobytes()


def test_numerical_gradient_restores_the_array_when_f_raises() -> None:
    x = np.random.default_rng(2).standard_normal((2, 3))
    before = x.copy()
    calls = 0

    def explode(v: np.ndarray) -> float:
        nonlocal calls
        calls += 1
        if calls == 4:  # while the second element is nudged
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(explode, x)
    assert x.tobytes() == before.tobytes()


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.arange(3), TypeError, r"must have dtype float64, got int64: an integer array"),
        (np.ones(3, dtype=np.float32), TypeError, r"float64, got float32: in float32 rounding"),
        ([1.0, 2.0], TypeError, r"must be a NumPy float64 array .* got list"),
        (np.ones(3).view(), ValueError, r"read-only"),
    ],
    ids=["int", "float32", "list", "read-only"],
)
def test_numerical_gradient_rejects_unsuitable_arrays(x: Any, error: type, message: str) -> None:
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        x.flags.writeable = False
    with pytest.raises(error, match=message):
        numerical_gradient(lambda v: np.sum(v), x)


def test_numerical_gradient_needs_a_scalar_function() -> None:
    with pytest.raises(TypeError, match="must return a scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


def test_gradient_descent_reaches_the_minimum_and_leaves_the_start_alone() -> None:
    start = np.array([-3.0, 4.0])
    np.testing.assert_allclose(gradient_descent(lambda v: np.sum(v**2), start, 0.1, 1), [-2.4, 3.2])
    far = gradient_descent(lambda v: np.sum(v**2), start, lr=0.1, step_num=100)
    np.testing.assert_allclose(far, [0.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(start, [-3.0, 4.0])
    assert gradient_descent(lambda v: np.sum(v**2), start, step_num=0).tolist() == [-3.0, 4.0]


def test_moved_gradient_checks_still_import_from_dlfs_gradient() -> None:
    import dlfs.gradcheck
    import dlfs.gradient

    assert dlfs.gradient.check_layer is dlfs.gradcheck.check_layer
    with pytest.raises(AttributeError):
        dlfs.gradient.no_such_name  # noqa: B018


def test_rel_error() -> None:
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, np.zeros(3)) == 1.0
    assert rel_error(a, a + [0, 0, 6e-6]) == pytest.approx(6e-6 / (3 + 3.000006))
    assert rel_error(1e-3 * a, 1e-3 * (a + [0, 0, 6e-6])) == pytest.approx(6e-6 / (3 + 3.000006))
    assert rel_error(a, [1.0, np.nan, 3.0]) == np.inf
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(1, 3\)"):
        rel_error(a, a[None])


# ---------------------------------------------------------------- layers for the helper


class ScaledDbAffine(Affine):
    """Bug: db is half of what it should be."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = super().backward(dout)
        self.db = 0.5 * self.db
        return dx


class WrongAxisDbAffine(Affine):
    """Bug: db summed over the output axis (shapes agree because N == M)."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = super().backward(dout)
        self.db = dout.sum(axis=1)
        return dx


class TransposedDwAffine(Affine):
    """Bug: dW from the wrong product (square W, so the shape is right)."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = super().backward(dout)
        self.dW = self.dW.T.copy()
        return dx


class SigmoidFromInput(Sigmoid):
    """Bug: backward uses x where the formula needs the output."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return super().forward(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.x * (1 - self.x)


class OneElementWrongRelu(Relu):
    """Bug: a single element of dx is off."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = super().backward(dout)
        return dx + (np.arange(dx.size).reshape(dx.shape) == 4)


def _affine(cls: type, rng: np.random.Generator, d: int, m: int) -> Affine:
    return cls(rng.standard_normal((d, m)), rng.standard_normal(m))


# name -> (build(rng) -> (layer, forward args), the array that must be blamed)
BROKEN: dict[str, tuple[Callable[[np.random.Generator], tuple[Any, tuple]], str]] = {
    "affine_db_scaled": (
        lambda rng: (_affine(ScaledDbAffine, rng, 4, 3), (rng.standard_normal((5, 4)),)),
        "db",
    ),
    "affine_db_wrong_axis": (
        lambda rng: (_affine(WrongAxisDbAffine, rng, 4, 3), (rng.standard_normal((3, 4)),)),
        "db",
    ),
    "affine_dW_transposed": (
        lambda rng: (_affine(TransposedDwAffine, rng, 3, 3), (rng.standard_normal((2, 3)),)),
        "dW",
    ),
    "sigmoid_uses_x": (lambda rng: (SigmoidFromInput(), (rng.standard_normal((3, 4)),)), "dx"),
    "relu_one_element": (
        lambda rng: (OneElementWrongRelu(), (rng.standard_normal((2, 3)) + 5,)),
        "dx",
    ),
}


@pytest.mark.parametrize("name", BROKEN)
def test_check_layer_blames_the_broken_array_and_a_valid_element(name: str) -> None:
    build, culprit = BROKEN[name]
    layer, args = build(np.random.default_rng(3))
    report = check_layer(layer, *args, rng=np.random.default_rng(4))
    assert not report.ok
    assert report.failed == [culprit]
    message = str(report)
    assert message.startswith(f"{type(layer).__name__} gradient check failed: {culprit} differs")
    found = re.search(
        rf"Worst element {culprit}\[([\d, ]+)\]: backward gave (\S+), numerical", message
    )
    assert found, message
    index = tuple(int(i) for i in found.group(1).split(","))
    assert index == report.worst_index[culprit]
    arrays = {"dx": args[0], "dW": getattr(layer, "W", None), "db": getattr(layer, "b", None)}
    shape = arrays[culprit].shape
    assert len(index) == len(shape)
    assert all(0 <= i < n for i, n in zip(index, shape, strict=True))
    check = report.arrays[culprit]
    assert check.analytic != pytest.approx(check.numerical)
    with pytest.raises(AssertionError, match=rf"{culprit} differs from the numerical gradient"):
        assert_layer_gradients(layer, *args, rng=np.random.default_rng(4))


def test_message_gives_the_factor_for_a_scaled_gradient() -> None:
    layer, args = BROKEN["affine_db_scaled"][0](np.random.default_rng(5))
    message = str(check_layer(layer, *args))
    assert re.search(r"max relative error 3\.3e-01 > tol 1e-07", message)
    assert "backward gave 0.5 times the numerical gradient everywhere in db" in message
    assert re.search(r"Passed: dx \d\.\de-\d\d, dW \d\.\de-\d\d\.", message)


def test_message_for_a_gradient_of_the_wrong_shape() -> None:
    class KeepdimsDb(Affine):
        def backward(self, dout: np.ndarray) -> np.ndarray:
            dx = super().backward(dout)
            self.db = dout.sum(axis=0, keepdims=True)
            return dx

    rng = np.random.default_rng(6)
    report = check_layer(_affine(KeepdimsDb, rng, 4, 3), rng.standard_normal((2, 4)))
    assert report.failed == ["db"]
    assert "db has the wrong shape: backward gave (1, 3) but b has shape (3,)" in str(report)


def test_message_for_a_gradient_never_set() -> None:
    class ForgetsDb(Affine):
        def backward(self, dout: np.ndarray) -> np.ndarray:
            dx = super().backward(dout)
            self.db = None
            return dx

    rng = np.random.default_rng(7)
    report = check_layer(_affine(ForgetsDb, rng, 4, 3), rng.standard_normal((2, 4)))
    assert "db is None after backward: backward never set self.db" in str(report)


def test_message_for_backward_returning_nothing() -> None:
    class NoReturn(Relu):
        def backward(self, dout: np.ndarray) -> None:
            super().backward(dout)

    report = check_layer(NoReturn(), np.ones((2, 2)))
    assert report.failed == ["dx"]
    assert "backward returned None; it must return dx" in str(report)


def test_writing_into_dout_fails_the_check() -> None:
    class TextbookRelu:
        def forward(self, x: np.ndarray) -> np.ndarray:
            self.mask = x <= 0
            out = x.copy()
            out[self.mask] = 0
            return out

        def backward(self, dout: np.ndarray) -> np.ndarray:
            dout[self.mask] = 0
            return dout

    report = check_layer(TextbookRelu(), np.array([[1.0, -2.0], [-3.0, 4.0]]))
    assert not report.ok
    assert report.arrays["dx"].error < 1e-7  # the values are right, the side effect is not
    assert "backward wrote into dout" in str(report)


def test_non_deterministic_forward_fails_with_an_explanation() -> None:
    class FreshRandomness:
        def forward(self, x: np.ndarray) -> np.ndarray:
            self.mask = np.random.default_rng().random(x.shape) > 0.5
            return x * self.mask

        def backward(self, dout: np.ndarray) -> np.ndarray:
            return dout * self.mask

    report = check_layer(FreshRandomness(), np.ones((8, 8)))
    assert not report.ok
    assert "different outputs for the same input" in str(report)


def test_dropout_is_checked_with_one_mask_in_both_modes() -> None:
    rng = np.random.default_rng(8)
    for train in (True, False):
        layer = Dropout(0.5, rng=np.random.default_rng(9))
        report = assert_layer_gradients(layer, rng.standard_normal((6, 5)), train_flg=train)
        assert report.errors["dx"] < 1e-9


def test_dropout_using_global_random_state_works_and_state_is_restored() -> None:
    class GlobalDropout:
        def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
            self.mask = np.random.rand(*x.shape) > 0.5  # noqa: NPY002 (textbook style on purpose)
            return x * self.mask

        def backward(self, dout: np.ndarray) -> np.ndarray:
            return dout * self.mask

    state = np.random.get_state()  # noqa: NPY002
    assert_layer_gradients(GlobalDropout(), np.ones((4, 4)))
    after = np.random.get_state()  # noqa: NPY002
    assert after[2] == state[2] and np.array_equal(after[1], state[1])


def test_check_layer_changes_nothing_it_is_given() -> None:
    rng = np.random.default_rng(10)
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    bn = BatchNormalization(np.ones(3), np.zeros(3))
    dropout_rng = np.random.default_rng(11)
    dropout = Dropout(0.5, rng=dropout_rng)
    affine = _affine(Affine, rng, 3, 3)
    W_before, x_before, dout_before = affine.W.copy(), x.copy(), dout.copy()
    for layer in (bn, dropout, affine):
        assert_layer_gradients(layer, x, dout=dout)
    assert bn.running_mean is None and bn.dgamma is None
    assert dropout_rng.random() == np.random.default_rng(11).random()  # no draws were used up
    assert affine.dW is None
    np.testing.assert_array_equal(affine.W, W_before)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


def test_check_layer_is_deterministic_given_rng() -> None:
    rng = np.random.default_rng(12)
    layer = BatchNormalization(1 + rng.standard_normal(4), rng.standard_normal(4))
    x = rng.standard_normal((5, 4))
    reports = [check_layer(layer, x, rng=np.random.default_rng(13)) for _ in range(2)]
    assert reports[0].errors == reports[1].errors
    assert check_layer(layer, x, rng=7).errors == check_layer(layer, x, rng=7).errors
    assert check_layer(layer, x).errors == check_layer(layer, x).errors


def test_agrees_with_a_direct_numerical_gradient() -> None:
    rng = np.random.default_rng(14)
    layer, x = _affine(Affine, rng, 6, 2), rng.standard_normal((3, 6))
    dout = rng.standard_normal((3, 2))
    report = check_layer(layer, x, dout=dout)
    dx = layer.forward(x) is not None and layer.backward(dout)
    loss = lambda: float(np.sum(layer.forward(x) * dout))
    assert report.errors["dx"] == pytest.approx(rel_error(dx, numerical_gradient(loss, x, h=1e-5)))
    assert list(report.arrays) == ["dx", "dW", "db"]


def test_scalar_loss_layer_is_checked_with_dout_one() -> None:
    rng = np.random.default_rng(15)
    x, t = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    report = assert_layer_gradients(SoftmaxWithLoss(), x, t)
    assert list(report.arrays) == ["dx"]  # labels t get no gradient
    assert "passed" in str(report)


class Scale:
    """A custom layer ``out = x * w`` with its parameter under a non-standard name."""

    def __init__(self, w: np.ndarray, bug: float = 1.0) -> None:
        self.w, self.dw, self.bug = w, None, bug

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x * self.w

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dw = self.bug * np.sum(dout * self.x, axis=0)
        return dout * self.w


@pytest.mark.parametrize("params", [{"w": ("w", "dw")}, {"w": "dw"}], ids=["pair", "short"])
def test_explicit_params_mapping_for_custom_layers(params: dict) -> None:
    rng = np.random.default_rng(16)
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    assert list(check_layer(Scale(w), x).arrays) == ["dx"]  # w is not found without help
    report = check_layer(Scale(w), x, params=params)
    assert report.ok and list(report.arrays) == ["dx", "dw"]
    broken = check_layer(Scale(w, bug=-1.0), x, params=params)
    assert broken.failed == ["dw"]
    assert "the sign is flipped" in str(broken)


def test_max_elements_checks_a_reproducible_sample() -> None:
    rng = np.random.default_rng(17)
    layer, x = _affine(Affine, rng, 20, 10), rng.standard_normal((3, 20))
    report = check_layer(layer, x, max_elements=15, rng=1)
    assert report.ok
    assert report.arrays["dW"].checked == 15 and report.arrays["dW"].size == 200
    assert report.arrays["db"].checked == 10
    again = check_layer(layer, x, max_elements=15, rng=1)
    assert again.worst_index == report.worst_index


class Float32Net:
    params = {"W": np.ones((2, 2), dtype=np.float32)}


CHECK_ERRORS = {
    "float32_x": (lambda: check_layer(Relu(), np.ones(3, dtype=np.float32)), TypeError, "float64"),
    "int_x": (
        lambda: check_layer(Relu(), np.arange(3)),
        TypeError,
        "check_layer: x must have dtype float64, got int64",
    ),
    "float32_W": (
        lambda: check_layer(Affine(np.ones((2, 2), np.float32), np.ones(2)), np.ones((1, 2))),
        TypeError,
        r"Affine.W has dtype float32; gradient checks need float64",
    ),
    "float32_network": (
        lambda: check_network(Float32Net(), np.ones((1, 2)), np.array([0])),
        TypeError,
        r"Float32Net.params\['W'\] must have dtype float64, got float32.*Build the network",
    ),
    "train_flg_not_accepted": (
        lambda: check_layer(Relu(), np.ones(3), train_flg=True),
        TypeError,
        "takes no train_flg",
    ),
    "dout_shape": (
        lambda: check_layer(Relu(), np.ones((2, 3)), dout=np.ones(3)),
        ValueError,
        r"dout must have the shape of Relu's output \(2, 3\)",
    ),
    "unknown_param": (
        lambda: check_layer(Relu(), np.ones(3), params={"W": ("W", "dW")}),
        ValueError,
        "Relu.W, which is not an array",
    ),
}


@pytest.mark.parametrize("name", CHECK_ERRORS)
def test_checks_reject_unusable_arguments(name: str) -> None:
    call, error, message = CHECK_ERRORS[name]
    with pytest.raises(error, match=message):
        call()


def test_report_fields() -> None:
    rng = np.random.default_rng(18)
    layer, args = BROKEN["affine_db_scaled"][0](rng)
    report = check_layer(layer, *args)
    assert isinstance(report, GradCheckReport)
    assert report.ok is False and report.tol == 1e-7
    assert set(report.errors) == {"dx", "dW", "db"} == set(report.worst_index)
    assert report.errors["db"] == pytest.approx(1 / 3, rel=1e-6)


# ---------------------------------------------------------------- networks


class TinyNet:
    """Affine -> BatchNorm -> Relu -> Dropout -> Affine -> SoftmaxWithLoss, textbook-style."""

    def __init__(self, rng: np.random.Generator, bug: float = 1.0) -> None:
        self.params = {
            "W1": rng.standard_normal((4, 5)),
            "b1": rng.standard_normal(5),
            "gamma1": 1 + 0.1 * rng.standard_normal(5),
            "beta1": rng.standard_normal(5),
            "W2": rng.standard_normal((5, 3)),
            "b2": rng.standard_normal(3),
        }
        p = self.params
        self.layers = [
            Affine(p["W1"], p["b1"]),
            BatchNormalization(p["gamma1"], p["beta1"]),
            Relu(),
            Dropout(0.3, rng=np.random.default_rng(rng.integers(2**32))),
            Affine(p["W2"], p["b2"]),
        ]
        self.last = SoftmaxWithLoss()
        self.bug = bug

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = False) -> float:
        for layer in self.layers:
            if isinstance(layer, (Dropout, BatchNormalization)):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return self.last.forward(x, t)

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        self.loss(x, t, train_flg=True)
        dout = self.last.backward(1.0)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        a1, bn, _, _, a2 = self.layers
        return {
            "W1": a1.dW,
            "b1": a1.db,
            "gamma1": bn.dgamma,
            "beta1": bn.dbeta,
            "W2": a2.dW,
            "b2": self.bug * a2.db,
        }


def test_check_network_passes_with_dropout_and_batchnorm() -> None:
    rng = np.random.default_rng(19)
    net, x, t = TinyNet(rng), rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    params_before = {k: v.copy() for k, v in net.params.items()}
    report = assert_network_gradients(net, x, t)
    assert list(report.arrays) == list(net.params)
    for key, value in net.params.items():  # the network was copied, not touched
        np.testing.assert_array_equal(value, params_before[key])
    assert net.layers[1].running_mean is None


def test_check_network_blames_the_broken_parameter() -> None:
    rng = np.random.default_rng(20)
    net, x, t = TinyNet(rng, bug=2.0), rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    report = check_network(net, x, t)
    assert report.failed == ["b2"]
    message = str(report)
    assert message.startswith("TinyNet gradient check failed: b2 differs")
    index = re.search(r"Worst element b2\[(\d)\]", message)
    assert index and 0 <= int(index.group(1)) < 3
    with pytest.raises(AssertionError, match="b2 differs"):
        assert_network_gradients(net, x, t, keys=["W2", "b2"])
    assert check_network(net, x, t, keys=["W1"]).ok


def test_check_network_rejects_unknown_keys() -> None:
    rng = np.random.default_rng(21)
    with pytest.raises(KeyError, match="has no \\['W9'\\]"):
        check_network(TinyNet(rng), np.ones((2, 4)), np.array([0, 1]), keys=["W9"])
