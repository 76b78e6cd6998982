"""Gradient checks: backpropagation against numerical gradients, with readable reports.

``check_layer`` and ``check_network`` compare what ``backward`` / ``gradient`` computed with
central differences and return a :class:`GradCheckReport` that says which array and which
element disagree; ``assert_layer_gradients`` and ``assert_network_gradients`` raise it as
an ``AssertionError``. (These were in :mod:`dlfs.gradient`, which still re-exports them.)

Examples
--------
>>> import numpy as np
>>> from dlfs.layers import Affine
>>> rng = np.random.default_rng(0)
>>> layer = Affine(rng.standard_normal((6, 3)), rng.standard_normal(3))
>>> report = check_layer(layer, rng.standard_normal((4, 2, 3)), rng=rng)
>>> report.ok
True
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlfs._checks import require_float64 as _require_float64
from dlfs._checks import to_scalar as _to_scalar
from dlfs.gradient import _scaled_error

__all__ = [
    "ArrayCheck",
    "GradCheckReport",
    "check_layer",
    "assert_layer_gradients",
    "check_network",
    "assert_network_gradients",
]

#: Parameter attributes found on layers without being told, with their gradient attributes.
DEFAULT_PARAMS: tuple[tuple[str, str], ...] = (
    ("W", "dW"),
    ("b", "db"),
    ("gamma", "dgamma"),
    ("beta", "dbeta"),
)

#: Rounding noise of a central difference is about eps * |f| / h; differences below this
#: many times that are not counted against a gradient (see GradCheckReport.noise).
_NOISE_FACTOR = 10.0

_MUTATION_HINT = "compute new arrays instead, e.g. `dout * mask`, not `dout[mask] = 0`"


def _finite_differences(
    evaluate: Callable[[], float],
    x: np.ndarray,
    indices: list[tuple[int, ...]],
    h: float,
) -> np.ndarray:
    """Central differences of ``evaluate`` at the given elements of ``x`` (changed in place)."""
    values = np.empty(len(indices))
    for k, idx in enumerate(indices):
        original = x[idx]
        upper, lower = original + h, original - h
        try:
            x[idx] = upper
            f_upper = evaluate()
            x[idx] = lower
            f_lower = evaluate()
        finally:
            x[idx] = original
        # divide by the step actually taken, which rounding makes slightly different from 2h
        values[k] = (f_upper - f_lower) / (upper - lower)
    return values


# --------------------------------------------------------------------------- reports


def _format_index(name: str, index: tuple[int, ...] | None) -> str:
    if not index:
        return name
    return f"{name}[{', '.join(str(i) for i in index)}]"


@dataclass
class ArrayCheck:
    """Comparison of one gradient array with its numerical estimate.

    Attributes
    ----------
    name : str
        The gradient's name: ``"dx"``, ``"dW"``, ... for layers, the ``params`` key for networks.
    error : float
        :func:`rel_error` between the analytic and numerical gradient (inf if not comparable).
    index : tuple of int or None
        Index of the element with the largest absolute difference.
    analytic, numerical : float or None
        The two values at ``index``.
    problem : str or None
        Why the arrays could not be compared (gradient None, wrong shape, nan, ...).
    hint : str or None
        A guess at the cause of a mismatch.
    checked, size : int
        Number of elements compared and in the array (fewer with ``max_elements``).
    """

    name: str
    error: float = math.inf
    index: tuple[int, ...] | None = None
    analytic: float | None = None
    numerical: float | None = None
    problem: str | None = None
    hint: str | None = None
    checked: int = 0
    size: int = 0

    def failed(self, tol: float) -> bool:
        """Whether this array fails at tolerance ``tol``."""
        return self.problem is not None or not self.error <= tol

    def describe(self, tol: float) -> str:
        """One readable sentence (or a few) about this array."""
        if self.problem is not None:
            text = self.problem
        elif not self.failed(tol):
            return f"{self.name} matches (max relative error {self.error:.1e})"
        else:
            where = _format_index(self.name, self.index)
            text = (
                f"{self.name} differs from the numerical gradient (max relative error "
                f"{self.error:.1e} > tol {tol:.3g}). Worst element {where}: backward gave "
                f"{self.analytic:.6g}, numerical gives {self.numerical:.6g}."
            )
        if self.hint:
            text += f" Hint: {self.hint}"
        if 0 < self.checked < self.size:
            text += f" ({self.checked} of {self.size} elements checked.)"
        return text


@dataclass
class GradCheckReport:
    """Outcome of :func:`check_layer` or :func:`check_network`; ``str(report)`` explains it.

    Attributes
    ----------
    name : str
        The layer or network checked (its class name unless given).
    tol : float
        Largest relative error that passes.
    arrays : dict of str to ArrayCheck
        One entry per gradient compared, in order (``dx`` first for layers).
    problems : list of str
        Failures that concern the layer as a whole (not deterministic, writes into inputs, ...).
    noise : float
        Rounding noise of the finite differences, ``10 * eps * |f| / h`` for the function
        ``f`` that was differentiated. Differences below it cannot be resolved, so each
        relative error is taken against at least ``noise / tol``: a gradient that is truly
        0 (a bias followed by batch norm, say) passes although the two estimates of 0
        differ by rounding error.
    """

    name: str
    tol: float
    arrays: dict[str, ArrayCheck] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    noise: float = 0.0

    @property
    def ok(self) -> bool:
        """True when there are no problems and every array is within ``tol``."""
        return not self.problems and not self.failed

    @property
    def failed(self) -> list[str]:
        """Names of the arrays that fail."""
        return [name for name, check in self.arrays.items() if check.failed(self.tol)]

    @property
    def errors(self) -> dict[str, float]:
        """Maximum relative error per array."""
        return {name: check.error for name, check in self.arrays.items()}

    @property
    def worst_index(self) -> dict[str, tuple[int, ...] | None]:
        """Index of the worst element per array (None where nothing was compared)."""
        return {name: check.index for name, check in self.arrays.items()}

    def __str__(self) -> str:
        passed = [f"{n} {c.error:.1e}" for n, c in self.arrays.items() if not c.failed(self.tol)]
        if self.ok:
            return (
                f"{self.name} gradient check passed (tol {self.tol:.3g}), max relative errors: "
                f"{', '.join(passed) or 'no arrays checked'}."
            )
        items = self.problems + [self.arrays[n].describe(self.tol) for n in self.failed]
        text = f"{self.name} gradient check failed:"
        if len(items) == 1:
            text += " " + items[0]
        else:
            text += "".join(f"\n  - {item}" for item in items)
        if passed:
            text += f"{' ' if len(items) == 1 else chr(10) + '  '}Passed: {', '.join(passed)}."
        return text


def _hint(name: str, a: np.ndarray, b: np.ndarray, tol: float, noise: float) -> str:
    """Guess why ``a`` (backward) and ``b`` (numerical) differ; both finite, same shape."""
    if not np.any(a):
        return (
            f"backward gave all zeros for {name}; is the gradient computed and passed on "
            f"(or stored on the layer) at all?"
        )
    scale = float(np.max(np.abs(a)) + np.max(np.abs(b)))
    big = np.abs(b) > 1e-3 * np.max(np.abs(b))
    if np.any(big):
        ratio = float(np.median(a[big] / b[big]))
        if ratio != 0 and np.max(np.abs(a - ratio * b)) <= 1e-4 * scale:
            if abs(ratio - 1) < 1e-3:
                return (
                    f"backward and the numerical gradient agree to about 3 digits everywhere "
                    f"in {name}. A difference this small usually comes from the finite "
                    f"differences themselves (a kink or strong curvature within h of the input, "
                    f"or rounding error): try another h or other inputs before looking for a bug."
                )
            if abs(ratio + 1) < 1e-3:
                return f"the sign is flipped: backward gave minus the numerical gradient in {name}."
            return (
                f"backward gave {ratio:.4g} times the numerical gradient everywhere in {name}; "
                f"look for a missing or extra constant factor (the batch size N, 2, ...)."
            )
    wrong = int(np.sum(np.abs(a - b) > max(tol * scale, noise)))
    return f"{wrong} of {a.size} elements of {name} disagree."


def _compare(
    name: str,
    analytic: np.ndarray,
    indices: list[tuple[int, ...]],
    numerical: np.ndarray,
    tol: float,
    noise: float = 0.0,
) -> ArrayCheck:
    """Build the :class:`ArrayCheck` for ``analytic`` at ``indices`` against ``numerical``."""
    a = np.array([analytic[idx] for idx in indices], dtype=np.float64)
    b = numerical
    check = ArrayCheck(name, checked=len(indices), size=analytic.size)
    for values, source in ((a, "backward gave"), (b, "the numerical gradient is")):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            where = _format_index(name, indices[bad[0]])
            check.index = indices[bad[0]]
            check.problem = f"{name}: {source} {values[bad[0]]} at {where}."
            if source != "backward gave":
                check.problem += " The forward pass gives nan or inf near this input."
            return check
    if not indices:
        check.error = 0.0
        return check
    worst = int(np.argmax(np.abs(a - b)))
    check.error = _scaled_error(a, b, noise / tol if tol > 0 else 0.0)
    check.index = indices[worst]
    check.analytic, check.numerical = float(a[worst]), float(b[worst])
    if check.failed(tol):
        check.hint = _hint(name, a, b, tol, noise)
    return check


# --------------------------------------------------------------------------- helpers


class _RandomStates:
    """Snapshot of every random generator reachable from an object, for replaying draws.

    Restoring before each forward pass makes, for example, Dropout draw the same mask in
    every evaluation of a gradient check. The global legacy ``np.random`` state is included
    so that layers written against it work too; :meth:`restore` also puts it back as it was.
    """

    def __init__(self, obj: object, depth: int = 5) -> None:
        self._generators: list[Any] = []
        self._visit(obj, depth, set())
        self._states = [self._get(g) for g in self._generators]
        # legacy global state: textbook-style layers call np.random directly
        self._global = np.random.get_state()  # noqa: NPY002

    def _visit(self, obj: object, depth: int, seen: set[int]) -> None:
        if id(obj) in seen or isinstance(obj, (np.ndarray, str, bytes, int, float)):
            return
        seen.add(id(obj))
        if isinstance(obj, (np.random.Generator, np.random.RandomState)):
            self._generators.append(obj)
            return
        if depth == 0:
            return
        if isinstance(obj, Mapping):
            children: Iterable[Any] = obj.values()
        elif isinstance(obj, (list, tuple)):
            children = obj
        elif hasattr(obj, "__dict__"):
            children = vars(obj).values()
        else:
            return
        for child in children:
            self._visit(child, depth - 1, seen)

    @staticmethod
    def _get(gen: Any) -> Any:
        if isinstance(gen, np.random.Generator):
            return copy.deepcopy(gen.bit_generator.state)
        return gen.get_state()

    def restore(self) -> None:
        for gen, state in zip(self._generators, self._states, strict=True):
            if isinstance(gen, np.random.Generator):
                gen.bit_generator.state = state
            else:
                gen.set_state(state)
        np.random.set_state(self._global)  # noqa: NPY002


def _make_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)


def _same(a: Any, b: Any) -> bool:
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape:
        return False
    equal_nan = a_arr.dtype.kind in "fc" and b_arr.dtype.kind in "fc"
    return bool(np.array_equal(a_arr, b_arr, equal_nan=equal_nan))


def _copy_arg(value: Any) -> Any:
    """Private copy of a forward argument; Python floats become 0-d float64 arrays."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, float):
        return np.array(value, dtype=np.float64)
    return copy.deepcopy(value)


def _accepts_keyword(func: Callable[..., Any], keyword: str) -> bool:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == keyword or p.kind is p.VAR_KEYWORD for p in params)


def _forward_kwargs(func: Callable[..., Any], train_flg: bool | None, who: str) -> dict[str, bool]:
    accepts = _accepts_keyword(func, "train_flg")
    if train_flg is None:
        return {"train_flg": True} if accepts else {}
    if not accepts:
        raise TypeError(f"{who}.{func.__name__} takes no train_flg argument; leave train_flg=None")
    return {"train_flg": bool(train_flg)}


def _input_names(forward: Callable[..., Any], count: int) -> list[str]:
    try:
        params = inspect.signature(forward).parameters.values()
        names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = ["x"]
    names = names[:count] + [f"input{i}" for i in range(len(names), count)]
    return names


def _resolve_params(
    layer: object,
    params: Mapping[str, str | tuple[str, str]] | None,
    who: str,
) -> list[tuple[str, str]]:
    """(parameter attribute, gradient attribute) pairs to check."""
    if params is None:
        return [
            (p, g) for p, g in DEFAULT_PARAMS if isinstance(getattr(layer, p, None), np.ndarray)
        ]
    pairs = []
    for key, value in params.items():
        pair = (key, value) if isinstance(value, str) else tuple(value)
        if len(pair) != 2:
            raise ValueError(
                f"check_layer: params[{key!r}] must be (parameter attribute, gradient attribute), "
                f"e.g. ('W', 'dW'); got {value!r}"
            )
        if not isinstance(getattr(layer, pair[0], None), np.ndarray):
            raise ValueError(
                f"check_layer: params names {who}.{pair[0]}, which is not an array attribute"
            )
        pairs.append((pair[0], pair[1]))
    return pairs


def _sample_indices(
    shape: tuple[int, ...], max_elements: int | None, rng: np.random.Generator
) -> list[tuple[int, ...]]:
    size = math.prod(shape)
    if max_elements is None or size <= max_elements:
        return list(np.ndindex(shape))
    flat = np.sort(rng.choice(size, size=max_elements, replace=False))
    return [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]


def _shape_problem(name: str, grad: Any, owner: str, shape: tuple[int, ...]) -> str | None:
    if np.shape(grad) == shape:
        return None
    return (
        f"{name} has the wrong shape: backward gave {np.shape(grad)} but {owner} has shape "
        f"{shape}. A gradient has exactly the shape of the array it belongs to (sum over the "
        f"batch axis, axis=0, without keepdims; reshape dx back to the input shape)."
    )


# --------------------------------------------------------------------------- checks


def check_layer(
    layer: Any,
    x: Any,
    *extra_forward_args: Any,
    dout: Any = None,
    rng: np.random.Generator | int | None = None,
    h: float = 1e-5,
    tol: float = 1e-7,
    train_flg: bool | None = None,
    params: Mapping[str, str | tuple[str, str]] | None = None,
    max_elements: int | None = None,
    name: str | None = None,
) -> GradCheckReport:
    """Compare a layer's ``backward`` with numerical gradients of its ``forward``.

    The layer runs ``out = layer.forward(x, *extra_forward_args)`` and
    ``layer.backward(dout)``; then every gradient is compared with central differences of
    ``sum(forward(...) * dout)``: the returned ``dx`` (and the gradient of every further
    float input that ``backward`` returns, as ``MulLayer`` does), and each parameter
    gradient stored on the layer. A layer whose forward returns a scalar loss (such as
    ``SoftmaxWithLoss.forward(x, t)``) is checked with ``dout = 1``.

    The layer and the arguments are copied first, so nothing given is changed. Random
    generators found on the layer (``self.rng`` of Dropout, say) and the global
    ``np.random`` state are replayed before every forward pass, so each evaluation draws
    the same mask; the check also fails if ``forward``/``backward`` write into their
    inputs.

    Parameters
    ----------
    layer : object with ``forward`` and ``backward``
    x : ndarray, dtype float64
        Input of ``forward``.
    *extra_forward_args
        Further arguments of ``forward``: ``t`` for ``SoftmaxWithLoss``, ``y`` for ``MulLayer``.
    dout : ndarray, optional
        Upstream gradient of the shape of the output; drawn from ``rng`` (standard normal)
        when None.
    rng : numpy.random.Generator or int, optional
        Source of ``dout`` and of sampled elements. None means a fixed seed (0), so a check
        gives the same verdict on every run.
    h : float, default 1e-5
        Finite-difference step.
    tol : float, default 1e-7
        Largest :func:`rel_error` that passes.
    train_flg : bool, optional
        Passed to ``forward`` when given. When None, ``train_flg=True`` is passed to layers
        whose ``forward`` accepts it (training mode), and nothing to the others.
    params : mapping, optional
        Parameters to check, as ``{"W": ("W", "dW")}`` (label: (parameter attribute,
        gradient attribute)); ``{"W": "dW"}`` is short for the same. When None, the
        attributes ``W``, ``b``, ``gamma`` and ``beta`` that are arrays are checked against
        ``dW``, ``db``, ``dgamma`` and ``dbeta``.
    max_elements : int, optional
        Check at most this many randomly chosen elements of each array (for big layers).
    name : str, optional
        Name used in the report; the layer's class name by default.

    Returns
    -------
    GradCheckReport
        ``report.ok`` tells whether the check passed; ``str(report)`` explains a failure.

    Raises
    ------
    TypeError
        If ``x`` or a parameter is not float64.
    """
    who = name or type(layer).__name__
    rng = _make_rng(rng)
    run = _LayerRun(layer, x, extra_forward_args, train_flg, params, who)
    report = GradCheckReport(who, tol)
    try:
        out = _checked_forward(run, report)
        if out is None:
            return report
        dout_arr, returned = _run_backward(run, out, dout, rng, report)
        magnitude = float(np.sum(np.abs(out.astype(np.float64) * dout_arr)))
        report.noise = _NOISE_FACTOR * np.finfo(np.float64).eps * magnitude / h
        # read every analytic gradient now: later forward passes may overwrite caches
        targets = _analytic_gradients(run, returned, report)
        _check_nothing_written(run, report)

        def objective() -> float:
            return float(np.sum(np.asarray(run.forward(), dtype=np.float64) * dout_arr))

        for gname, array, grad in targets:
            if gname in report.arrays:  # already failed on shape
                continue
            indices = _sample_indices(array.shape, max_elements, rng)
            numerical = _finite_differences(objective, array, indices, h)
            report.arrays[gname] = _compare(gname, grad, indices, numerical, tol, report.noise)
    finally:
        run.randomness.restore()  # leaves the global np.random state as it was
    order = [f"d{n}" for n in run.arg_names] + [g for _, g in run.pairs]
    report.arrays = {n: report.arrays[n] for n in order if n in report.arrays}
    return report


class _LayerRun:
    """A private copy of a layer and its inputs, whose forward replays the same randomness."""

    def __init__(
        self,
        layer: Any,
        x: Any,
        extra_args: tuple[Any, ...],
        train_flg: bool | None,
        params: Mapping[str, str | tuple[str, str]] | None,
        who: str,
    ) -> None:
        self.who = who
        self.layer = copy.deepcopy(layer)
        self.inputs = [np.array(x), *(_copy_arg(a) for a in extra_args)]
        _require_float64(self.inputs[0], "check_layer: x")
        self.pristine = [_copy_arg(a) for a in self.inputs]
        self.arg_names = _input_names(self.layer.forward, len(self.inputs))
        self.kwargs = _forward_kwargs(self.layer.forward, train_flg, who)
        self.pairs = _resolve_params(self.layer, params, who)
        for p_attr, _ in self.pairs:
            value = getattr(self.layer, p_attr)
            if value.dtype != np.float64:
                raise TypeError(
                    f"check_layer: {who}.{p_attr} has dtype {value.dtype}; gradient checks "
                    f"need float64 (build the layer from float64 arrays)"
                )
        self.params_before = {p: getattr(self.layer, p).copy() for p, _ in self.pairs}
        self.randomness = _RandomStates(self.layer)

    def forward(self) -> Any:
        self.randomness.restore()
        return self.layer.forward(*self.inputs, **self.kwargs)


def _checked_forward(run: _LayerRun, report: GradCheckReport) -> np.ndarray | None:
    """The layer's output, or None (with the problem in ``report``) if it is unusable."""
    first, out = run.forward(), run.forward()
    if out is None:
        report.problems.append("forward returned None; it must return its output.")
        return None
    if not _same(first, out):
        report.problems.append(
            "forward gave different outputs for the same input, so no numerical gradient "
            "is possible. Take randomness from a np.random.Generator kept on the layer "
            "(e.g. self.rng, created once in __init__) so the check can replay it."
        )
        return None
    return np.asarray(out)


def _run_backward(
    run: _LayerRun, out: np.ndarray, dout: Any, rng: np.random.Generator, report: GradCheckReport
) -> tuple[np.ndarray, Any]:
    """Call backward once: (the dout used, as a float64 array; what backward returned)."""
    who = run.who
    if out.ndim == 0:
        if dout is not None and np.ndim(dout) != 0:
            raise ValueError(
                f"check_layer: {who}.forward returns a scalar, so dout must be a scalar, "
                f"got shape {np.shape(dout)}"
            )
        dout_scalar = 1.0 if dout is None else float(dout)
        return np.array(dout_scalar), run.layer.backward(dout_scalar)
    dout_arr = rng.standard_normal(out.shape) if dout is None else np.array(dout, np.float64)
    if dout_arr.shape != out.shape:
        raise ValueError(
            f"check_layer: dout must have the shape of {who}'s output {out.shape}, "
            f"got {dout_arr.shape}"
        )
    dout_given = dout_arr.copy()
    returned = run.layer.backward(dout_given)
    if not _same(dout_given, dout_arr):
        report.problems.append(f"backward wrote into dout; {_MUTATION_HINT}.")
    return dout_arr, returned


def _analytic_gradients(
    run: _LayerRun, returned: Any, report: GradCheckReport
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(gradient name, array, gradient) for every input and parameter to check.

    Gradients that are missing or have the wrong shape go into ``report`` instead.
    """
    grads = list(returned) if isinstance(returned, (tuple, list)) else [returned]
    targets = []
    for i, (arg, arg_name) in enumerate(zip(run.inputs, run.arg_names, strict=True)):
        grad = grads[i] if i < len(grads) else None
        gname = f"d{arg_name}"
        if i == 0 and grad is None:
            report.arrays[gname] = ArrayCheck(
                gname,
                problem=f"backward returned None; it must return {gname}, the "
                f"gradient with respect to {arg_name}.",
            )
            continue
        if grad is None or not (isinstance(arg, np.ndarray) and arg.dtype.kind == "f"):
            continue  # labels and other inputs without a gradient
        if i > 0:
            _require_float64(arg, f"check_layer: {arg_name} (backward returns {gname} for it)")
        targets.append((gname, arg, np.array(grad, dtype=np.float64)))
        problem = _shape_problem(gname, grad, arg_name, arg.shape)
        if problem:
            report.arrays[gname] = ArrayCheck(gname, problem=problem)
    for p_attr, g_attr in run.pairs:
        grad = getattr(run.layer, g_attr, None)
        if grad is None:
            report.arrays[g_attr] = ArrayCheck(
                g_attr,
                problem=f"{g_attr} is None after backward: backward never set self.{g_attr}.",
            )
            continue
        param = getattr(run.layer, p_attr)
        targets.append((g_attr, param, np.array(grad, dtype=np.float64)))
        problem = _shape_problem(g_attr, grad, p_attr, param.shape)
        if problem:
            report.arrays[g_attr] = ArrayCheck(g_attr, problem=problem)
    return targets


def _check_nothing_written(run: _LayerRun, report: GradCheckReport) -> None:
    """Report (and undo) changes that forward or backward made to inputs or parameters."""
    for arg, before, arg_name in zip(run.inputs, run.pristine, run.arg_names, strict=True):
        if isinstance(arg, np.ndarray) and not _same(arg, before):
            report.problems.append(f"forward or backward wrote into {arg_name}; {_MUTATION_HINT}.")
            arg[...] = before
    for p_attr, before in run.params_before.items():
        if not _same(getattr(run.layer, p_attr), before):
            report.problems.append(
                f"forward or backward changed {p_attr}; only an optimizer may change parameters."
            )
            getattr(run.layer, p_attr)[...] = before


def assert_layer_gradients(
    layer: Any, x: Any, *extra_forward_args: Any, **kwargs: Any
) -> GradCheckReport:
    """Run :func:`check_layer` and raise ``AssertionError(str(report))`` if it fails.

    Takes the same arguments as :func:`check_layer` and returns the report when it passes.
    """
    report = check_layer(layer, x, *extra_forward_args, **kwargs)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def check_network(
    network: Any,
    x: Any,
    t: Any,
    *,
    keys: Iterable[str] | None = None,
    rng: np.random.Generator | int | None = None,
    h: float = 1e-5,
    tol: float = 1e-7,
    train_flg: bool | None = None,
    max_elements: int | None = None,
    name: str | None = None,
) -> GradCheckReport:
    """Compare ``network.gradient(x, t)`` with numerical gradients of ``network.loss(x, t)``.

    Every key of ``network.params`` (or of ``keys``) is checked. The network is copied first
    (nothing given is changed) and its random generators are replayed before every loss
    evaluation, so Dropout uses the same masks throughout.

    Parameters
    ----------
    network : object with ``params``, ``loss(x, t)`` and ``gradient(x, t)``
        Parameters must be float64 arrays that the layers use in place.
    x : ndarray of shape (N, ...)
    t : ndarray
        Labels or one-hot targets.
    keys : iterable of str, optional
        Check only these parameters.
    rng : numpy.random.Generator or int, optional
        Chooses the elements with ``max_elements``; None means a fixed seed (0).
    h : float, default 1e-5
    tol : float, default 1e-7
    train_flg : bool, optional
        Passed to ``loss`` when given; when None, ``train_flg=True`` is passed if ``loss``
        accepts it (``gradient`` runs the network in training mode).
    max_elements : int, optional
        Check at most this many randomly chosen elements of each parameter.
    name : str, optional
        Name used in the report; the network's class name by default.

    Returns
    -------
    GradCheckReport
        Arrays are named by their ``params`` keys.
    """
    who = name or type(network).__name__
    rng = _make_rng(rng)
    network = copy.deepcopy(network)
    x, t = _copy_arg(x), _copy_arg(t)
    all_params = network.params
    wanted = list(all_params) if keys is None else list(keys)
    unknown = [k for k in wanted if k not in all_params]
    if unknown:
        raise KeyError(f"check_network: {who}.params has no {unknown}; it has {list(all_params)}")
    for key in wanted:
        _require_float64(
            all_params[key],
            f"check_network: {who}.params[{key!r}]",
            "Build the network with float64 parameters.",
        )
    kwargs = _forward_kwargs(network.loss, train_flg, who)
    randomness = _RandomStates(network)
    report = GradCheckReport(who, tol)

    def objective() -> float:
        randomness.restore()
        return _to_scalar(network.loss(x, t, **kwargs), f"check_network: {who}.loss")

    try:
        loss = objective()
        if loss != objective():
            report.problems.append(
                "loss gave different values for the same input, so no numerical gradient is "
                "possible. Take randomness from np.random.Generator objects kept on the layers."
            )
            return report
        # a loss is O(1) and its rounding error grows with the logits, not with the loss
        report.noise = _NOISE_FACTOR * np.finfo(np.float64).eps * max(abs(loss), 1.0) / h
        randomness.restore()
        grads = network.gradient(x, t)
        grads = {
            k: np.array(grads[k], dtype=np.float64) for k in wanted if grads.get(k) is not None
        }
        for key in wanted:
            if key not in grads:
                report.arrays[key] = ArrayCheck(
                    key, problem=f"gradient() returned no {key!r} (network.params has it)."
                )
                continue
            problem = _shape_problem(key, grads[key], f"params[{key!r}]", all_params[key].shape)
            if problem:
                report.arrays[key] = ArrayCheck(key, problem=problem)
                continue
            indices = _sample_indices(all_params[key].shape, max_elements, rng)
            numerical = _finite_differences(objective, all_params[key], indices, h)
            report.arrays[key] = _compare(key, grads[key], indices, numerical, tol, report.noise)
    finally:
        randomness.restore()
    return report


def assert_network_gradients(network: Any, x: Any, t: Any, **kwargs: Any) -> GradCheckReport:
    """Run :func:`check_network` and raise ``AssertionError(str(report))`` if it fails."""
    report = check_network(network, x, t, **kwargs)
    if not report.ok:
        raise AssertionError(str(report))
    return report
