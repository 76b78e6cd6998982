"""Small synthetic data sets: logic-gate truth tables, noisy XOR clouds and spirals.

They are two-dimensional so that a decision boundary can be drawn
(:func:`dlfs.plotting.plot_decision_boundary`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["GATE_INPUTS", "GATE_TARGETS", "make_spiral", "make_xor", "truth_table"]

#: The four input pairs ``(x1, x2)`` of a two-input gate, one per row.
GATE_INPUTS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.int64)
GATE_INPUTS.flags.writeable = False

#: The output of each gate for the rows of :data:`GATE_INPUTS`.
GATE_TARGETS = {
    "AND": (0, 0, 0, 1),
    "NAND": (1, 1, 1, 0),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
}


def truth_table(gate: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of a two-input logic gate.

    Parameters
    ----------
    gate : {"AND", "NAND", "OR", "XOR"}
        Case-insensitive.

    Returns
    -------
    X : ndarray of shape (4, 2), int64
        The rows ``(0, 0), (1, 0), (0, 1), (1, 1)``.
    y : ndarray of shape (4,), int64
        The gate's output for each row.
    """
    if not isinstance(gate, str) or gate.upper() not in GATE_TARGETS:
        raise ValueError(f"truth_table: gate must be one of {sorted(GATE_TARGETS)}, got {gate!r}")
    return GATE_INPUTS.copy(), np.array(GATE_TARGETS[gate.upper()], dtype=np.int64)


def _check_count(func: str, name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _check_noise(func: str, noise: object) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{func}: noise must be a real number, got {type(noise).__name__}")
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{func}: noise must be finite and >= 0, got {noise}")
    return float(noise)


def _check_rng(func: str, rng: object) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{func}: rng must be a numpy.random.Generator or None, got {type(rng).__name__} "
            "(use rng=np.random.default_rng(seed))"
        )
    return rng


def make_spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a data set no linear classifier can separate.

    Arm ``k`` starts at the origin and winds outwards to radius 1, rotated by
    ``2 * pi * k / n_classes`` from the first; ``noise`` is the standard deviation of the
    Gaussian jitter added to each point's angle (in radians).

    Parameters
    ----------
    n_per_class : int, default 100
        Points per arm (at least 1).
    n_classes : int, default 3
        Number of arms (at least 1).
    noise : float, default 0.2
        Angular noise, >= 0.
    rng : numpy.random.Generator, optional
        Source of the noise; ``np.random.default_rng()`` when None.

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2), float64
        Points inside the unit disc, grouped by class.
    t : ndarray of shape (n_per_class * n_classes,), int64
        Class of each point, ``0 .. n_classes - 1``.
    """
    n = _check_count("make_spiral", "n_per_class", n_per_class, 1)
    k = _check_count("make_spiral", "n_classes", n_classes, 1)
    sigma = _check_noise("make_spiral", noise)
    rng = _check_rng("make_spiral", rng)
    radius = np.tile(np.linspace(0.0, 1.0, n), k)
    t = np.repeat(np.arange(k, dtype=np.int64), n)
    # Each arm turns through 4 radians from centre to rim (about two thirds of a turn).
    angle = 2 * np.pi * t / k + 4.0 * radius + sigma * rng.standard_normal(n * k)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, t


def make_xor(
    n: int = 200,
    noise: float = 0.1,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy points around the four corners of the unit square, labelled by XOR.

    Point ``i`` sits at corner ``GATE_INPUTS[i % 4]`` plus Gaussian noise, so the classes are
    balanced and the first four points (with ``noise=0``) are the XOR truth table.

    Parameters
    ----------
    n : int, default 200
        Number of points (at least 1).
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate, >= 0.
    rng : numpy.random.Generator, optional
        Source of the noise; ``np.random.default_rng()`` when None.

    Returns
    -------
    X : ndarray of shape (n, 2), float64
    t : ndarray of shape (n,), int64
        ``x1 XOR x2`` of the corner each point was drawn around.
    """
    n = _check_count("make_xor", "n", n, 1)
    sigma = _check_noise("make_xor", noise)
    rng = _check_rng("make_xor", rng)
    corners = GATE_INPUTS[np.arange(n) % 4]
    X = corners + sigma * rng.standard_normal((n, 2))
    t = np.array(GATE_TARGETS["XOR"], dtype=np.int64)[np.arange(n) % 4]
    return X, t
