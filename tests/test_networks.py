"""Tests for dlfs.networks: one registry of small networks, every check parametrized over it."""

from __future__ import annotations

import inspect
from typing import Any

import dlfs.convnets
import dlfs.netbase
import dlfs.networks
import numpy as np
import pytest
from dlfs.datasets import DatasetNotFoundError, load_fashion_mnist
from dlfs.gradcheck import check_network
from dlfs.layers import Dropout, Sigmoid
from dlfs.networks import (
    DeepConvNet,
    MultiLayerNet,
    MultiLayerNetExtend,
    SimpleConvNet,
    TwoLayerNet,
)
from dlfs.optimizers import Adam

SMALL_CONV = {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1}
TINY_DEEP = [{"filter_num": n} for n in (2, 2, 3, 3, 4, 4)]
MLP = {"input_size": 6, "hidden_size_list": [5, 4], "output_size": 3}

# name: (network class, constructor arguments besides rng and dtype, input shape of a batch)
NETWORKS: dict[str, tuple[type, dict[str, Any], tuple[int, ...]]] = {
    "two_layer": (TwoLayerNet, {"input_size": 6, "hidden_size": 5, "output_size": 3}, (4, 6)),
    "multi_relu_decay": (MultiLayerNet, MLP | {"weight_decay_lambda": 0.1}, (4, 6)),
    "multi_sigmoid_xavier": (
        MultiLayerNet,
        MLP | {"activation": "sigmoid", "weight_init_std": "xavier"},
        (4, 6),
    ),
    "extend_batchnorm": (MultiLayerNetExtend, MLP | {"use_batchnorm": True}, (5, 6)),
    "extend_dropout_decay": (
        MultiLayerNetExtend,
        MLP | {"use_dropout": True, "dropout_ratio": 0.3, "weight_decay_lambda": 0.05},
        (4, 6),
    ),
    "extend_layer_class": (
        MultiLayerNetExtend,
        MLP | {"activation": Sigmoid, "use_batchnorm": True},
        (5, 6),
    ),
    "extend_all": (
        MultiLayerNetExtend,
        MLP
        | {"activation": "sigmoid", "weight_init_std": 0.5, "weight_decay_lambda": 0.1}
        | {"use_dropout": True, "dropout_ratio": 0.2, "use_batchnorm": True},
        (5, 2, 3),  # N-d input with 6 values per sample
    ),
    "simple_conv": (
        SimpleConvNet,
        {"input_dim": (1, 8, 8), "conv_param": SMALL_CONV, "hidden_size": 5, "output_size": 3}
        | {"weight_init_std": "he"},
        (3, 1, 8, 8),
    ),
    "simple_conv_strided": (
        SimpleConvNet,
        {"input_dim": (2, 7, 9), "conv_param": {"filter_num": 2, "filter_size": 3, "stride": 2}}
        | {"hidden_size": 4, "output_size": 3, "weight_init_std": 0.3},
        (3, 2, 7, 9),
    ),
    "deep_conv": (
        DeepConvNet,
        {"input_dim": (1, 8, 8), "conv_params": TINY_DEEP, "hidden_size": 5, "output_size": 3}
        | {"dropout_ratio": 0.2},
        (3, 1, 8, 8),
    ),
}


def build(name: str, rng: Any, dtype: Any = np.float64) -> Any:
    cls, kwargs, _ = NETWORKS[name]
    return cls(**kwargs, rng=rng, dtype=dtype)


def make(
    name: str, seed: int = 0, dtype: Any = np.float64, jitter: bool = True
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Build network ``name`` with a batch; ``jitter`` moves the zero biases off ReLU kinks."""
    shape = NETWORKS[name][2]
    rng = np.random.default_rng(seed)
    net = build(name, np.random.default_rng(seed + 1), dtype)
    if jitter:
        for p in net.params.values():  # in place, so the layers see it too
            p += (0.1 * rng.standard_normal(p.shape)).astype(p.dtype)
    x = rng.standard_normal(shape).astype(dtype)
    t = rng.integers(0, 3, size=shape[0])
    return net, x, t


def layer_arrays(net: Any) -> list[np.ndarray]:
    return [
        v for layer in net.layers.values() for v in vars(layer).values() if type(v) is np.ndarray
    ]


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", NETWORKS)
def test_backprop_matches_numerical_gradient(name):
    net, x, t = make(name)
    report = check_network(net, x, t, h=1e-5, tol=1e-7)
    assert report.ok, str(report)
    assert list(report.arrays) == list(net.params)


@pytest.mark.parametrize("name", NETWORKS)
def test_numerical_gradient_method_agrees_with_gradient(name):
    net, x, t = make(name)
    numerical = net.numerical_gradient(x, t)  # leaves rng and BN statistics as they were
    grads = net.gradient(x, t)  # so this pass draws the same dropout masks
    assert list(numerical) == list(net.params) == list(grads)
    for key in net.params:
        np.testing.assert_allclose(grads[key], numerical[key], rtol=1e-5, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("name", NETWORKS)
def test_gradient_shapes_and_last_loss(name):
    net, x, t = make(name)
    grads = net.gradient(x, t)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net.params.items()}
    assert net.last_loss is not None and np.isfinite(net.last_loss)


def test_weight_decay_adds_half_lambda_sum_of_squares():
    lam = 0.3
    with_decay = MultiLayerNet(6, [5, 4], 3, weight_decay_lambda=lam, rng=0)
    plain = MultiLayerNet(6, [5, 4], 3, rng=0)
    x, t = np.random.default_rng(1).standard_normal((4, 6)), np.array([0, 1, 2, 1])
    penalty = 0.5 * lam * sum(np.sum(with_decay.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert with_decay.loss(x, t) == pytest.approx(plain.loss(x, t) + penalty, rel=1e-12)
    g_decay, g_plain = with_decay.gradient(x, t), plain.gradient(x, t)
    np.testing.assert_allclose(g_decay["W2"], g_plain["W2"] + lam * plain.params["W2"])
    np.testing.assert_array_equal(g_decay["b2"], g_plain["b2"])


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize("name", NETWORKS)
def test_layers_share_the_params_arrays(name):
    net, x, t = make(name, jitter=False)
    arrays = layer_arrays(net)
    for key, p in net.params.items():
        assert any(a is p for a in arrays), f"no layer uses params[{key!r}] itself"
    before = net.predict(x)
    Adam(lr=0.1).update(net.params, net.gradient(x, t))
    assert not np.allclose(net.predict(x), before)


@pytest.mark.parametrize("name", NETWORKS)
def test_same_seed_same_network_and_gradients(name):
    (a, x, t), (b, _, _) = make(name, seed=3), make(name, seed=3)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    ga, gb = a.gradient(x, t), b.gradient(x, t)
    for key in ga:
        np.testing.assert_array_equal(ga[key], gb[key])
    c = build(name, np.random.default_rng(99))
    assert any(not np.array_equal(a.params[k], c.params[k]) for k in a.params if k[0] == "W")


@pytest.mark.parametrize("name", NETWORKS)
def test_float32_path_keeps_float32(name):
    net, x, t = make(name, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.predict(x, train_flg=True).dtype == np.float32
    grads = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grads.values()), {
        k: g.dtype for k, g in grads.items()
    }
    Adam(lr=0.01).update(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.predict(x.astype(np.float64)).dtype == np.float32  # input converted once
    assert np.isfinite(net.loss(x, t))


@pytest.mark.parametrize("name", NETWORKS)
def test_float32_and_float64_start_alike(name):
    net32, x, t = make(name, dtype=np.float32, jitter=False)
    net64, _, _ = make(name, dtype=np.float64, jitter=False)
    for key in net64.params:
        np.testing.assert_allclose(net32.params[key], net64.params[key], rtol=1e-6, atol=1e-7)
    assert net32.loss(x, t) == pytest.approx(net64.loss(x, t), rel=1e-4)


def test_numerical_gradient_refuses_float32():
    net, x, t = make("two_layer", dtype=np.float32)
    with pytest.raises(TypeError, match="float64"):
        net.numerical_gradient(x, t)


@pytest.mark.parametrize("name", NETWORKS)
def test_test_mode_is_deterministic_and_inputs_untouched(name):
    net, x, t = make(name)
    x_before = x.copy()
    net.gradient(x, t)  # sets batch-norm running statistics
    np.testing.assert_array_equal(net.predict(x), net.predict(x))
    np.testing.assert_array_equal(x, x_before)


# ---------------------------------------------------------------- accuracy and errors


@pytest.mark.parametrize("name", NETWORKS)
def test_accuracy_labels_one_hot_and_batch_size_agree(name):
    net, x, t = make(name)
    expected = float(np.mean(np.argmax(net.predict(x), axis=1) == t))
    assert net.accuracy(x, t) == expected
    assert net.accuracy(x, np.eye(3)[t]) == expected
    assert net.accuracy(x, t, batch_size=2) == expected


@pytest.mark.parametrize("name", NETWORKS)
def test_wrong_input_shape_is_a_clear_error(name):
    net, x, t = make(name)
    bad = np.ones((len(x), int(np.prod(x.shape[1:])) + 1))
    with pytest.raises(ValueError, match=r"x must have shape \(N, .*got x.shape=\(\d+, \d+\)"):
        net.predict(bad)
    with pytest.raises(ValueError, match="x has 3 samples but t has 2"):
        net.loss(x[:3], t[:2])


def test_flat_images_get_a_reshape_hint():
    net = SimpleConvNet((1, 8, 8), SMALL_CONV, hidden_size=5, output_size=3, rng=0)
    with pytest.raises(ValueError, match=r"x.reshape\(-1, 1, 8, 8\)"):
        net.predict(np.ones((2, 64)))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: MultiLayerNet(6, [5], 3, activation="tanh"), "activation must be a layer class"),
        (lambda: MultiLayerNet(6, [5], 3, weight_init_std="glorot"), "weight_init_std must be"),
        (lambda: MultiLayerNet(6, 5, 3), "hidden_size_list must be a list"),
        (lambda: TwoLayerNet(6, 0, 3), "hidden_size must be a positive integer"),
        (lambda: SimpleConvNet((1, 4, 4), {"filter_size": 7}), "does not fit"),
        (lambda: SimpleConvNet((1, 8, 8), {"filters": 7}), "unknown conv_param keys"),
        (lambda: DeepConvNet((1, 8, 8), conv_params=[{}] * 5), "6 dicts"),
        (lambda: TwoLayerNet(6, 5, 3, dtype=np.int32), "floating-point"),
    ],
)
def test_bad_construction_is_a_clear_error(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


# ---------------------------------------------------------------- saving


@pytest.mark.parametrize("name", NETWORKS)
def test_save_load_round_trip(name, tmp_path):
    net, x, t = make(name)
    Adam(lr=0.01).update(net.params, net.gradient(x, t))
    path = tmp_path / "params.npz"
    net.save_params(path)
    other, _, _ = make(name, seed=7)
    arrays = dict(other.params)
    other.load_params(str(path))
    for key, p in other.params.items():
        assert p is arrays[key], "load_params must fill the arrays the layers use"
        np.testing.assert_array_equal(p, net.params[key])
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_save_keeps_the_exact_file_name(tmp_path):
    net = TwoLayerNet(6, 5, 3, rng=0)
    net.save_params(tmp_path / "weights.params")
    assert [p.name for p in tmp_path.iterdir()] == ["weights.params"]
    net.load_params(tmp_path / "weights.params")


def test_load_into_float32_network_converts(tmp_path):
    net64, _, _ = make("simple_conv")
    net64.save_params(tmp_path / "p.npz")
    net32, x, _ = make("simple_conv", seed=5, dtype=np.float32)
    net32.load_params(tmp_path / "p.npz")
    assert all(p.dtype == np.float32 for p in net32.params.values())
    np.testing.assert_allclose(net32.predict(x), net64.predict(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        (
            lambda: MultiLayerNet(6, [7, 4], 3, rng=0),
            r"'W1' in .* has shape \(6, 7\) but .*\(6, 5\)",
        ),
        (lambda: TwoLayerNet(6, 5, 3, rng=0), r"has no \['W3', 'b3'\]"),
        (lambda: MultiLayerNet(6, [5, 4, 4], 3, rng=0), r"holds \['W4', 'b4'\]"),
    ],
)
def test_loading_a_mismatched_file_is_a_clear_error(saved, message, tmp_path):
    saved().save_params(tmp_path / "other.npz")
    net = MultiLayerNet(6, [5, 4], 3, rng=1)
    before = {k: p.copy() for k, p in net.params.items()}
    with pytest.raises(ValueError, match=message):
        net.load_params(tmp_path / "other.npz")
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, before[key])  # nothing half-loaded


# ---------------------------------------------------------------- training sanity


def load_fashion() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST from disk (no download in tests): flat float32 images, int labels."""
    try:
        return load_fashion_mnist(normalize=True, flatten=True, download=False)
    except DatasetNotFoundError as err:
        pytest.skip(f"Fashion-MNIST is not available: {err}")


@pytest.mark.slow
def test_two_layer_net_learns_fashion_mnist():
    (x_train, t_train), (x_test, t_test) = load_fashion()
    rng = np.random.default_rng(0)
    x_train, t_train = x_train[:20000], t_train[:20000]
    net = TwoLayerNet(784, 100, 10, weight_init_std="he", rng=rng, dtype=np.float32)
    optimizer = Adam(lr=0.002)
    for _ in range(3):  # epochs
        order = rng.permutation(len(x_train))
        for i in range(0, len(x_train), 100):
            batch = order[i : i + 100]
            optimizer.update(net.params, net.gradient(x_train[batch], t_train[batch]))
    assert net.accuracy(x_test, t_test) >= 0.80


@pytest.mark.slow
def test_simple_conv_net_overfits_a_small_batch():
    (x_train, t_train), _ = load_fashion()
    x, t = x_train[:30].reshape(-1, 1, 28, 28), t_train[:30]
    net = SimpleConvNet(hidden_size=50, weight_init_std="he", rng=0, dtype=np.float32)
    optimizer = Adam(lr=0.003)
    for _ in range(30):  # 100% after about 10 steps
        optimizer.update(net.params, net.gradient(x, t))
    assert net.accuracy(x, t) == 1.0
    assert net.last_loss < 0.05


@pytest.mark.parametrize("name", NETWORKS)
def test_one_public_home_and_keyword_only_extras(name):
    """Import from dlfs.networks; rng and dtype (not in the textbook) are keyword only."""
    cls = NETWORKS[name][0]
    assert cls.__name__ in dlfs.networks.__all__
    assert cls.__name__ not in dlfs.convnets.__all__ + dlfs.netbase.__all__
    kinds = inspect.signature(cls).parameters
    assert kinds["rng"].kind is kinds["dtype"].kind is inspect.Parameter.KEYWORD_ONLY


def test_activation_given_as_a_class_or_by_name_is_the_same_network():
    x = np.random.default_rng(0).standard_normal((4, 6))
    by_name = MultiLayerNet(**MLP, activation="sigmoid", rng=3)
    by_class = MultiLayerNet(**MLP, activation=Sigmoid, rng=3)
    np.testing.assert_array_equal(by_name.predict(x), by_class.predict(x))


def test_dropout_ration_is_the_textbooks_spelling():
    with pytest.warns(DeprecationWarning, match="use dropout_ratio"):
        net = MultiLayerNetExtend(**MLP, use_dropout=True, dropout_ration=0.3, rng=0)
    ratios = [layer.dropout_ratio for layer in net.layers.values() if isinstance(layer, Dropout)]
    assert ratios == [0.3, 0.3]
