"""Tests for dlfs.synthetic: truth tables, XOR clouds and spirals."""

from __future__ import annotations

import numpy as np
import pytest
from dlfs.synthetic import GATE_INPUTS, GATE_TARGETS, make_spiral, make_xor, truth_table

TRUTH = {  # gate -> rule on (x1, x2)
    "AND": lambda a, b: a and b,
    "NAND": lambda a, b: not (a and b),
    "OR": lambda a, b: a or b,
    "XOR": lambda a, b: a != b,
}


@pytest.mark.parametrize("gate", TRUTH)
def test_truth_table(gate):
    X, y = truth_table(gate.lower())
    assert X.shape == (4, 2) and y.shape == (4,)
    assert X.dtype == np.int64 and y.dtype == np.int64
    assert sorted(map(tuple, X.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for (a, b), out in zip(X, y, strict=True):
        assert out == int(TRUTH[gate](a, b))


def test_truth_table_returns_copies():
    X, y = truth_table("AND")
    X[:] = 7
    y[:] = 7
    X2, y2 = truth_table("AND")
    np.testing.assert_array_equal(X2, GATE_INPUTS)
    np.testing.assert_array_equal(y2, GATE_TARGETS["AND"])


# name -> (make(rng), expected number of points, expected classes)
MAKERS = {
    "spiral default": (lambda rng: make_spiral(rng=rng), 300, 3),
    "spiral 5 arms": (lambda rng: make_spiral(20, 5, noise=0.0, rng=rng), 100, 5),
    "spiral 1 point": (lambda rng: make_spiral(1, 2, rng=rng), 2, 2),
    "xor default": (lambda rng: make_xor(rng=rng), 200, 2),
    "xor odd n": (lambda rng: make_xor(7, noise=0.5, rng=rng), 7, 2),
}


@pytest.mark.parametrize("name", MAKERS)
def test_shapes_dtypes_and_labels(name):
    make, n, k = MAKERS[name]
    X, t = make(np.random.default_rng(0))
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert t.shape == (n,) and t.dtype == np.int64
    assert set(np.unique(t).tolist()) == set(range(k))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", MAKERS)
def test_seeded_determinism(name):
    make = MAKERS[name][0]
    X1, t1 = make(np.random.default_rng(42))
    X2, t2 = make(np.random.default_rng(42))
    X3, _ = make(np.random.default_rng(43))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(t1, t2)
    if name not in ("spiral 5 arms", "spiral 1 point"):  # no noise, or every point at radius 0
        assert not np.array_equal(X1, X3)


def test_spiral_geometry():
    X, t = make_spiral(50, 3, noise=0.0, rng=np.random.default_rng(0))
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() == pytest.approx(1.0) and radius.min() == pytest.approx(0.0)
    np.testing.assert_array_equal(np.bincount(t), [50, 50, 50])
    # Arms are rotated copies of each other.
    rot = 2 * np.pi / 3
    R = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])
    np.testing.assert_allclose(X[t == 0] @ R.T, X[t == 1], atol=1e-12)


def test_xor_without_noise_is_the_truth_table():
    X, t = make_xor(8, noise=0.0, rng=np.random.default_rng(0))
    X_gate, y_gate = truth_table("XOR")
    np.testing.assert_array_equal(X, np.vstack([X_gate, X_gate]))
    np.testing.assert_array_equal(t, np.concatenate([y_gate, y_gate]))


def test_xor_labels_follow_nearest_corner():
    X, t = make_xor(400, noise=0.1, rng=np.random.default_rng(1))
    corner = (X > 0.5).astype(int)
    assert np.mean((corner[:, 0] ^ corner[:, 1]) == t) > 0.99


BAD = {
    "unknown gate": (lambda: truth_table("NOR"), ValueError, "must be one of"),
    "gate not str": (lambda: truth_table(1), ValueError, "must be one of"),
    "spiral n=0": (lambda: make_spiral(0), ValueError, "n_per_class must be at least 1"),
    "spiral n float": (lambda: make_spiral(2.5), TypeError, "n_per_class must be an integer"),
    "spiral classes": (lambda: make_spiral(10, 0), ValueError, "n_classes must be at least 1"),
    "spiral noise<0": (lambda: make_spiral(noise=-1), ValueError, "noise must be finite"),
    "spiral noise nan": (lambda: make_spiral(noise=float("nan")), ValueError, "noise"),
    "spiral seed int": (lambda: make_spiral(rng=0), TypeError, "default_rng"),
    "xor n=0": (lambda: make_xor(0), ValueError, "n must be at least 1"),
    "xor n bool": (lambda: make_xor(True), TypeError, "n must be an integer"),
    "xor noise str": (lambda: make_xor(noise="0.1"), TypeError, "noise must be a real"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_arguments(case):
    call, error, fragment = BAD[case]
    with pytest.raises(error, match=fragment):
        call()
