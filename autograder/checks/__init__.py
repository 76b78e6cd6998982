"""Trusted checks: the verdicts of the autograded parts, decided outside the student's process.

One module per assignment (``a03_backprop.py`` for ``03_backprop``) creates a :class:`Suite`
and registers one check per autograded test cell with :meth:`Suite.check`. A check receives
a :class:`~autograder.sandbox.session.Session` and talks to the student's code only through
it: it makes its own inputs (from a seed the student never sees), calls the student's
functions and classes, receives plain arrays, and compares them here with reference values
computed by the course library. It fails with :func:`fail` (a :class:`CheckFailed`) and a
message that says which property does not hold (the message is shown to the student; never
put a hidden input or the check's code in it).

Besides the calls, a suite can require that some names are written in the notebook: the
student's cells are parsed here (never run here) and a name must be bound by its own ``def``
or ``class``, not imported from a library module the assignment asks students to write, and
that module is replaced by a stub inside the sandbox.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from dlfs.gradient import numerical_gradient as _numerical_gradient
from dlfs.gradient import rel_error
from IPython.core.inputtransformer2 import TransformerManager

from autograder.messages import tr
from autograder.sandbox.session import (
    CheckFailed,
    Fn,
    Remote,
    SandboxError,
    Seed,
    Session,
    fail,
)

__all__ = [
    "CheckFailed",
    "Fn",
    "Remote",
    "Seed",
    "Session",
    "Suite",
    "array",
    "backward_matches",
    "close",
    "course_functions",
    "fail",
    "gradient_matches",
    "load_suite",
    "numerical_gradient",
    "rel_error",
    "tr",
    "unchanged",
]

CheckFn = Callable[[Session], None]
_IPYTHON = TransformerManager()

# The module a banned library module becomes in the sandbox. Importing it works, so a cell
# that imports it (to compare with the student's own code, say) still defines everything
# else; using any of its names raises an ImportError with the message (an ascii() literal:
# the stub is a source file written without a stated encoding).
STUB = """\
MESSAGE = {message}


class _Unavailable:
    def __new__(cls, *args, **kwargs):
        raise ImportError(MESSAGE)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return type(name, (_Unavailable,), {{}})
"""


@dataclass
class Check:
    grade_id: str
    fn: CheckFn  # as written; ``run`` adds the course's functions named in ``uses``
    own: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()

    def run(self, s: Session) -> None:
        if not self.uses:
            return self.fn(s)
        with course_functions(s, *self.uses):
            return self.fn(s)


@dataclass
class Suite:
    """The checks of one assignment.

    Parameters
    ----------
    assignment : str
    banned_modules : tuple of str
        Library modules replaced by a stub in the sandbox (students write these themselves).
    """

    assignment: str
    banned_modules: tuple[str, ...] = ()
    checks: dict[str, Check] = field(default_factory=dict)

    def check(
        self,
        grade_id: str,
        *,
        own: tuple[str, ...] = (),
        banned: tuple[str, ...] | None = None,
        uses: tuple[str, ...] = (),
    ) -> Callable[[CheckFn], CheckFn]:
        """Register the decorated function as the check of test cell ``grade_id``.

        ``own`` names must be defined by the student's own ``def``/``class`` without using
        anything imported from ``banned`` (default: the suite's banned modules). ``uses``
        names other graded functions that the student's code may call: the check runs with
        the course's versions of them (:func:`course_functions`).
        """

        def register(fn: CheckFn) -> CheckFn:
            if grade_id in self.checks:
                raise ValueError(f"{self.assignment}: two checks for {grade_id}")
            self.checks[grade_id] = Check(
                grade_id, fn, own, self.banned_modules if banned is None else banned, uses
            )
            return fn

        return register

    def stubs(self) -> dict[Path, str]:
        """Module files to replace in the sandbox, with the text of their stand-in (``STUB``)."""
        found = {}
        for name in self.banned_modules:
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                continue
            message = tr(
                "{module} is not available while {assignment} is graded: write this code "
                "yourself in the notebook",
                module=name,
                assignment=self.assignment,
            )
            found[Path(spec.origin)] = STUB.format(message=ascii(message))
        return found

    def static_problem(self, grade_id: str, cells: list[tuple[str, str]]) -> str | None:
        """Why the names this check needs are not the student's own work, or None."""
        check = self.checks[grade_id]
        if not check.own:
            return None
        return own_code_problem(cells, check.own, check.banned, allowed=check.uses)


def load_suite(assignment: str) -> Suite:
    """The suite of an assignment id like ``03_backprop`` (module ``a03_backprop``)."""
    try:
        module = importlib.import_module(f"autograder.checks.a{assignment}")
    except ModuleNotFoundError as err:
        if err.name != f"autograder.checks.a{assignment}":
            raise
        raise LookupError(
            f"no trusted checks for {assignment}: write autograder/checks/a{assignment}.py"
        ) from None
    suite = getattr(module, "SUITE", None)
    if not isinstance(suite, Suite):
        raise LookupError(f"autograder/checks/a{assignment}.py must define SUITE = Suite(...)")
    return suite


# ---------------------------------------------------------------------------------------
# own work: parse the student's cells (never run them here)


def _banned_imports(
    trees: list[ast.Module], banned: tuple[str, ...]
) -> tuple[set[str], dict[str, set[str]]]:
    """Names bound to banned code, and names bound to a package that holds a banned module.

    ``from dlfs.layers import Affine`` and ``import dlfs.layers as L`` bind ``Affine`` and
    ``L`` to banned code. ``import dlfs`` (or ``import dlfs.layers``) binds ``dlfs``, which
    reaches banned code only as ``dlfs.layers...``: ``dlfs.functions.softmax`` stays allowed.
    """

    def is_banned(module: str) -> bool:
        return any(module == b or module.startswith(b + ".") for b in banned)

    direct: set[str] = set()
    dotted: dict[str, set[str]] = {}  # name -> the dotted paths through it that are banned
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    if is_banned(node.module) or is_banned(f"{node.module}.{a.name}"):
                        direct.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname and is_banned(a.name):
                        direct.add(a.asname)
                        continue
                    top = a.name if a.asname else a.name.split(".")[0]
                    bound = a.asname or top
                    for b in banned:
                        if b == top or b.startswith(top + "."):
                            dotted.setdefault(bound, set()).add(bound + b[len(top) :])
    return direct, dotted


def _dotted_name(node: ast.expr) -> str | None:
    """``dlfs.layers.Affine`` for that attribute chain, None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _banned_uses(
    node: ast.AST, direct: set[str], dotted: dict[str, set[str]], allowed: tuple[str, ...]
) -> set[str]:
    """What the code of ``node`` uses from banned modules, as it is written there."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in direct}
    inner = {id(n.value) for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    for n in ast.walk(node):  # whole chains only: dlfs.layers.Relu, not its dlfs.layers
        name = _dotted_name(n) if isinstance(n, ast.Attribute) and id(n) not in inner else None
        if name is None or name.split(".")[0] not in dotted:
            continue
        for path in dotted[name.split(".")[0]]:
            rest = name[len(path) + 1 :].split(".")[0] if name.startswith(path + ".") else None
            if name == path or (rest is not None and rest not in allowed):
                found.add(name if name == path else f"{path}.{rest}")
    return found


def _python(source: str) -> str:
    """A cell's source as plain Python: IPython's magics, ``!`` commands and ``obj?`` become
    calls, and the body of a cell magic (``%%time``) is the cell's code."""
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        source = stripped.partition("\n")[2]
    try:
        return _IPYTHON.transform_cell(source)
    except Exception:  # IPython could not read it either: parse it as it is
        return source


def own_code_problem(
    cells: list[tuple[str, str]],
    names: tuple[str, ...],
    banned: tuple[str, ...],
    allowed: tuple[str, ...] = (),
) -> str | None:
    """None when every name is defined by the student's own def/class without banned code.

    ``allowed`` names may come from a banned module: the check replaces them by the
    course's versions (``uses`` of :meth:`Suite.check`). A name may also be a lambda, or
    another name for the student's own def, class or method (``Relu = ReLU``).
    """
    trees = []
    for _, source in cells:
        try:
            trees.append(ast.parse(_python(source)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the cell cannot run either: what it defines does not exist
    direct, dotted = _banned_imports(trees, banned) if banned else (set(), {})
    direct -= set(allowed)
    where = ", ".join(banned)
    for name in names:
        last = _definition(trees, name)
        if last is None:
            return tr(
                "{name} is not defined in the notebook (a def or class named {name})", name=name
            )
        if isinstance(last, ast.Import | ast.ImportFrom):
            return tr(
                "{name} must be written in the notebook with def or class, not imported", name=name
            )
        own = isinstance(last, ast.FunctionDef | ast.ClassDef)
        if not (own or isinstance(last, ast.Assign) and isinstance(last.value, ast.Lambda)):
            return tr(
                "{name} must be written in the notebook with def, class or lambda, not taken "
                "from another object",
                name=name,
            )
        used = _banned_uses(last, direct, dotted, allowed)
        if used:
            bad = ", ".join(sorted(used))
            return tr(
                "{name} uses {bad} from {where}: write it yourself", name=name, bad=bad, where=where
            )
    return None


def _definition(trees: list[ast.Module], name: str, depth: int = 0) -> ast.stmt | None:
    """The statement that last binds ``name`` at the top level. Through ``name = other`` and
    ``name = Class.method`` it is the student's def or class that ``other`` or ``Class`` is."""
    last: ast.stmt | None = None
    for tree in trees:
        for node in _top_level(tree.body):
            if _binds(node, name):
                last = node
    if depth < 3 and isinstance(last, ast.Assign) and len(last.targets) == 1:
        dotted = _dotted_name(last.value) if isinstance(last.value, ast.expr) else None
        root = dotted.split(".")[0] if dotted else None
        if root and root != name:
            other = _definition(trees, root, depth + 1)
            if isinstance(other, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
                return other
    return last


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run in the notebook's namespace: those of a cell, and those inside
    its ``if``, ``try`` and ``with`` blocks (``try: ... except ImportError: def ...``)."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.With):
            yield from _top_level(node.body)
            yield from _top_level(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                yield from _top_level(block)
            yield from _top_level(node.finalbody)


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.Import | ast.ImportFrom):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(name in _target_names(t) for t in targets)
    return False


def _target_names(target: ast.expr) -> set[str]:
    """Names an assignment target binds (``a``, ``a, b = ...``), not ``a.attr`` or ``a[i]``."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_target_names(e) for e in target.elts))
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


# ---------------------------------------------------------------------------------------
# helpers for writing checks


def _require_shape(actual: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    """CheckFailed unless ``actual`` has ``shape``."""
    if actual.shape != shape:
        got = actual.shape
        fail("{what} should have shape {shape}, got {got}", what=what, shape=shape, got=got)


def array(
    value: object,
    what: str,
    shape: tuple[int, ...] | None = None,
    *,
    finite: bool = True,
) -> np.ndarray:
    """The student's value as a float64 array, or CheckFailed saying what was wrong with it."""
    if isinstance(value, Remote):
        fail(
            "{what} should be a NumPy array, got a {kind} object",
            what=what,
            kind=value.type_name,
        )
    if isinstance(value, tuple | list):
        try:
            value = np.array(value, dtype=float)
        except (TypeError, ValueError):
            fail(
                "{what} should be an array of numbers, got a {kind}",
                what=what,
                kind=type(value).__name__,
            )
    if value is None:
        fail("{what} is None: did you forget to return (or set) it?", what=what)
    if isinstance(value, str | dict):
        fail(
            "{what} should be an array of numbers, got a {kind}",
            what=what,
            kind=type(value).__name__,
        )
    result = np.asarray(value, dtype=np.float64)
    if shape is not None:
        _require_shape(result, tuple(shape), what)
    if finite and not np.all(np.isfinite(result)):
        fail("{what} contains nan or inf", what=what)
    return result


def close(
    actual: np.ndarray, expected: np.ndarray, what: str, *, rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    """CheckFailed unless ``actual`` matches ``expected`` (shapes already checked)."""
    _require_shape(actual, expected.shape, what)
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(actual - expected)), actual.shape)
        fail(
            "{what} is wrong: at index {index} it is {actual:.6g}, expected {expected:.6g}",
            what=what,
            index=tuple(int(i) for i in worst),
            actual=actual[worst],
            expected=expected[worst],
        )


@contextmanager
def course_functions(s: Session, *names: str) -> Iterator[None]:
    """Let the student's code call the course's versions of ``names`` while the block runs.

    A part that calls another graded function (``Convolution`` calls ``im2col``,
    ``gradient_descent`` calls ``numerical_gradient``) is graded with the course's version of
    it, built in the sandbox (``FUNCTIONS`` in :mod:`autograder.checks.sandbox_functions`), so a
    bug costs only the points of the function that has it. The student's own versions are put
    back afterwards.
    """
    saved: dict[str, tuple[bool, object]] = {}
    for name in names:
        try:
            saved[name] = (True, s.get(name))
        except CheckFailed:
            saved[name] = (False, None)
        s.set_global(name, Fn(name))
    try:
        yield
    finally:
        try:
            for name, (defined, value) in saved.items():
                if defined:
                    s.set_global(name, value)
                else:
                    s.del_global(name)
        except (CheckFailed, SandboxError):  # the runner ended: it starts afresh anyway
            pass


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of ``f()`` with respect to ``x`` (changed in place, then restored).

    The course library's :func:`dlfs.gradient.numerical_gradient`, with the step of the
    gradient checks; ``f`` takes no argument and reads ``x`` through its closure.
    """
    return _numerical_gradient(lambda: f(), x, h)


def gradient_matches(
    actual: np.ndarray, expected: np.ndarray, what: str, tol: float = 1e-7, hint: str = ""
) -> None:
    """CheckFailed unless ``actual`` is within ``tol`` relative error of ``expected``.

    The error is :func:`dlfs.gradient.rel_error`, relative to the largest entries rather
    than to each entry: a central difference cannot resolve an entry that is nearly 0
    relative to itself. ``hint`` is added to the message.
    """
    _require_shape(actual, expected.shape, what)
    err = rel_error(actual, expected)
    if not err < tol:
        raise CheckFailed(
            tr(
                "{what} disagrees with the numerical gradient (relative error {err:.1e} > {tol:g})",
                what=what,
                err=err,
                tol=tol,
            )
            + hint
        )


def backward_matches(
    layer: Remote,
    name: str,
    reference: Any,
    x: np.ndarray,
    dout: np.ndarray,
    grad: str = "dx",
    what: str | None = None,
) -> None:
    """Check one gradient of the backward pass of the student's ``layer`` (class ``name``).

    Runs ``layer.forward(x)`` and ``layer.backward(dout)``; ``dout`` must come back
    unchanged. ``grad`` is ``"dx"`` (what backward returns) or a parameter gradient that
    backward stores, such as ``"dW"``; it is compared with the numerical gradient of
    ``sum(reference.forward(x) * dout)`` with respect to ``x`` or to the parameter of the
    reference layer (``reference.W`` for ``"dW"``).
    """
    layer.call("forward", x)
    dx, (dout_after,) = layer.call_keep_args("backward", dout)
    unchanged(dout, dout_after, tr("dout given to {name}.backward", name=name))
    target = x if grad == "dx" else getattr(reference, grad[1:])
    expected = numerical_gradient(lambda: float(np.sum(reference.forward(x) * dout)), target)
    value = dx if grad == "dx" else layer.get(grad)
    what = what or tr("{grad} of {name}.backward", grad=grad, name=name)
    gradient_matches(array(value, what, target.shape), expected, what)


def unchanged(before: np.ndarray, after: object, what: str) -> None:
    """CheckFailed when an input array came back modified."""
    if not (isinstance(after, np.ndarray) and after.shape == before.shape):
        fail("{what} was replaced by something else", what=what)
    if not np.array_equal(before, after):
        fail("{what} was modified: compute a new array instead of writing into it", what=what)
