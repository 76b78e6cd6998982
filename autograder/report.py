"""Which tests did the class fail? Pass rates per autograded test cell, as a table and a plot."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry

from autograder.course import Course, CourseError
from autograder.notebooks import grade_ids, read_notebook

__all__ = ["TestStats", "format_table", "pass_rates", "plot", "write_csv"]

FIELDS = ["assignment", "test", "points", "submissions", "passed", "pass_rate", "mean_score"]


@dataclass
class TestStats:
    """How one autograded test cell went across the class."""

    assignment: str
    test: str
    points: float
    submissions: int
    passed: int
    mean_score: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else float("nan")

    def row(self) -> dict[str, str]:
        return {
            "assignment": self.assignment,
            "test": self.test,
            "points": f"{self.points:g}",
            "submissions": str(self.submissions),
            "passed": str(self.passed),
            "pass_rate": f"{self.pass_rate:.3f}",
            "mean_score": f"{self.mean_score:.3f}",
        }


def pass_rates(course: Course, assignments: list[str]) -> list[TestStats]:
    """Pass rate of every autograded test cell, in notebook order.

    A submission passes a test cell when its autograded score is the cell's full points.
    Manually graded answers are not tests and are left out.
    """
    if not course.db_path.is_file():
        raise CourseError(
            f"no gradebook in {course.root}: nothing has been graded yet; run "
            f"`{course.command('generate')}`, then "
            f"`{course.command('grade', '--source', 'SOURCE')}`"
        )
    stats = []
    with course.gradebook() as gb:
        for assignment in assignments:
            order = grade_ids(read_notebook(course.source_notebook(assignment)))
            try:
                notebook = gb.find_notebook(assignment, assignment)
            except MissingEntry:  # not generated yet
                continue
            manual = {cell.name for cell in notebook.solution_cells}
            cells = [c for c in notebook.grade_cells if c.name not in manual]
            cells.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
            for cell in cells:
                scores = [
                    g.auto_score if g.auto_score is not None else g.score
                    for g in cell.grades
                    if g.notebook is not None
                ]
                scores = [float(s or 0.0) for s in scores]
                stats.append(
                    TestStats(
                        assignment=assignment,
                        test=cell.name,
                        points=float(cell.max_score),
                        submissions=len(scores),
                        passed=sum(s >= float(cell.max_score) for s in scores),
                        mean_score=sum(scores) / len(scores) if scores else float("nan"),
                    )
                )
    return stats


def format_table(stats: list[TestStats]) -> str:
    """A plain-text table, the tests failed most first."""
    rows = sorted(stats, key=lambda s: (s.pass_rate, s.assignment, s.test))
    header = f"{'assignment':<22} {'test':<24} {'points':>6} {'passed':>11} {'rate':>6}"
    lines = [header, "-" * len(header)]
    for s in rows:
        lines.append(
            f"{s.assignment:<22} {s.test:<24} {s.points:>6g} "
            f"{s.passed:>5}/{s.submissions:<5} {s.pass_rate:>6.0%}"
        )
    return "\n".join(lines)


def write_csv(stats: list[TestStats], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
        writer = csv.DictWriter(fh, FIELDS)
        writer.writeheader()
        writer.writerows(s.row() for s in stats)
    return path


def plot(stats: list[TestStats], path: Path) -> Path:
    """A horizontal bar chart of pass rates, one bar per test, grouped by assignment."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [s for s in stats if s.submissions]
    if not shown:
        raise CourseError("no graded submissions yet: nothing to plot")
    assignments = sorted({s.assignment for s in shown})
    colours = {a: plt.cm.tab10(i % 10) for i, a in enumerate(assignments)}
    fig, ax = plt.subplots(figsize=(9.5, 0.28 * len(shown) + 1.5))
    positions = range(len(shown))[::-1]
    ax.barh(
        list(positions),
        [100 * s.pass_rate for s in shown],
        color=[colours[s.assignment] for s in shown],
    )
    ax.set_yticks(list(positions), [f"{s.test} ({s.points:g})" for s in shown], fontsize=8)
    for y, s in zip(positions, shown, strict=True):
        ax.text(101, y, f"{s.passed}/{s.submissions}", va="center", fontsize=7)
    ax.set_xlim(0, 112)
    ax.set_xlabel("submissions passing the test (%)")
    ax.set_title("Autograder tests: pass rate per test cell (points in brackets)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[a]) for a in assignments]
    ax.legend(handles, assignments, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
