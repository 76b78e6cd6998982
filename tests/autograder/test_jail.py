"""The sandbox on its own: containment, limits, the protocol, and nothing left behind.

Runs small cells in a real sandboxed runner, at every containment level this machine offers
(``namespaces`` where ``unshare`` works, and always the ``rlimits`` fallback).
"""

from __future__ import annotations

import io
import os
import time

import numpy as np
import pytest

from autograder.course import REPO
from autograder.sandbox.jail import Limits, isolation
from autograder.sandbox.session import CheckFailed, SandboxError, Session, decode_array

LEVELS = ["rlimits"] + (["namespaces"] if isolation().level == "namespaces" else [])
FAST = Limits(cell_seconds=4, call_seconds=10, total_seconds=120)


def _leftovers(marker: str = "") -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/environ", "rb") as fh:
                    env = fh.read()
            except OSError:
                continue
            if b"DLFS_SANDBOX_RUN=" + marker.encode() in env:
                found.append(int(entry.name))
    return found


def _run(cells: list[tuple[str, str]], level: str, **options) -> Session:
    session = Session(cells, FAST, level=level, **options)
    session.start()
    return session


@pytest.mark.parametrize("level", LEVELS)
def test_calls_return_data(level: str) -> None:
    cells = [("a", "import numpy as np\ndef double(x):\n    return 2 * x\nclass K:\n    pass")]
    with _run(cells, level) as s:
        out = s.get("double")(np.arange(3.0))
        assert isinstance(out, np.ndarray) and out.tolist() == [0.0, 2.0, 4.0]
        assert s.get("double")(1.5).shape == ()  # a number comes back as a 0-d array
        obj = s.get("K")()
        assert obj.type_name == "K"  # objects stay in the sandbox, only a handle comes back
        with pytest.raises(CheckFailed, match="missing is not defined"):
            s.get("missing")


@pytest.mark.parametrize("level", LEVELS)
def test_a_daemon_does_not_outlive_the_session(level: str) -> None:
    daemon = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(300)\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
    )
    session = _run([("d", daemon), ("x", "x = 1")], level)
    marker = session.jail.marker
    assert _leftovers(marker), "the daemon should be running while the session is open"
    session.close()
    deadline = time.monotonic() + 10
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _leftovers(marker) == []


@pytest.mark.parametrize("level", LEVELS)
def test_limits_turn_into_reasons(level: str) -> None:
    cells = [
        ("loop", "while True:\n    pass"),
        ("exit", "import os\nos._exit(7)"),
        ("memory", "b = bytearray(10**11)"),
        ("fork", "import os\nwhile True:\n    os.fork()"),
        ("ok", "def f():\n    return 1"),
    ]
    with _run(cells, level) as s:
        assert s.runs["loop"].skipped == "it ran longer than 4 s"
        assert "exited with code 7" in s.runs["exit"].skipped
        assert s.runs["memory"].skipped == "it ran out of memory (the limit is 4096 MB)"
        # a fork bomb either runs into the process limit or churns until the time limit
        assert s.runs["fork"].error
        assert s.get("f")().item() == 1  # the rest of the notebook still ran


@pytest.mark.parametrize("level", LEVELS)
def test_flooding_the_output_stops_the_process(level: str) -> None:
    flood = "import os\nwhile True:\n    os.write(1, b'x' * 1_000_000)"
    limits = Limits(cell_seconds=20, output_mb=4)
    with Session([("flood", flood), ("ok", "y = 2")], limits, level=level) as s:
        s.start()
        assert "printed more than 4 MB" in s.runs["flood"].skipped


@pytest.mark.parametrize("level", LEVELS)
def test_garbage_on_the_protocol_pipe_is_not_trusted(level: str) -> None:
    garbage = "import os, sys\nos.write(int(sys.argv[2]), b'\\xff\\xff\\xff\\x7fjunk')"
    with _run([("junk", garbage), ("ok", "z = 3")], level) as s:
        assert s.runs["junk"].skipped
        assert s.get("z").item() == 3


@pytest.mark.skipif(isolation().level != "namespaces", reason="needs namespaces")
def test_course_files_are_hidden_and_the_system_read_only(tmp_path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("secret")
    probe = (
        "import os\n"
        "def can_read(p):\n"
        "    try:\n"
        "        open(p).read(); return True\n"
        "    except OSError:\n"
        "        return False\n"
        "def can_write(p):\n"
        "    try:\n"
        "        open(p, 'a').close(); return True\n"
        "    except OSError:\n"
        "        return False\n"
        f"seen = [can_read({str(course / 'gradebook.db')!r}),\n"
        f"        can_read({str(REPO / 'autograder' / 'grade.py')!r}),\n"
        f"        can_read({str(REPO / 'README.md')!r}),\n"
        "        os.path.isdir(" + repr(str(REPO / "solutions")) + ")]\n"
        f"wrote = [can_write({str(REPO / 'lib' / 'dlfs' / 'layers.py')!r}),\n"
        "         can_write('/etc/passwd'), can_write('/tmp/mine.txt')]\n"
        "import dlfs.functions\n"
        "uid = os.getuid()\n"
    )
    with _run([("probe", probe)], "namespaces", hide=[course]) as s:
        assert s.get("seen") == [False, False, False, False]
        assert s.get("wrote") == [False, False, True]  # only its private /tmp
        if os.getuid() == 0:
            assert s.get("uid").item() != 0


@pytest.mark.skipif(isolation().level != "namespaces", reason="needs namespaces")
def test_a_banned_library_module_is_a_stub() -> None:
    import dlfs.layers

    stub = {dlfs.layers.__file__: "raise ImportError('write it yourself')\n"}
    cells = [
        ("imp", "from dlfs.layers import Affine"),
        ("fn", "from dlfs.functions import softmax"),
    ]
    with _run(cells, "namespaces", stubs=stub) as s:
        assert "write it yourself" in s.runs["imp"].error
        assert s.runs["fn"].error is None


def test_arrays_are_parsed_without_pickle() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(CheckFailed, match="not numbers"):
        decode_array(buffer.getvalue(), "f()")
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(4))
    with pytest.raises(SandboxError, match="wrong size"):
        decode_array(buffer.getvalue()[:-8], "f()")
    with pytest.raises(SandboxError, match="damaged"):
        decode_array(b"not an array", "f()")


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="cell_seconds must be positive"):
        Limits(cell_seconds=0)
