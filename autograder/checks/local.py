"""Run a trusted check on a notebook's own code, in the notebook's own kernel.

The hidden tests of every source notebook are generated from the checks
(:mod:`autograder.hidden_tests`): each shows the source of the check that grades the part and
hands it to :func:`run_here`, so running a source in Jupyter, or ``nbgrader validate`` on it,
runs the very code that grades. A :class:`LocalSession` answers the check's requests with
the sandbox runner's own code (:class:`~autograder.sandbox.runner.Values` and
:func:`~autograder.sandbox.runner.answer`) on the notebook's namespace, and decodes the
replies as the grader does: arrays come back as validated copies, objects as
:class:`~autograder.sandbox.session.Remote` handles. Only the containment is missing, which
the instructor's own notebook does not need.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from autograder.checks import Check, CheckFn
from autograder.checks.sandbox_functions import FUNCTIONS
from autograder.messages import tr
from autograder.sandbox.runner import Values, answer
from autograder.sandbox.session import CheckFailed, Session

__all__ = ["LocalSession", "run_here"]


class LocalSession(Session):
    """A :class:`Session` over a namespace of this process instead of a sandboxed runner."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        super().__init__([])
        self.shell = SimpleNamespace(user_ns=namespace)
        self.values = Values(FUNCTIONS)

    def ensure_running(self) -> None:
        pass

    def _request(
        self, header: dict[str, Any], blobs: list[bytes] | None, label: str
    ) -> dict[str, Any]:
        out: list[bytes] = []
        request = {**header, "_blobs": list(blobs or [])}
        try:
            reply = answer(self.shell, self.values, request, out)
        except Exception as err:
            error = f"{type(err).__name__}: {err}"
            kinds = tuple(k.__name__ for k in type(err).__mro__)
            raise CheckFailed(
                tr("{label} raised {error}", label=label, error=error), kinds=kinds
            ) from err
        if not reply.get("ok"):
            raise CheckFailed(str(reply.get("error")))
        reply["_blobs"] = out
        return reply


class _Here:
    """Stands in for the assignment's ``SUITE``: ``@SUITE.check(...)`` runs the check at once.

    ``own`` and ``banned`` (the names students must write themselves) are checked on the
    grader's side only, from the submission's cells and with the banned modules stubbed out
    in the sandbox; a kernel does not know which cells are the student's.
    """

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def check(
        self,
        grade_id: str,
        *,
        own: tuple[str, ...] = (),
        banned: tuple[str, ...] | None = None,
        uses: tuple[str, ...] = (),
    ) -> Callable[[CheckFn], CheckFn]:
        def run(fn: CheckFn) -> CheckFn:
            with LocalSession(self.namespace) as s:
                Check(grade_id, fn, uses=uses).run(s)
            return fn

        return run


def run_here(namespace: dict[str, Any], assignment: str, source: str) -> None:
    """Run the check in ``source`` (from ``autograder/checks/a<assignment>.py``) on ``namespace``.

    The source runs among the names of its module, with ``SUITE`` standing in for the
    assignment's suite, so the check runs as soon as it is defined; the notebook's own names
    are reached only through the session.
    """
    module = importlib.import_module(f"autograder.checks.a{assignment}")
    scope = dict(vars(module), SUITE=_Here(namespace))
    exec(compile(source, module.__file__ or assignment, "exec"), scope)
