"""The feedback students get back, made by real nbgrader runs: every part named with its
points, math from a local MathJax, the visible test's hints under a failed part, and one
line (not a traceback) for an ungraded cell that could not run while grading.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import nbformat
import pytest
from autograder_helpers import ASSIGNMENTS, copy_course, points, source_notebook, student_notebook
from autograder_helpers import write_notebook as save

from autograder.course import REPO, Course
from autograder.feedback import (
    MATHJAX_SOURCE,
    ExplainParts,
    FeedbackResult,
    generate_feedback,
    html_text,
    part_title,
    ungraded_note,
    visible_hints,
)
from autograder.grade import autograde
from autograder.messages import language
from autograder.notebooks import nbgrader_meta
from autograder.sandbox.verdicts import NOT_OWN_CODE

ASSIGNMENT = "03_backprop"
SCRATCH = "from dlfs.networks import TwoLayerNet\nnet = TwoLayerNet(4, 3, 2)"
BUG = ("a3_swl_code", "return dx * dout / n", "return dx * dout")  # forgets 1/N


# the pieces, without nbgrader -------------------------------------------------------------


def _cell(kind: str, source: str, **meta: object) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if meta:
        cell.metadata["nbgrader"] = dict(meta)
    return cell


@pytest.mark.parametrize(
    ("first_line", "title"),
    [
        ("# Tests for Relu.backward (1 point)", "Relu.backward"),
        ("# Tests for MulLayer (1 point): 2 apples at 100 each", "MulLayer"),
        ("# Tests for Affine.backward: dx (1 point)", "Affine.backward: dx"),
        ("# Tests that numerical_gradient restores x (1 point)", "numerical_gradient restores x"),
        ("# Tests: train within the time limit (4 points)", "train within the time limit"),
        ("x = 1", "a9_part"),
    ],
)
def test_a_test_cell_is_named_by_its_first_line(first_line: str, title: str) -> None:
    cell = _cell("code", first_line + "\nassert True", grade=True, grade_id="a9_part")
    assert part_title(cell) == title


def test_a_written_answer_is_named_by_its_question() -> None:
    answer = _cell("markdown", "YOUR ANSWER HERE", grade=True, solution=True, grade_id="a9_q")
    bold = _cell("markdown", "**C1.** Adam trains fast. **Why not\nalways Adam?** Give reasons.")
    heading = _cell("markdown", "## 5. Written question (graded by hand)\n\nWhy backprop?")
    assert part_title(answer, bold) == "C1. Why not always Adam?"
    assert part_title(answer, heading) == "5. Written question (graded by hand)"
    assert part_title(answer, None) == "a9_q"


def test_a_bilingual_question_is_named_once_in_korean() -> None:
    """The English original in the question's <details> block does not add its bold words."""
    answer = _cell("markdown", "YOUR ANSWER HERE", grade=True, solution=True, grade_id="a4_q")
    english = "<details><summary>English</summary>\n\n**C1.** **Why not Adam?**\n\n</details>"
    korean = "**C1.** Adam은 빠릅니다. **왜 늘 Adam을 쓰지는 않을까요?**"
    bold = _cell("markdown", f"{korean}\n\n{english}")
    heading = _cell("markdown", f"## 5. 서술형 문제 (Written question)\n\n질문.\n\n{english}")
    assert part_title(answer, bold) == "C1. 왜 늘 Adam을 쓰지는 않을까요?"
    assert part_title(answer, heading) == "5. 서술형 문제 (Written question)"


def test_the_written_parts_of_the_assignments_have_short_korean_names() -> None:
    for assignment in ASSIGNMENTS:
        cells = source_notebook(assignment).cells
        for before, cell in zip(cells, cells[1:], strict=False):
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("grade"):
                title = part_title(cell, before)
                assert re.search("[\uac00-\ud7a3]", title), (assignment, title)
                english = before.source.split("<details>")[-1]
                # the English question's bold words (not only a label such as "C1.") stay out
                bold = [b for b in re.findall(r"\*\*(.+?)\*\*", english, re.S) if len(b) > 4]
                assert bold, (assignment, "the English question lost its bold words")
                assert not any(" ".join(b.split()) in title for b in bold), title
                assert len(title) <= 40, (assignment, title)


def test_visible_hints_are_the_assert_messages() -> None:
    source = """
dx = layer.backward()
assert np.shape(dx) == (2, 3), f"dx must have shape (2, 3), got {np.shape(dx)}"
assert np.allclose(dx, expected), (
    f"expected\\n{expected}\\ngot\\n{dx}\\n(did you divide by N?)"
)
assert ok
assert np.all(dx == dx), "no nan " + "please"
"""
    assert visible_hints(source) == [
        "dx must have shape (2, 3), got …",
        "expected … got … (did you divide by N?)",
        "no nan please",
    ]
    assert visible_hints("def broken(:\n") == []


def test_visible_hints_of_korean_first_messages_speak_the_feedback_language() -> None:
    source = """
assert np.isclose(price, 220.0), (
    f"순전파: 100 * 2 * 1.1은 220이어야 하는데 {price}입니다 "
    f"(forward: 100 * 2 * 1.1 should be 220, got {price})"
)
assert ok, "Relu.forward에서 입력을 수정하면 안 됩니다 (Relu.forward must not modify its input)"
assert np.allclose(dx, expected), f"expected\\n{expected}\\ngot\\n{dx}\\n(did you divide by N?)"
"""
    assert visible_hints(source, "ko") == [
        "순전파: 100 * 2 * 1.1은 220이어야 하는데 …입니다",
        "Relu.forward에서 입력을 수정하면 안 됩니다",
        "expected … got … (did you divide by N?)",
    ]
    assert visible_hints(source, "en") == [
        "forward: 100 * 2 * 1.1 should be 220, got …",
        "Relu.forward must not modify its input",
        "expected … got … (did you divide by N?)",
    ]
    with language("ko"):
        assert visible_hints(source) == visible_hints(source, "ko")
    assert visible_hints(source) == visible_hints(source, "en")


def test_an_ungraded_cell_that_imports_a_stubbed_module_gets_one_line() -> None:
    error = nbformat.v4.new_output(
        "error",
        ename="Error",
        evalue="Traceback (most recent call last):\n  File ...\nImportError: dlfs.layers "
        "is not available while 03_backprop is graded: write this code yourself",
        traceback=[],
    )
    note = ungraded_note(error)
    assert "\n" not in note
    assert note.startswith("Stopped while grading: this cell uses dlfs.layers")
    assert "costs no points" in note
    message = "NameError: name 'q' is not defined"
    other = nbformat.v4.new_output("error", ename="Error", evalue=message)
    assert message in ungraded_note(other)


def test_no_hints_under_a_part_whose_code_is_not_the_students_own() -> None:
    """A part lost to the source check (say, imported from dlfs) gets no hints about values."""
    source = 'assert relu(-1) == 0, "relu(-1)은 0이어야 합니다 (relu(-1) should be 0)"'
    for ename, hinted in (("CheckFailed", True), (NOT_OWN_CODE, False)):
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue="x", traceback=[])]
        with language("en"):
            ExplainParts._add_hints(cell)
        shown = [o for o in cell.outputs if o.output_type == "display_data"]
        assert bool(shown) == hinted, ename
        if hinted:
            assert "relu(-1) should be 0" in shown[0].data["text/plain"]


# real nbgrader runs ------------------------------------------------------------------------


@dataclass
class Feedback:
    course: Course
    results: dict[str, FeedbackResult]

    def html(self, student: str) -> str:
        return self.results[student].path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def feedback(generated_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Feedback:
    """03_backprop graded for two students: `full` (every part right, plus a scratch cell
    that imports dlfs.networks, which grading forbids) and `partial` (SoftmaxWithLoss.backward
    forgets to divide by N)."""
    if not (MATHJAX_SOURCE / "tex-chtml.js").is_file():
        subprocess.run(["bash", str(REPO / "scripts" / "fetch-mathjax.sh")], check=True)
    folder = tmp_path_factory.mktemp("feedback")
    course = copy_course(generated_course, folder / "course", feedback_language="en")
    full = student_notebook(course, ASSIGNMENT)
    full.cells.append(nbformat.v4.new_code_cell(SCRATCH))
    partial = student_notebook(course, ASSIGNMENT, edits=[BUG])
    for student, nb in (("full", full), ("partial", partial)):
        save(nb, course.path("submitted", student, ASSIGNMENT, f"{ASSIGNMENT}.ipynb"))
    graded = {r.student: r for r in autograde(course, [ASSIGNMENT], timeout=300)}
    assert graded["full"].score == 13 and graded["partial"].score == 11, graded
    results = {r.student: r for r in generate_feedback(course, [ASSIGNMENT])}
    return Feedback(course, results)


def _summary(markup: str) -> dict[str, tuple[str, str]]:
    """grade id -> (state, text) of every part listed in the summary at the top."""
    items = re.findall(
        r'<li class="dlfs-part dlfs-(\w+)" data-grade-id="([^"]+)">(.*?)</li>', markup, re.S
    )
    return {gid: (state, " ".join(html_text(body).split())) for state, gid, body in items}


def _expected_titles() -> dict[str, str]:
    """Each test cell's name as its source's first line gives it: '# Tests for NAME (...'."""
    titles = {}
    for cell in source_notebook(ASSIGNMENT).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            first = cell.source.splitlines()[0]
            titles[meta["grade_id"]] = first.removeprefix("# Tests for ").split(" (")[0]
    return titles


@pytest.mark.slow
@pytest.mark.parametrize("student", ["full", "partial"])
def test_feedback_is_written_without_notes(feedback: Feedback, student: str) -> None:
    result = feedback.results[student]
    assert (result.status, result.notes) == ("written", [])


@pytest.mark.slow
@pytest.mark.parametrize("student", ["full", "partial"])
def test_the_summary_names_every_part_with_its_points(feedback: Feedback, student: str) -> None:
    markup = feedback.html(student)
    summary = _summary(markup)
    wanted = points(ASSIGNMENT)
    for grade_id, title in _expected_titles().items():
        state, text = summary[grade_id]
        assert text.startswith(("✔ " + title, "✘ " + title)), text
        lost = student == "partial" and grade_id == "a3_swl_backward"
        score = 0 if lost else wanted[grade_id]
        assert f"— {score:g} / {wanted[grade_id]:g} point" in text, text
        assert state == ("failed" if lost else "passed"), text
    written = [gid for gid in summary if gid not in wanted]
    assert written == ["a3_q_backprop"] and "written answer" in summary["a3_q_backprop"][1]
    header = markup.split('id="notebook"')[0]
    assert "Test cell" not in html_text(header)


@pytest.mark.slow
@pytest.mark.parametrize("student", ["full", "partial"])
def test_math_comes_from_a_copy_next_to_the_page(feedback: Feedback, student: str) -> None:
    markup = feedback.html(student)
    sources = re.findall(r'<script[^>]*\ssrc="([^"]*)"', markup)
    assert sources == ["mathjax/tex-chtml.js"], sources
    assert "cdnjs" not in markup and "MathJax.Hub" not in markup
    folder = feedback.results[student].path.parent
    assert (folder / "mathjax" / "tex-chtml.js").stat().st_size > 500_000
    fonts = list((folder / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) > 10
    assert re.search(r"\$\\partial L", html_text(markup)), "the page has math for MathJax"


@pytest.mark.slow
def test_a_failed_part_keeps_the_visible_tests_hint(feedback: Feedback) -> None:
    markup = feedback.html("partial")
    hints = re.findall(r'<div class="dlfs-hint">(.*?)</div>', markup, re.S)
    assert len(hints) == 1, "one failed part, one block of hints"
    assert "did you divide by the batch size N?" in html_text(hints[0])
    assert not re.search(r"[\uac00-\ud7a3]", html_text(hints[0])), "the English of the hints"
    assert '<div class="dlfs-hint">' not in feedback.html("full")


@pytest.mark.slow
def test_an_ungraded_cell_that_could_not_run_gets_one_line(feedback: Feedback) -> None:
    text = html_text(feedback.html("full").split('id="notebook"')[1])  # the cells, not the CSS
    assert "from dlfs.networks import TwoLayerNet" in text, "the scratch cell is shown"
    notes = [line for line in text.splitlines() if "Stopped while grading" in line]
    assert len(notes) == 1 and "dlfs.layers" in notes[0] and "costs no points" in notes[0]
    assert "Traceback" not in text and "ImportError" not in text
    assert str(REPO) not in text, "no path of the grader's machine"


@pytest.mark.slow
def test_mathjax_is_shared_by_links_not_copies(feedback: Feedback) -> None:
    """A class's feedback holds one MathJax: every page's copy is a hard link to the source
    when the file system allows it (same device)."""
    first = feedback.results["full"].path.parent / "mathjax" / "tex-chtml.js"
    second = feedback.results["partial"].path.parent / "mathjax" / "tex-chtml.js"
    if first.stat().st_dev != (MATHJAX_SOURCE / "tex-chtml.js").stat().st_dev:
        pytest.skip("the course is on another file system than the MathJax copy")
    source = (MATHJAX_SOURCE / "tex-chtml.js").stat()
    assert first.stat().st_ino == second.stat().st_ino == source.st_ino


# the course set to Korean ------------------------------------------------------------------


@pytest.fixture(scope="module")
def korean(generated_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Feedback:
    """03_backprop graded in a course set to Korean for one student, `partial` (the same
    SoftmaxWithLoss.backward bug as above, plus the scratch cell that cannot run)."""
    folder = tmp_path_factory.mktemp("korean")
    course = copy_course(generated_course, folder / "course", feedback_language="ko")
    partial = student_notebook(course, ASSIGNMENT, edits=[BUG])
    partial.cells.append(nbformat.v4.new_code_cell(SCRATCH))
    save(partial, course.path("submitted", "partial", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"))
    graded = {r.student: r for r in autograde(course, [ASSIGNMENT], timeout=300)}
    assert graded["partial"].score == 11, graded  # as in English
    results = {r.student: r for r in generate_feedback(course, [ASSIGNMENT])}
    return Feedback(course, results)


@pytest.mark.slow
def test_english_when_the_course_says_en(feedback: Feedback) -> None:
    text = html_text(feedback.html("partial"))
    assert "(Score: 11.0 / 15.0)" in text and "Hints of the visible test (run it in" in text
    assert (
        "dx of SoftmaxWithLoss.backward for N=7, K=4 with labels disagrees with the numerical "
        "gradient (relative error"
    ) in text
    # the notebook's own cells are Korean first; the fixed text and the messages are English
    korean = [
        "(점수:",
        "공개 테스트의 힌트",
        "서술형 답안",
        "채점 셀:",
        "수치 미분으로 구한 기울기와",
    ]
    assert not [words for words in korean if words in text]


@pytest.mark.slow
def test_a_korean_course_gives_korean_feedback(korean: Feedback) -> None:
    result = korean.results["partial"]
    assert (result.status, result.notes) == ("written", [])
    markup = korean.html("partial")
    summary = _summary(markup)
    assert summary["a3_swl_backward"] == (
        "failed",
        "✘ SoftmaxWithLoss.backward (테스트) — 0 / 2 점",
    )
    assert summary["a3_relu_forward"][1].endswith("— 1 / 1 점")
    assert "(서술형 답안)" in summary["a3_q_backprop"][1]
    header, cells = (html_text(part) for part in markup.split('id="notebook"'))
    assert "(점수: 11.0 / 15.0)" in header
    assert "Score" not in header
    for _, line in summary.values():
        assert not any(word in line for word in ("point", "(test)", "written answer")), line
    # the check's message, the hints and the note of the cell that could not run
    assert (
        "SoftmaxWithLoss.backward의 dx (N=7, K=4, 레이블): 수치 미분으로 구한 기울기와 "
        "다릅니다 (상대 오차"
    ) in cells
    assert "공개 테스트의 힌트" in cells and "배치 크기 N으로 나눴나요?" in cells
    assert "채점하는 동안 멈췄습니다: 이 셀은 dlfs.layers을(를) 쓰는데" in cells
    assert "채점 셀: a3_add" in cells and "점수: 0.0 / 2.0 (맨 위로)" in cells
    lines = {line.strip() for line in cells.splitlines()}
    assert "통과" in lines and "passed" not in lines
    for english in ("(relative error", "Hints of the visible test", "Stopped while grading"):
        assert english not in cells, english
