"""A student's JupyterLab in Chromium, and a student's feedback page opened from disk.

JupyterLab runs on 127.0.0.1 with a generated student notebook and a Jupyter configuration
made by ``scripts/student-jupyter.sh`` (at user level, in a temporary $JUPYTER_CONFIG_DIR, so
the test environment's own settings are untouched). The test opens the notebook, clicks
*Validate*, reads the result, and checks that nbgrader's instructor tools are not there.
Screenshots go to ``artifacts/student/`` for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from autograder_helpers import points, source_notebook

from autograder.course import REPO, Course
from autograder.notebooks import nbgrader_meta

pytestmark = [pytest.mark.slow, pytest.mark.network]

ARTIFACTS = REPO / "artifacts" / "student"
JUPYTER = REPO / ".venv" / "bin" / "jupyter"
ASSIGNMENT = "03_backprop"
#: What nbgrader's instructor and exchange tools put into JupyterLab when they are on.
INSTRUCTOR_UI = ("Formgrader", "Create Assignment", "Assignment List", "Course List", "Nbgrader")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture(scope="module")
def lab(generated_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a student's JupyterLab serving a folder with the blank 03_backprop notebook."""
    root = tmp_path_factory.mktemp("student-lab")
    work = root / "work"
    work.mkdir()
    shutil.copy(generated_course.release_notebook(ASSIGNMENT), work)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        OPENBLAS_NUM_THREADS="1",
    )
    subprocess.run(
        ["bash", str(REPO / "scripts" / "student-jupyter.sh"), str(JUPYTER), "user"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    cmd = [
        str(JUPYTER),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.user_settings_dir={root / 'settings'}",
        f"--LabApp.workspaces_dir={root / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _status(url + "/api/status") == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{(root / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _validate(page, shot: str) -> tuple[str, float]:
    """Click Validate, wait for its dialog, save a screenshot; the dialog's text and seconds."""
    start = time.monotonic()
    page.get_by_role("button", name="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.wait_for_timeout(500)
    seconds = time.monotonic() - start
    page.screenshot(path=str(ARTIFACTS / shot))
    text = dialog.inner_text()
    dialog.get_by_role("button", name="Ok").click()
    dialog.wait_for(state="detached")
    return text, seconds


def _failed_tests(result: str) -> list[str]:
    """The test cells a Validate dialog lists as failed, by their first line."""
    return re.findall(r"The following cell failed:\s*\n\s*(# Tests for [^\n(]+)", result)


def _answer(grade_id: str) -> str:
    """The model answer of an answer cell, as a student would type it (no markers)."""
    (cell,) = [
        c for c in source_notebook(ASSIGNMENT).cells if nbgrader_meta(c).get("grade_id") == grade_id
    ]
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


@pytest.fixture(scope="module")
def validated(browser, lab: str) -> dict[str, object]:
    """A student's session: open the blank notebook, Validate, write the first part
    (MulLayer and AddLayer) into its cell, Validate again; keep what the page showed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{lab}/lab/tree/{ASSIGNMENT}.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_timeout(2000)  # let every plugin add its widgets
        page.screenshot(path=str(ARTIFACTS / "lab-open.png"))
        seen = {
            "menus": page.locator(".lm-MenuBar-itemLabel").all_inner_texts(),
            "sidebars": page.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
                "tabs => tabs.map(t => t.getAttribute('title') || t.textContent || '')"
            ),
            "text": page.locator("body").inner_text(),
            "buttons": page.get_by_role("button", name="Validate").count(),
        }
        seen["blank"], seen["seconds"] = _validate(page, "lab-validate-blank.png")
        editor = page.locator(".jp-CodeCell", has_text="class MulLayer").locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(_answer("a3_muladd_code"))
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        seen["one_part"], _ = _validate(page, "lab-validate-one-part.png")
        return seen
    finally:
        page.close()


def test_the_notebook_opens_with_how_to_check_and_submit(validated: dict) -> None:
    assert "How to check and submit" in validated["text"]
    assert validated["buttons"] == 1, "the notebook toolbar has one Validate button"


def test_validate_lists_every_failing_part_of_a_blank_notebook(validated: dict) -> None:
    result = validated["blank"]
    assert result.startswith("Validation Results")
    failed = _failed_tests(result)
    assert len(failed) == len(points(ASSIGNMENT)), failed  # every test cell, not just the first
    assert "Relu.backward" in " ".join(failed) and "SoftmaxWithLoss.backward" in " ".join(failed)
    assert "NotImplementedError" in result


def test_validate_after_writing_a_part_lists_only_the_others(validated: dict) -> None:
    before, after = _failed_tests(validated["blank"]), _failed_tests(validated["one_part"])
    assert [
        t for t in before if not t.startswith(("# Tests for MulLayer", "# Tests for AddLayer"))
    ] == after
    assert len(after) == len(before) - 2


def test_the_instructor_tools_are_not_there(validated: dict, lab: str) -> None:
    shown = " ".join([*validated["menus"], *validated["sidebars"]])
    for name in INSTRUCTOR_UI:
        assert name not in shown, f"{name} is in the student's JupyterLab: {shown}"
    assert "Nbgrader" not in validated["menus"]
    # the server side too: Formgrader and the exchange lists answer 404
    for path in ("/formgrader", "/assignments", "/courses"):
        assert _status(lab + path) == 404, path


def test_feedback_opened_from_disk_renders_math_offline(
    browser, generated_course: Course, tmp_path: Path
) -> None:
    """The feedback page of a blank submission, from file://, typesets its math with the
    MathJax copied next to it and asks nothing from the network."""
    from autograder_helpers import copy_course

    from autograder.feedback import MATHJAX_SOURCE, generate_feedback
    from autograder.grade import autograde

    if not (MATHJAX_SOURCE / "tex-chtml.js").is_file():
        subprocess.run(["bash", str(REPO / "scripts" / "fetch-mathjax.sh")], check=True)
    course = copy_course(generated_course, tmp_path / "course")
    blank = course.path("submitted", "blank", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    blank.parent.mkdir(parents=True)
    shutil.copy(course.release_notebook(ASSIGNMENT), blank)
    autograde(course, [ASSIGNMENT], timeout=120)
    (result,) = generate_feedback(course, [ASSIGNMENT])
    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    remote: list[str] = []
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith("file:") else None)
    try:
        page.goto(result.path.as_uri())
        page.wait_for_selector("mjx-container", timeout=30_000)
        typeset = page.locator("mjx-container").count()
        raw = page.evaluate("document.querySelector('#notebook').innerText.includes('\\\\partial')")
        page.screenshot(path=str(ARTIFACTS / "feedback-top.png"))
        page.locator("mjx-container").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "feedback-math.png"))
    finally:
        page.close()
    assert typeset >= 3 and not raw, "every formula is typeset, none left as LaTeX"
    assert remote == []
