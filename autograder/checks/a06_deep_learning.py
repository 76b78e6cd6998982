"""Trusted checks of assignment 06_deep_learning: augmentation, a deep CNN, its training.

The student's network lives in the sandbox and is only ever asked for arrays (its
``params``, its scores). For the accuracy part the images and labels are loaded here: the
check sends the training subset to the student's ``train``, measures the time of that call
on this side, then sends the held-back images (never their labels) in batches to
``predict`` and computes the accuracy here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from dlfs.datasets import load_fashion_mnist

from autograder.checks import (
    CheckFailed,
    Fn,
    Remote,
    Seed,
    Session,
    Suite,
    array,
    fail,
    own_code_problem,
    tr,
    unchanged,
)
from autograder.messages import language

SUITE = Suite("06_deep_learning", banned_modules=("dlfs.networks",))
rng_seed = 0x06D1

TIME_LIMIT = 120.0  # seconds of training, as announced in the notebook
THRESHOLD = 0.83
N_TRAIN, N_VAL, N_HELD_BACK = 10_000, 2_000, 3_000
PREDICT_BATCH = 500
# the training call gets this long before the sandbox stops it (the default limit of a call
# is shorter); past TIME_LIMIT it fails anyway, the margin only lets it report its time
TRAIN_CALL_SECONDS = TIME_LIMIT + 20.0
# predicting the validation and held-back images takes about a second; the limit keeps a
# train() that returns early and goes on training in a thread from gaining much time
PREDICT_SECONDS = 30.0
SPLITS = ("validation", "held-back test")


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


# ---------------------------------------------------------------------------------------
# augment


def _augmented(s: Session, x: np.ndarray, seed: int, what: str) -> np.ndarray:
    out, (x_after, _) = s.get("augment").call_keep_args("__call__", x, Seed(seed))
    unchanged(x, x_after, tr("the input of {name}", name="augment"))
    if not isinstance(out, np.ndarray):
        kind = out.type_name if isinstance(out, Remote) else type(out).__name__
        fail("{what} should return a NumPy array, got a {kind}", what="augment", kind=kind)
    if out.shape != x.shape:
        fail(
            "augment must return an array of the input's shape {shape}, got {got}",
            shape=x.shape,
            got=out.shape,
        )
    if out.dtype != x.dtype:
        fail(
            "augment must keep the dtype {dtype} of {what}, got {got}",
            dtype=x.dtype,
            what=what,
            got=out.dtype,
        )
    array(out, tr("the output of {name}", name="augment"))  # finite
    return out


@SUITE.check("a6_augment", own=("augment",), banned=("dlfs",))
def augment(s: Session) -> None:
    rng = _rng(1)
    x32 = rng.random((6, 1, 28, 28)).astype(np.float32)
    out = _augmented(s, x32, 1, tr("float32 images"))
    if np.array_equal(out, x32):
        fail("augment must change the images")
    if out.min() < 0.0 or out.max() > 1.0:
        fail("augmented values must stay in [0, 1] (clip them)")

    x = rng.random((20, 1, 28, 28))
    a = _augmented(s, x, 5, tr("float64 images"))
    b = _augmented(s, x, 5, tr("float64 images"))
    c = _augmented(s, x, 6, tr("float64 images"))
    if not np.array_equal(a, b):
        fail("augment must take all its randomness from rng (same seed, same output)")
    if np.array_equal(a, c):
        fail("different seeds must give different augmentations")
    changed = np.mean([not np.allclose(a[i], x[i]) for i in range(len(x))])
    if changed < 0.5:
        fail("only {changed:.0%} of the images changed: augment most of them", changed=changed)
    if np.mean(np.abs(a - x)) >= 0.5:
        fail("augmented images must stay close to the originals")
    if a.min() < 0.0 or a.max() > 1.0:
        fail("augmented values must stay in [0, 1] (clip them)")

    global_random = s.make(Fn("module", ("numpy.random",)))
    outs = []
    for seed in (1, 2):
        global_random.call("seed", seed)
        state = array(global_random.call("get_state")[1], tr("the global random state"))
        outs.append(_augmented(s, x, 7, "float64 images"))
        after = array(global_random.call("get_state")[1], tr("the global random state"))
        if not np.array_equal(state, after):
            fail("augment must not use the global np.random state: use rng")
    if not np.array_equal(outs[0], outs[1]):
        fail("augment must take all its randomness from rng, not np.random")


# ---------------------------------------------------------------------------------------
# the network


def _network(s: Session, seed: int) -> Remote:
    net = s.get("build_network")(Seed(seed))
    if not isinstance(net, Remote):
        fail("build_network must return a network object, got {kind}", kind=type(net).__name__)
    return net


def _params(net: Remote) -> dict[str, np.ndarray]:
    params = net.get("params")
    if not isinstance(params, dict):
        fail("the network must have a params dict (names -> NumPy arrays)")
    found = {}
    for key, value in params.items():
        if not isinstance(value, np.ndarray):
            fail("{what} should be a NumPy array", what=f"params[{key!r}]")
        found[key] = array(value, f"params[{key!r}]")
    return found


def _own_class(s: Session, net: Remote) -> None:
    """The network's class is written in the notebook and derives from no dlfs class."""
    # its methods may use dlfs.layers and friends, but nothing from dlfs.networks
    with language("en"):  # read here, then said in the students' language
        problem = own_code_problem(s.cells, (net.type_name,), ("dlfs.networks",))
    if problem and "not defined" not in problem:  # a class made inside a function is fine
        problem = own_code_problem(s.cells, (net.type_name,), ("dlfs.networks",))
        fail("write the network class yourself: {problem}", problem=problem)
    cls = net.get("__class__")
    mro = cls.get("__mro__") if isinstance(cls, Remote) else None
    if not isinstance(mro, tuple):
        fail("the network must be an instance of a class written in this notebook")
    modules = [k.get("__module__") if isinstance(k, Remote) else None for k in mro]
    if modules[0] != "__main__":
        fail("write the network class in this notebook")
    if any(not isinstance(m, str) or m.startswith("dlfs") for m in modules):
        fail("the network class must not be a dlfs class or derive from one")


@SUITE.check("a6_architecture", own=("build_network",))
def architecture(s: Session) -> None:
    net = _network(s, 0)
    params = _params(net)
    what = tr("predict of 3 images of shape (1, 28, 28)")
    array(net.call("predict", np.zeros((3, 1, 28, 28), np.float32)), what, (3, 10))
    filters = [k for k, v in params.items() if v.ndim == 4]
    if len(filters) < 2:
        fail(
            "a deep CNN needs at least two convolution layers, found filters {filters}",
            filters=filters,
        )
    weights = [k for k, v in params.items() if v.ndim >= 2]
    if len(weights) < 3:
        fail("use at least three weight layers, found {weights}", weights=weights)
    _own_class(s, net)

    rng = _rng(2)
    x = rng.random((4, 1, 28, 28)).astype(np.float32)
    t = rng.integers(0, 10, size=4)
    grads = net.call("gradient", x, t)
    if not isinstance(grads, dict):
        fail("gradient must return a dict with one entry per key of params")
    if set(grads) != set(params):
        fail(
            "gradient must return one entry per key of params: got keys {got}, params has {keys}",
            got=sorted(grads),
            keys=sorted(params),
        )
    for key, value in params.items():
        array(grads[key], tr("the gradient of {key}", key=key), value.shape)


@SUITE.check("a6_he_init", own=("build_network",))
def he_init(s: Session) -> None:
    params = _params(_network(s, 0))
    checked = 0
    for key, w in params.items():
        if w.ndim < 2 or w.size < 100:
            continue
        fan_in = int(np.prod(w.shape[1:])) if w.ndim == 4 else w.shape[0]
        ratio = np.std(w) / np.sqrt(2.0 / fan_in)
        if not 0.8 < ratio < 1.2:
            fail(
                "{key} of shape {shape} has std {std:.4f}; He initialisation gives "
                "sqrt(2 / {fan_in}) = {he:.4f}",
                key=key,
                shape=w.shape,
                std=np.std(w),
                fan_in=fan_in,
                he=np.sqrt(2.0 / fan_in),
            )
        checked += 1
    if not checked:
        fail("the network has no weight arrays to initialise")
    a, b = _params(_network(s, 11)), _params(_network(s, 11))
    c = _params(_network(s, 12))
    if set(a) != set(b) or not all(np.array_equal(a[k], b[k]) for k in a):
        fail("build_network must draw its weights from rng (same seed, same weights)")
    if set(a) == set(c) and all(np.array_equal(a[k], c[k]) for k in a if a[k].ndim >= 2):
        fail("different seeds must give different weights")


# ---------------------------------------------------------------------------------------
# training and accuracy


@contextmanager
def _calls_may_take(s: Session, seconds: float) -> Iterator[None]:
    """Raise the time limit of one call of the session while the block runs."""
    saved = s.limits
    if saved.call_seconds < seconds:
        s.limits = dataclasses.replace(saved, call_seconds=seconds)
    try:
        yield
    finally:
        s.limits = saved


def _split_name(split: str) -> str:
    """A name in SPLITS, in the students' language."""
    return tr("validation") if split == "validation" else tr("held-back test")


def _accuracy(net: Remote, x: np.ndarray, t: np.ndarray, what: str) -> float:
    correct = 0
    for i in range(0, len(x), PREDICT_BATCH):
        batch = x[i : i + PREDICT_BATCH]
        scores = array(
            net.call("predict", batch), tr("predict on {what}", what=what), (len(batch), 10)
        )
        correct += int(np.sum(np.argmax(scores, axis=1) == t[i : i + PREDICT_BATCH]))
    return correct / len(x)


def _data() -> dict[str, Any]:
    (x_all, t_all), (x_test, t_test) = load_fashion_mnist(normalize=True, flatten=False)
    order = np.random.default_rng(6).permutation(len(x_all))  # the notebook's split
    train, val = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_VAL]
    held_back = _rng(3).choice(len(x_test), size=N_HELD_BACK, replace=False)
    return {
        "train": (x_all[train], t_all[train]),
        "validation": (x_all[val], t_all[val]),
        "held-back test": (x_test[held_back], t_test[held_back]),
    }


@SUITE.check("a6_accuracy", own=("build_network", "train"))
def accuracy(s: Session) -> None:
    data = _data()
    net = _network(s, 0)
    train = s.get("train")
    x_train, t_train = data["train"]
    with _calls_may_take(s, TRAIN_CALL_SECONDS):
        start = time.perf_counter()
        try:
            train(net, x_train, t_train, Seed(1))
        except CheckFailed:
            seconds = time.perf_counter() - start
            if seconds > TIME_LIMIT:
                fail(
                    "training did not finish within the limit of {limit:.0f} s "
                    "(stopped after {seconds:.0f} s)",
                    limit=TIME_LIMIT,
                    seconds=seconds,
                )
            raise
        seconds = time.perf_counter() - start
    if seconds > TIME_LIMIT:
        fail(
            "training took {seconds:.0f} s, more than {limit:.0f} s",
            seconds=seconds,
            limit=TIME_LIMIT,
        )
    start = time.perf_counter()
    scores = {
        split: _accuracy(
            net, data[split][0], data[split][1], tr("the {split} images", split=_split_name(split))
        )
        for split in SPLITS
    }
    predicting = time.perf_counter() - start
    if predicting > PREDICT_SECONDS:  # no training left running in the background either
        fail(
            "predicting {count} images took {seconds:.0f} s, more than {limit:.0f} s",
            count=N_VAL + N_HELD_BACK,
            seconds=predicting,
            limit=PREDICT_SECONDS,
        )
    for split, acc in scores.items():
        if acc < THRESHOLD:
            fail(
                "accuracy on the {split} images is {acc:.3f}, below {threshold} "
                "(training took {seconds:.0f} s)",
                split=_split_name(split),
                acc=acc,
                threshold=THRESHOLD,
                seconds=seconds,
            )
