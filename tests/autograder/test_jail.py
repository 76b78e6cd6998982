"""The sandbox on its own: containment, limits, the protocol, and nothing left behind.

Runs small cells in a real sandboxed runner, at every containment level this machine offers
(``bwrap`` where bubblewrap works, and always the ``rlimits`` fallback).
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import time

import numpy as np
import pytest

from autograder.course import REPO
from autograder.messages import language
from autograder.sandbox import frames
from autograder.sandbox.jail import BASE_UID, Limits, isolation
from autograder.sandbox.session import CheckFailed, Fn, SandboxError, Session, decode_array
from autograder.sandbox.verdicts import FUNCTIONS

LEVELS = ["rlimits"] + (["bwrap"] if isolation().level == "bwrap" else [])
needs_bwrap = pytest.mark.skipif(isolation().level != "bwrap", reason=isolation().describe())
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


@needs_bwrap
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
    with _run([("probe", probe)], "bwrap", hide=[course]) as s:
        assert s.get("seen") == [False, False, False, False]
        assert s.get("wrote") == [False, False, True]  # only its private /tmp
        if os.getuid() == 0:
            assert s.get("uid").item() != 0


@needs_bwrap
def test_a_banned_library_module_is_a_stub() -> None:
    from autograder.checks import load_suite

    stubs = load_suite("03_backprop").stubs()
    cells = [
        # imported to compare with, in the cell that writes the student's own Relu
        ("own", "import dlfs.layers\nclass Relu:\n    pass\nref = dlfs.layers.Relu()"),
        ("imp", "from dlfs.layers import Affine\nclass Sigmoid:\n    pass\nAffine(1, 2)"),
        ("sub", "from dlfs.layers import Affine\nclass Mine(Affine):\n    pass\nMine()"),
        ("fn", "from dlfs.functions import softmax"),
    ]
    with _run(cells, "bwrap", stubs=stubs) as s:
        for cell in ("own", "imp", "sub"):  # using a name of the stub, not importing it, fails
            assert "dlfs.layers is not available while 03_backprop is graded" in s.runs[cell].error
        assert s.runs["fn"].error is None
        assert s.get("Relu").type_name == "type" and s.get("Sigmoid").type_name == "type"


@pytest.mark.parametrize("level", LEVELS)
def test_a_memory_error_names_the_limit(level: str) -> None:
    cells = [("a", "def f():\n    raise MemoryError('Unable to allocate 957. MiB')")]
    with _run(cells, level) as s, pytest.raises(CheckFailed) as err:
        s.get("f")()
    with language("en"):
        assert f"memory limit is {FAST.memory_mb} MB" in str(err.value)


@pytest.mark.parametrize("level", LEVELS)
def test_an_error_says_what_it_derives_from(level: str) -> None:
    cells = [("a", "class ShapeError(ValueError):\n    pass\ndef f():\n    raise ShapeError('no')")]
    with _run(cells, level) as s, pytest.raises(CheckFailed) as err:
        s.get("f")()
    assert err.value.kinds[:2] == ("ShapeError", "ValueError")


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


def _host_view(pid: int) -> dict[str, str]:
    """Fields of /proc/<pid>/status as the grader sees them from outside the sandbox."""
    with open(f"/proc/{pid}/status") as fh:
        return dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)


@needs_bwrap
def test_student_processes_are_unprivileged_on_the_host() -> None:
    cells = [("child", "import subprocess\nchild = subprocess.Popen(['sleep', '60'])")]
    # the process limit counts every thread of the sandbox's user; when the suite runs as an
    # ordinary user, other tests' browsers and kernels count too, so give this one room
    roomy = dataclasses.replace(FAST, processes=4096)
    session = Session(cells, roomy, level="bwrap", slot=1)
    session.start()
    with session as s:
        assert s.runs["child"].error is None, s.runs["child"].error
        deadline = time.monotonic() + 10  # on a loaded machine /proc may lag behind a moment
        while True:
            student = []
            for pid in _leftovers(s.jail.marker):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        program = os.path.basename(fh.read().split(b"\0")[0])
                    status = _host_view(pid)
                except OSError:
                    continue
                if program != b"bwrap":  # bwrap's own processes set the sandbox up, then wait
                    student.append((program, status))
            seen = {p for p, _ in student} >= {b"sleep"} and len(student) >= 2
            if seen or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert seen, student
        expected = BASE_UID + 1 if os.getuid() == 0 else os.getuid()
        for _, status in student:
            assert {int(u) for u in status["Uid"].split()} == {expected}
            assert int(status["CapEff"], 16) == int(status["CapPrm"], 16) == 0
            assert int(status["CapBnd"], 16) == 0
            assert status["NoNewPrivs"].strip() == "1"


@needs_bwrap
def test_no_network_and_no_host_processes_in_sight() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    probe = (
        "import os, socket\n"
        "def reach(port):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', port), timeout=2).close(); return True\n"
        "    except OSError:\n"
        "        return False\n"
        f"reached = reach({port})\n"
        "pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]\n"
        "devices = sorted(name for _, name in socket.if_nameindex())\n"
    )
    try:
        with _run([("probe", probe)], "bwrap") as s:
            assert s.get("reached") is False
            assert len(s.get("pids")) <= 4  # its own PID namespace: bwrap's init and the runner
            assert s.get("devices") == ["lo"]
    finally:
        server.close()


@pytest.fixture
def fresh_isolation():
    isolation.cache_clear()
    yield isolation
    isolation.cache_clear()


def test_the_fallback_is_forced_and_reported(monkeypatch, fresh_isolation) -> None:
    monkeypatch.setenv("DLFS_SANDBOX", "rlimits")
    found = fresh_isolation()
    assert found.level == "rlimits"
    text = found.describe()
    assert text.startswith("sandbox: rlimits; no bwrap (DLFS_SANDBOX=rlimits)")
    assert "the network is not blocked" in text
    with _run([("x", "x = 1")], "rlimits") as s:  # and it still runs the student's code
        assert s.get("x").item() == 1


def test_without_bubblewrap_the_fallback_says_why(monkeypatch, tmp_path, fresh_isolation) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on the way
    monkeypatch.delenv("DLFS_SANDBOX", raising=False)
    found = fresh_isolation()
    assert found.level == "rlimits"
    assert "no bwrap (bubblewrap is not installed)" in found.describe()
    fresh_isolation.cache_clear()
    monkeypatch.setenv("DLFS_SANDBOX", "bwrap")
    with pytest.raises(RuntimeError, match="bubblewrap is not installed"):
        fresh_isolation()
    fresh_isolation.cache_clear()
    monkeypatch.setenv("DLFS_SANDBOX", "namespaces")
    with pytest.raises(ValueError, match="must be 'bwrap' or 'rlimits'"):
        fresh_isolation()


@pytest.mark.parametrize("level", LEVELS)
def test_functions_built_in_the_sandbox_match_the_library(level: str) -> None:
    from dlfs.conv import col2im, im2col

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 5))
    cells = [("apply", "def apply(g, *args):\n    return g(*args)")]
    with _run(cells, level, files={"helpers.py": FUNCTIONS.read_text()}) as s:
        apply = s.get("apply")
        assert apply(Fn("polynomial", ([1.0, 2.0, 3.0],)), 2.0).item() == 17.0
        col = apply(Fn("im2col"), x, 3, 3, 2, 1)
        np.testing.assert_array_equal(col, im2col(x, 3, 3, 2, 1))
        back = apply(Fn("col2im"), col, x.shape, 3, 3, 2, 1)
        np.testing.assert_allclose(back, col2im(col, x.shape, 3, 3, 2, 1), rtol=1e-12)
        with pytest.raises(CheckFailed, match="KeyError"):
            apply(Fn("no_such_function"))


FRAMES = {
    "empty": ({"op": "get", "name": "x"}, []),
    "blobs": ({"event": "cell_end", "text": "é"}, [b"", b"\x00" * 3, b"npy"]),
}


@pytest.mark.parametrize("name", FRAMES)
def test_a_frame_reads_back_as_written(name: str) -> None:
    header, blobs = FRAMES[name]
    stream = io.BytesIO(frames.pack(header, blobs))
    assert frames.unpack(stream.read) == (header, blobs)
    assert stream.read() == b""


def _raw(header: bytes) -> bytes:
    return frames.LENGTH.pack(len(header)) + header


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (frames.LENGTH.pack(frames.MAX_HEADER + 1), "oversized"),
        (_raw(b"\xff\xfe{]"), "damaged"),
        (_raw(b"[]"), "damaged"),
        (_raw(b'{"blobs": [-1]}'), "damaged"),
        (_raw(b'{"blobs": [%d, 1]}' % frames.MAX_BLOBS), "more data"),
    ],
)
def test_a_broken_frame_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(frames.FrameError, match=message):
        frames.unpack(io.BytesIO(data).read)
