"""Grade one submitted notebook: run it in the sandbox and decide every autograded part here.

:func:`judge` is the whole trusted pipeline for one notebook; :class:`SandboxExecute` plugs it
into ``nbgrader autograde`` in place of nbgrader's ``Execute`` preprocessor, so the student's
notebook never runs in nbgrader's own process or kernel, and the verdicts reach the gradebook
the usual way: a test cell with an error output scores 0, one without scores its points.
"""

from __future__ import annotations

import ast
import json
import re
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Int, List, Unicode

from autograder.checks import Suite, load_suite
from autograder.messages import configured_language, language, tr
from autograder.notebooks import without_region
from autograder.sandbox.jail import Limits, isolation
from autograder.sandbox.session import CheckFailed, SandboxError, Session

# the functions a check can ask the runner to build (Fn), shipped beside the runner
FUNCTIONS = Path(__file__).resolve().parent.parent / "checks" / "sandbox_functions.py"

__all__ = [
    "Report",
    "SandboxExecute",
    "Verdict",
    "explain_name_error",
    "judge",
    "names_set_by_tests",
    "student_cells",
    "test_cells",
]


# the error name of a part that failed because its code is not the student's own work, so
# the feedback leaves out the visible test's hints (they are about values, not about that)
NOT_OWN_CODE = "NotOwnCode"


@dataclass
class Verdict:
    grade_id: str
    passed: bool
    message: str
    seconds: float = 0.0
    own_code: bool = True  # False: failed the source check, before any call
    stopped: bool = False  # a call hung or ended the student's process


@dataclass
class Report:
    """Everything the grader learnt about one submission."""

    assignment: str
    isolation: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""  # why grading stopped before any verdict (no check for a test cell, ...)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> Report | None:
        """The report written by :class:`SandboxExecute`, or None when there is none."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            verdicts = {k: Verdict(**v) for k, v in data.pop("verdicts").items()}
            return cls(**data, verdicts=verdicts)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def failed(self) -> list[str]:
        """Grade ids of the test cells whose check failed."""
        return [grade_id for grade_id, v in self.verdicts.items() if not v.passed]


def _meta(cell: NotebookNode) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_test(cell: NotebookNode) -> bool:
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _cell_id(index: int, cell: NotebookNode) -> str:
    return str(_meta(cell).get("grade_id") or cell.get("id") or f"cell-{index}")


def student_cells(nb: NotebookNode) -> list[tuple[str, str]]:
    """The code that runs in the sandbox: every code cell except the autograded tests."""
    return [
        (_cell_id(i, c), str(c.source))
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and not _is_test(c)
    ]


def test_cells(nb: NotebookNode) -> list[str]:
    return [_cell_id(i, c) for i, c in enumerate(nb.cells) if _is_test(c)]


_NAME_ERROR = re.compile(r"NameError: name '([A-Za-z_]\w*)' is not defined")


def _bound_at_top_level(tree: ast.Module) -> set[str]:
    """Names a cell's code binds in the notebook's namespace (not those local to a def)."""
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(
            node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
        ):
            continue  # their names are their own
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return names


def names_set_by_tests(nb: NotebookNode) -> set[str]:
    """Names that the students' (visible) part of the test cells sets, e.g. ``x``, ``dout``."""
    names: set[str] = set()
    for cell in nb.cells:
        if _is_test(cell):
            try:
                visible = without_region(str(cell.source), "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
                names |= _bound_at_top_level(ast.parse(visible))
            except (SyntaxError, ValueError):
                continue
    return names


def explain_name_error(message: str, test_names: set[str]) -> str:
    """``message`` with a hint when it is a NameError for a name only a test cell sets.

    In Jupyter such code works, because the test cells ran before it; in grading the
    student's cells run without the test cells, and the name does not exist.
    """
    found = _NAME_ERROR.search(message)
    if found is None or found.group(1) not in test_names:
        return message
    return tr(
        "{message} (`{name}` exists in your notebook only because a test cell sets it; when "
        "the notebook is graded your cells run without the test cells, so use the arguments "
        "your code receives, or define what it needs in your own cells)",
        message=message,
        name=found.group(1),
    )


def judge(
    assignment: str,
    nb: NotebookNode,
    limits: Limits | None = None,
    *,
    hide: list[Path] | None = None,
    slot: int = 0,
    lang: str = "en",
) -> Report:
    """Run the notebook's code in a sandbox and decide each test cell with the trusted checks.

    Messages for the student (verdicts, errors of cells) are in ``lang`` (``"en"``, ``"ko"``).
    """
    with language(lang):
        return _judge(assignment, nb, limits, hide=hide, slot=slot)


def _judge(
    assignment: str,
    nb: NotebookNode,
    limits: Limits | None,
    *,
    hide: list[Path] | None,
    slot: int,
) -> Report:
    start = time.monotonic()
    suite = load_suite(assignment)
    level = isolation()
    report = Report(assignment, level.describe())
    cells = student_cells(nb)
    tests = test_cells(nb)
    missing = [t for t in tests if t not in suite.checks]
    if missing:
        raise LookupError(f"{assignment}: no trusted check for test cell(s) {', '.join(missing)}")
    stubs = suite.stubs() if level.level == "bwrap" else {}
    if suite.banned_modules and not stubs:
        report.notes.append(
            "library modules students must write themselves could not be blocked "
            "(no bwrap); the notebook's source was checked instead"
        )
    helpers = {"helpers.py": FUNCTIONS.read_text()}
    session = Session(cells, limits, hide=list(hide or []), stubs=stubs, files=helpers, slot=slot)
    try:
        try:
            session.start()
            started = ""
        except SandboxError as err:
            started = str(err)
        for grade_id in tests:
            t0 = time.monotonic()
            verdict = _run_check(suite, grade_id, session, cells, started)
            verdict.seconds = time.monotonic() - t0
            report.verdicts[grade_id] = verdict
    finally:
        session.close()
    test_names = names_set_by_tests(nb)
    for verdict in report.verdicts.values():
        verdict.message = explain_name_error(verdict.message, test_names)
    for run in session.runs.values():
        if run.error:
            run.error = explain_name_error(run.error, test_names)
    report.cells = {
        cid: {k: v for k, v in asdict(run).items() if k != "cell_id"}
        for cid, run in session.runs.items()
    }
    report.notes += session.notes
    report.seconds = time.monotonic() - start
    return report


def _run_check(
    suite: Suite, grade_id: str, session: Session, cells: list[tuple[str, str]], started: str
) -> Verdict:
    problem = suite.static_problem(grade_id, cells)
    if problem:
        return Verdict(grade_id, False, problem, own_code=False)
    if started:
        return Verdict(grade_id, False, tr("not checked: {reason}", reason=started))
    try:
        session.ensure_running()
        suite.checks[grade_id].run(session)
    except CheckFailed as err:
        return Verdict(grade_id, False, str(err), stopped=err.stopped)
    except SandboxError as err:
        return Verdict(grade_id, False, tr("not checked: {reason}", reason=err), stopped=True)
    except Exception as err:  # a value the check did not expect; keep the reason short
        tb = traceback.extract_tb(err.__traceback__)
        where = f" ({tb[-1].name})" if tb else ""
        return Verdict(
            grade_id,
            False,
            tr(
                "the check could not use what the code returned: {error}{where}",
                error=f"{type(err).__name__}: {str(err)[:200]}",
                where=where,
            ),
        )
    return Verdict(grade_id, True, tr("passed"))


class SandboxExecute(NbGraderPreprocessor):
    """nbgrader preprocessor: grade in the sandbox instead of executing in a kernel."""

    cell_seconds = Float(120.0, help="Wall-clock seconds each notebook cell may run").tag(
        config=True
    )
    call_seconds = Float(60.0, help="Seconds each call of a check may take").tag(config=True)
    total_seconds = Float(900.0, help="Wall-clock seconds for the whole submission").tag(
        config=True
    )
    memory_mb = Int(4096, help="Address-space limit of the student's process (MB)").tag(config=True)
    processes = Int(32, help="Processes and threads the student's code may create").tag(config=True)
    cpu_seconds = Int(900, help="CPU seconds for the whole submission").tag(config=True)
    hide = List(Unicode(), help="Extra paths the student's code must not see").tag(config=True)
    report_dir = Unicode(
        "", help="Folder for the JSON reports, one per submission (default: logs/sandbox)"
    ).tag(config=True)
    slot = Int(0, help="Parallel slot of this grading process").tag(config=True)

    def limits(self) -> Limits:
        return Limits(
            cell_seconds=self.cell_seconds,
            call_seconds=self.call_seconds,
            total_seconds=self.total_seconds,
            cpu_seconds=self.cpu_seconds,
            memory_mb=self.memory_mb,
            processes=self.processes,
        )

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources.get("nbgrader", {})
        assignment = info.get("assignment")
        student = info.get("student", "student")
        root = Path(self.config.CourseDirectory.get("root", ".") or ".").resolve()
        hide = [root, *(Path(p) for p in self.hide)]
        path = Path(self.report_dir or root / "logs" / "sandbox") / str(assignment)
        path = path / f"{student}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        lang = configured_language(self.config)  # a wrong value stops here, naming en and ko
        try:
            report = judge(assignment, nb, self.limits(), hide=hide, slot=self.slot, lang=lang)
        except Exception as err:  # the grader's own problem: say it in the report, then fail
            path.write_text(Report(assignment, "", error=str(err)).to_json(), encoding="utf-8")
            raise
        if report.isolation.startswith("sandbox: rlimits"):
            self.log.warning("%s", report.isolation)
        else:
            self.log.info("%s", report.isolation)
        for note in report.notes:
            self.log.warning("sandbox: %s", note)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cid = _cell_id(index, cell)
            cell.outputs = []
            if cid in report.verdicts:
                verdict = report.verdicts[cid]
                if verdict.passed:
                    cell.outputs.append(
                        new_output("stream", name="stdout", text=verdict.message + "\n")
                    )
                else:
                    ename = "CheckFailed" if verdict.own_code else NOT_OWN_CODE
                    cell.outputs.append(
                        new_output(
                            "error",
                            ename=ename,
                            evalue=verdict.message,
                            traceback=[f"{ename}: {verdict.message}"],
                        )
                    )
            elif cid in report.cells:
                run = report.cells[cid]
                text = (run.get("stdout") or "") + (run.get("stderr") or "")
                if text:
                    cell.outputs.append(new_output("stream", name="stdout", text=text))
                if run.get("error"):
                    cell.outputs.append(
                        new_output(
                            "error",
                            ename="Error",
                            evalue=run["error"],
                            traceback=[str(run["error"])],
                        )
                    )
        path.write_text(report.to_json(), encoding="utf-8")
        return nb, resources
