"""Realistic bugs cost exactly the points of the part they break.

Each case writes one bug into the solution (a text replacement in one answer cell, checked
to match exactly once, so the cases follow the sources) and says which test cells must fail.
All cases are graded in one course by the real ``nbgrader autograde``; then the score of
every test cell is compared with the expectation: 0 for the broken part, full marks for all
the others.
"""

from __future__ import annotations

import pytest
from autograder_helpers import (
    cell_scores,
    copy_course,
    points,
    student_notebook,
    words_of,
    write_notebook,
)
from more_bugs import MORE_BUGS

from autograder.collect import collect
from autograder.course import Course
from autograder.feedback import generate_feedback, html_text
from autograder.grade import autograde

pytestmark = pytest.mark.slow

# name: (assignment, [(cell, old text, new text)], test cells that must lose their points)
BUGS = {
    "softmax_overflows": (
        "01_loss_functions",
        [("a1_softmax_code", "shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x")],
        {"a1_softmax_stable"},
    ),
    "log_of_zero": (
        "01_loss_functions",
        [("a1_cee_code", "np.log(y[np.arange(n), t] + delta)", "np.log(y[np.arange(n), t])")],
        {"a1_cee_no_log0"},
    ),
    "restore_by_adding_and_subtracting_h": (
        "02_numerical_gradient",
        [
            ("a2_numerical_gradient_code", "x[idx] = original + h", "x[idx] += h"),
            ("a2_numerical_gradient_code", "x[idx] = original - h", "x[idx] -= 2 * h"),
            ("a2_numerical_gradient_code", "x[idx] = original  #", "x[idx] += h  #"),
        ],
        {"a2_gradient_restores"},
    ),
    "descent_moves_init_x": (
        "02_numerical_gradient",
        [("a2_gd_code", "x = np.array(init_x, dtype=float)", "x = init_x")],
        {"a2_gd_input"},
    ),
    "relu_writes_into_dout": (
        "03_backprop",
        [("a3_relu_code", "return dout * self.mask", "dout[~self.mask] = 0\n        return dout")],
        {"a3_relu_backward"},
    ),
    "sigmoid_backward_uses_x": (
        "03_backprop",
        [
            ("a3_sigmoid_code", "self.out = 1.0 / ", "self.x = x\n        self.out = 1.0 / "),
            ("a3_sigmoid_code", "(1.0 - self.out) * self.out", "(1.0 - self.x) * self.x"),
        ],
        {"a3_sigmoid_backward"},
    ),
    "db_over_wrong_axis": (
        "03_backprop",
        [("a3_affine_code", "np.sum(dout, axis=0)", "np.sum(dout, axis=1)")],
        {"a3_affine_db"},
    ),
    "softmax_loss_without_1_over_n": (
        "03_backprop",
        [("a3_swl_code", "return dx * dout / n", "return dx * dout")],
        {"a3_swl_backward"},
    ),
    "affine_imported_from_dlfs": (
        "03_backprop",
        [("a3_affine_code", "class Affine:", "from dlfs.layers import Affine\n\n\nclass _Unused:")],
        {"a3_affine_forward", "a3_affine_dx", "a3_affine_dW", "a3_affine_db"},
    ),
    "adam_without_bias_correction": (
        "04_optimizers",
        [
            (
                "a4_adaptive_code",
                "m_hat = self.m[key] / (1 - self.beta1**self.t)",
                "m_hat = self.m[key]",
            ),
            (
                "a4_adaptive_code",
                "v_hat = self.v[key] / (1 - self.beta2**self.t)",
                "v_hat = self.v[key]",
            ),
        ],
        {"a4_adam"},
    ),
    "batchnorm_forgets_the_mean_path": (
        "04_optimizers",
        [("a4_bn_code", "dx = dxc - dmu / self.batch_size", "dx = dxc")],
        {"a4_bn_dx"},
    ),
    "col2im_overwrites": (
        "05_cnn",
        [("a5_col2im_code", "img[:, :, rows, cols] += ", "img[:, :, rows, cols] = ")],
        {"a5_col2im"},
    ),
    "conv_dw_not_transposed": (
        "05_cnn",
        [("a5_conv_code", "(self.col.T @ dout).T.reshape", "(self.col.T @ dout).reshape")],
        {"a5_conv_dW"},
    ),
}


BUGS.update(MORE_BUGS)


@pytest.fixture(scope="module")
def graded_bugs(generated_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    root = tmp_path_factory.mktemp("bugs")
    course = copy_course(generated_course, root / "course")
    inbox = root / "inbox"
    for name, (assignment, edits, _) in BUGS.items():
        student = name.replace("_", "-")
        write_notebook(student_notebook(course, assignment, edits), inbox / student / "hw.ipynb")
    entries = collect(course, inbox)
    assert {e.status for e in entries} == {"collected"}, [e.row() for e in entries]
    results = autograde(course, sorted({a for a, _, _ in BUGS.values()}), timeout=120, jobs=2)
    assert {r.status for r in results} == {"graded"}, [r.row() for r in results]
    generate_feedback(course, sorted({a for a, _, _ in BUGS.values()}))
    return course


@pytest.mark.parametrize("name", BUGS)
def test_bug_costs_only_its_part(graded_bugs: Course, name: str) -> None:
    assignment, _, broken = BUGS[name]
    full = points(assignment)
    assert broken <= set(full)
    expected = {cell: 0.0 if cell in broken else pts for cell, pts in full.items()}
    assert cell_scores(graded_bugs, assignment, name.replace("_", "-")) == expected


@pytest.mark.parametrize("name", ["db_over_wrong_axis", "softmax_loss_without_1_over_n"])
def test_feedback_explains_the_failure(graded_bugs: Course, name: str) -> None:
    """The feedback shows the failing check's message, but no hidden-test source."""
    assignment, _, _ = BUGS[name]
    page = graded_bugs.path("feedback", name.replace("_", "-"), assignment, f"{assignment}.html")
    text = html_text(page.read_text(encoding="utf-8"))
    assert "CheckFailed" in text
    assert "### BEGIN HIDDEN TESTS" not in text and "_written_here" not in text


def test_feedback_explains_a_name_only_a_test_cell_sets(graded_bugs: Course) -> None:
    """Code that used a test cell's global passed in Jupyter; the feedback says why not here."""
    assignment = "03_backprop"
    page = graded_bugs.path("feedback", "relu-uses-test-cell-x", assignment, f"{assignment}.html")
    text = " ".join(html_text(page.read_text(encoding="utf-8")).split())
    assert "NameError: name 'x' is not defined" in text
    hint = words_of(
        "{message} (`{name}` exists in your notebook only because a test cell sets it; when "
        "the notebook is graded your cells run without the test cells, so use the arguments "
        "your code receives, or define what it needs in your own cells)"
    )
    assert " ".join(hint.split()) in text


def test_the_textbooks_loss_gets_the_log_sum_exp_hint(graded_bugs: Course) -> None:
    """log(softmax(x) + 1e-7) is off by ~1e-7: the message says which method to use instead."""
    assignment = "03_backprop"
    student = "softmax-loss-log-plus-delta"
    page = graded_bugs.path("feedback", student, assignment, f"{assignment}.html")
    text = " ".join(html_text(page.read_text(encoding="utf-8")).split())
    hint = words_of(": compute log-probabilities with log-sum-exp, not log(softmax(x) + 1e-7)")
    visible = words_of("Hints of the visible test")  # where the reason of the check ends
    reasons = [r.split(visible)[0] for r in text.split("CheckFailed: ")[1:]]
    assert len(reasons) == 1 and hint in reasons[0], reasons
