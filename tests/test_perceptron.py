"""Tests for dlfs.perceptron: hand-set gates and the perceptron learning rule."""

from __future__ import annotations

import numpy as np
import pytest
from dlfs.perceptron import AND, NAND, OR, XOR, Perceptron
from dlfs.synthetic import truth_table

GATES = {"AND": AND, "NAND": NAND, "OR": OR, "XOR": XOR}
LEARNABLE = ["AND", "NAND", "OR"]


@pytest.mark.parametrize("name", GATES)
def test_hand_gate_scalar_truth_table(name):
    X, y = truth_table(name)
    for (a, b), expected in zip(X.tolist(), y.tolist(), strict=True):
        out = GATES[name](a, b)
        assert out == expected
        assert np.ndim(out) == 0 and np.issubdtype(np.asarray(out).dtype, np.integer)


@pytest.mark.parametrize("name", GATES)
def test_hand_gate_works_on_arrays(name):
    X, y = truth_table(name)
    out = GATES[name](X[:, 0], X[:, 1])
    assert out.shape == (4,) and out.dtype == np.int64
    np.testing.assert_array_equal(out, y)


@pytest.mark.parametrize("name", LEARNABLE)
def test_learns_linearly_separable_gates(name):
    X, y = truth_table(name)
    model = Perceptron(lr=0.1, epochs=100, rng=np.random.default_rng(0)).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), y)
    assert model.errors_[-1] == 0
    assert all(e > 0 for e in model.errors_[:-1])  # stopped at the first clean epoch
    assert len(model.errors_) < 100
    assert model.w_.shape == (2,) and isinstance(model.b_, float)


@pytest.mark.parametrize("seed", range(3))
def test_cannot_learn_xor(seed):
    X, y = truth_table("XOR")
    model = Perceptron(lr=0.1, epochs=50, rng=np.random.default_rng(seed)).fit(X, y)
    assert len(model.errors_) == 50
    assert min(model.errors_) > 0
    assert np.mean(model.predict(X) == y) <= 0.75  # no line gets all four corners right


def test_seeded_fit_is_deterministic():
    X, y = truth_table("OR")
    a = Perceptron(rng=np.random.default_rng(3)).fit(X, y)
    b = Perceptron(rng=np.random.default_rng(3)).fit(X, y)
    np.testing.assert_array_equal(a.w_, b.w_)
    assert a.b_ == b.b_ and a.errors_ == b.errors_


def test_fit_does_not_modify_inputs():
    X, y = truth_table("AND")
    X0, y0 = X.copy(), y.copy()
    Perceptron(rng=np.random.default_rng(0)).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_predict_single_example_and_float_features():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(int)
    model = Perceptron(lr=0.5, epochs=500, rng=rng).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), y)
    assert model.predict(X[0]) == y[0]


BAD = {
    "lr zero": (lambda: Perceptron(lr=0), ValueError, "lr must be a positive"),
    "epochs zero": (lambda: Perceptron(epochs=0), ValueError, "epochs must be a positive"),
    "epochs float": (lambda: Perceptron(epochs=1.5), ValueError, "epochs must be a positive"),
    "rng int": (lambda: Perceptron(rng=1), TypeError, "default_rng"),
    "X 1-D": (lambda: Perceptron().fit([0, 1], [0, 1]), ValueError, r"shape \(N, D\)"),
    "y length": (lambda: Perceptron().fit([[0, 1]], [0, 1]), ValueError, r"shape \(1,\)"),
    "y labels": (lambda: Perceptron().fit([[0, 1]], [2]), ValueError, "only 0 and 1"),
    "not fitted": (lambda: Perceptron().predict([[0, 1]]), RuntimeError, "fit"),
    "features": (
        lambda: Perceptron().fit(*truth_table("AND")).predict([[0, 1, 1]]),
        ValueError,
        "must have 2 features",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input(case):
    call, error, fragment = BAD[case]
    with pytest.raises(error, match=fragment):
        call()
