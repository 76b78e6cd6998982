"""Tests for dlfs.datasets: the IDX reader, the search order, downloads and the real loaders.

Downloads are tested against a local HTTP server on 127.0.0.1 that serves small synthetic IDX
files; the real loaders run on Debian's Fashion-MNIST when it is installed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from dlfs.datasets import (
    FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    FILE_NAMES,
    MNIST,
    SHA256,
    DatasetNotFoundError,
    DatasetSpec,
    DownloadError,
    IDXFormatError,
    download_file,
    load_dataset,
    load_fashion_mnist,
    locate_files,
    read_idx,
    shuffle_dataset,
    user_cache_dir,
)

SYSTEM_FASHION = Path("/usr/share/datasets/fashion-mnist")
HAVE_SYSTEM_FASHION = all((SYSTEM_FASHION / name).is_file() for name in FILE_NAMES.values())
needs_fashion = pytest.mark.skipif(
    not HAVE_SYSTEM_FASHION,
    reason=f"Fashion-MNIST not installed in {SYSTEM_FASHION} "
    "(sudo apt-get install dataset-fashion-mnist)",
)

_TYPE_CODES = {"u1": 0x08, "i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an array as an IDX file (big-endian payload)."""
    big = array.astype(array.dtype.newbyteorder(">"))
    code = _TYPE_CODES[big.dtype.str.replace("|", "")]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + big.tobytes()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Keep every test away from the real user cache, $DLFS_DATA and mirror overrides."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for var in ("DLFS_DATA", "DLFS_MNIST_MIRRORS", "DLFS_FASHION_MNIST_MIRRORS", "DLFS_TINY"):
        monkeypatch.delenv(var, raising=False)


# --------------------------------------------------------------------------------------------
# read_idx

ROUNDTRIP = {
    "uint8 images": np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
    "uint8 labels": np.array([0, 9, 3, 255], dtype=np.uint8),
    "int8": np.array([[-128, 0, 127]], dtype=np.int8),
    "int16": np.array([-300, 2, 30000], dtype=np.int16),
    "int32": np.array([[-(2**31)], [2**31 - 1]], dtype=np.int32),
    "float32": np.array([1.5, -2.25, np.inf], dtype=np.float32),
    "float64": np.linspace(0, 1, 6).reshape(1, 2, 3),
    "empty": np.zeros((0, 28, 28), dtype=np.uint8),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("name", ROUNDTRIP)
def test_read_idx_roundtrip(name, compress, tmp_path):
    array = ROUNDTRIP[name]
    data = idx_bytes(array)
    # The name says the opposite of the content: detection must use the magic bytes.
    path = tmp_path / ("file.idx" if compress else "file.gz")
    path.write_bytes(gzip.compress(data) if compress else data)
    out = read_idx(path)
    assert out.shape == array.shape
    assert out.dtype == array.dtype and out.dtype.isnative
    assert out.flags.writeable
    np.testing.assert_array_equal(out, array)


_GOOD = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))

CORRUPT = {
    "empty file": (b"", "too short"),
    "bad magic": (b"\x01\x00" + _GOOD[2:], "magic number"),
    "unknown type code": (_GOOD[:2] + b"\x0a" + _GOOD[3:], "unknown IDX type code 0x0A"),
    "zero dimensions": (b"\x00\x00\x08\x00", "0 dimensions"),
    "truncated header": (_GOOD[:9], "truncated header"),
    "truncated payload": (_GOOD[:-1], "truncated"),
    "extra bytes": (_GOOD + b"\x00", "too long"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("name", CORRUPT)
def test_read_idx_rejects_corrupt_files(name, compress, tmp_path):
    data, fragment = CORRUPT[name]
    path = tmp_path / "broken-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXFormatError, match=fragment) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("cut", [10, -9, -1])
def test_read_idx_rejects_truncated_gzip(cut, tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(_GOOD * 50)[:cut])
    with pytest.raises(IDXFormatError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------------------------
# A tiny MNIST-style dataset and a local HTTP server


def make_tiny_files(
    n_train: int = 12, n_test: int = 6, *, bad_label: bool = False
) -> dict[str, bytes]:
    """The four gzipped IDX files of a dataset of 4x4 images, keyed by file name."""
    rng = np.random.default_rng(0)
    labels = {"train": np.arange(n_train) % 10, "test": np.arange(n_test) % 10}
    if bad_label:
        labels["test"][0] = 10
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 4, 4), dtype=np.uint8),
        "train_labels": labels["train"].astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 4, 4), dtype=np.uint8),
        "test_labels": labels["test"].astype(np.uint8),
    }
    return {FILE_NAMES[key]: gzip.compress(idx_bytes(a), mtime=0) for key, a in arrays.items()}


TINY_FILES = make_tiny_files()
TINY_SHA256 = {name: hashlib.sha256(data).hexdigest() for name, data in TINY_FILES.items()}


def tiny_spec(**overrides) -> DatasetSpec:
    settings = dict(
        name="tiny",
        sha256=TINY_SHA256,
        mirrors=(),
        mirrors_env="DLFS_TINY",
        offline_hint="Install it with: sudo apt-get install dataset-tiny",
        n_train=12,
        n_test=6,
        image_shape=(4, 4),
    )
    settings.update(overrides)
    return DatasetSpec(**settings)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the temp dir; /lying/* promises twice the bytes it sends, /slow/* stalls."""

    def log_message(self, *args) -> None:  # keep the test output clean
        return None

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path.startswith("/lying/"):
            body = (Path(self.directory) / "good" / Path(self.path).name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(2 * len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if self.path.startswith("/slow/"):
            time.sleep(1.0)
            self.path = "/good/" + Path(self.path).name
        super().do_GET()


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        return None  # a client that timed out on /slow/ leaves a broken pipe: expected


@pytest.fixture
def server(tmp_path):
    """A local server with mirrors good/, corrupt/ (bytes flipped), short/ (file cut in half),
    lying/ (short body), slow/ and missing/ (404). Yields a function mapping a mirror name to
    its base URL; ``server.requests`` lists the paths asked for."""
    root = tmp_path / "www"
    for name, data in TINY_FILES.items():
        for mirror, content in {
            "good": data,
            "corrupt": data[:20] + bytes(b ^ 0xFF for b in data[20:30]) + data[30:],
            "short": data[: len(data) // 2],
        }.items():
            (root / mirror).mkdir(parents=True, exist_ok=True)
            (root / mirror / name).write_bytes(content)
    httpd = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    port = httpd.server_address[1]

    def url(mirror: str) -> str:
        return f"http://127.0.0.1:{port}/{mirror}/"

    url.requests = httpd.requests
    url.shutdown = httpd.shutdown
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port_url():
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --------------------------------------------------------------------------------------------
# download_file

NAME = FILE_NAMES["train_images"]

# mirror sequence -> expected reason fragment of the first failure (None: no failure)
MIRROR_CASES = {
    "good": (["good"], None),
    "corrupt then good": (["corrupt", "good"], "checksum mismatch"),
    "cut file then good": (["short", "good"], "checksum mismatch"),
    "short body then good": (["lying", "good"], "truncated"),
    "404 then good": (["missing", "good"], "HTTP 404"),
    "refused then good": (["<closed>", "good"], "cannot connect"),
    "timeout then good": (["slow", "good"], "timed out"),
}


@pytest.mark.network
@pytest.mark.parametrize("case", MIRROR_CASES)
def test_download_file_falls_back_to_next_mirror(case, server, closed_port_url, tmp_path):
    names, _ = MIRROR_CASES[case]
    mirrors = [closed_port_url if m == "<closed>" else server(m) for m in names]
    dest = tmp_path / "dest"
    path = download_file(NAME, dest, mirrors, TINY_SHA256[NAME], timeout=0.3, progress=False)
    assert path == dest / NAME
    assert path.read_bytes() == TINY_FILES[NAME]
    assert leftovers(dest) == [NAME]  # no temporary file left behind


@pytest.mark.network
@pytest.mark.parametrize("case", [c for c, (_, reason) in MIRROR_CASES.items() if reason])
def test_download_file_failure_leaves_nothing(case, server, closed_port_url, tmp_path):
    bad, reason = MIRROR_CASES[case][0][0], MIRROR_CASES[case][1]
    mirror = closed_port_url if bad == "<closed>" else server(bad)
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        download_file(NAME, dest, [mirror], TINY_SHA256[NAME], timeout=0.3, progress=False)
    url, got = info.value.attempts[0]
    assert url == mirror + NAME and reason in got
    assert reason in str(info.value) and url in str(info.value)
    assert leftovers(dest) == []


@pytest.mark.network
def test_download_file_lists_every_failed_mirror(server, closed_port_url, tmp_path):
    mirrors = [server("corrupt"), server("missing"), closed_port_url, server("lying")]
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        download_file(NAME, dest, mirrors, TINY_SHA256[NAME], timeout=1.0, progress=False)
    assert [url for url, _ in info.value.attempts] == [m + NAME for m in mirrors]
    message = str(info.value)
    for fragment in ("checksum mismatch", "HTTP 404", "cannot connect", "truncated"):
        assert fragment in message
    assert leftovers(dest) == []


@pytest.mark.network
def test_download_file_replaces_an_existing_file_only_when_verified(server, tmp_path):
    (tmp_path / NAME).write_bytes(b"old")
    with pytest.raises(DownloadError):
        download_file(NAME, tmp_path, [server("corrupt")], TINY_SHA256[NAME], progress=False)
    assert (tmp_path / NAME).read_bytes() == b"old"
    download_file(NAME, tmp_path, [server("good")], TINY_SHA256[NAME], progress=False)
    assert (tmp_path / NAME).read_bytes() == TINY_FILES[NAME]


# --------------------------------------------------------------------------------------------
# load_dataset with downloads


@pytest.mark.network
def test_load_downloads_into_data_home_then_uses_it_offline(server, closed_port_url, tmp_path):
    home = tmp_path / "home"
    (x, t), (x_test, t_test) = load_dataset(
        tiny_spec(), data_home=home, mirrors=[server("good")], progress=False
    )
    assert sorted(leftovers(home)) == sorted(TINY_FILES)
    assert x.shape == (12, 16) and x.dtype == np.float32
    assert t.shape == (12,) and t.dtype == np.int64
    assert x_test.shape == (6, 16) and t_test.shape == (6,)
    n_requests = len(server.requests)
    assert n_requests == 4

    server.shutdown()  # no network from here on
    (x2, t2), _ = load_dataset(
        tiny_spec(), data_home=home, mirrors=[closed_port_url], progress=False
    )
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(t2, t)
    assert len(server.requests) == n_requests


@pytest.mark.network
def test_load_downloads_into_user_cache_by_default(server, tmp_path):
    load_dataset(tiny_spec(mirrors=(server("good"),)), progress=False)
    cache = user_cache_dir("tiny")
    assert cache == tmp_path / "xdg-cache" / "dlfs" / "tiny"
    assert sorted(leftovers(cache)) == sorted(TINY_FILES)


@pytest.mark.network
def test_load_uses_dlfs_data_and_mirror_env_vars(server, monkeypatch, tmp_path):
    monkeypatch.setenv("DLFS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DLFS_TINY", f"{server('missing')}, {server('good')}")
    load_dataset(tiny_spec(mirrors=("http://127.0.0.1:9/never-used/",)), progress=False)
    assert sorted(leftovers(tmp_path / "data" / "tiny")) == sorted(TINY_FILES)
    assert server.requests[:2] == [f"/missing/{NAME}", f"/good/{NAME}"]
    assert leftovers(user_cache_dir("tiny")) == []


@pytest.mark.network
def test_load_error_lists_attempts_and_offline_instructions(server, closed_port_url, tmp_path):
    home = tmp_path / "home"
    mirrors = [server("corrupt"), server("missing"), closed_port_url]
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(tiny_spec(), data_home=home, mirrors=mirrors, timeout=1.0, progress=False)
    message = str(info.value)
    for mirror in mirrors:
        assert mirror + NAME in message
    for fragment in ("checksum mismatch", "HTTP 404", "cannot connect", str(home)):
        assert fragment in message
    assert "sudo apt-get install dataset-tiny" in message
    assert all(name in message for name in FILE_NAMES.values())
    assert "DLFS_DATA" in message
    assert leftovers(home) == []


def test_load_without_download_names_the_missing_file(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=False") as info:
        load_dataset(
            tiny_spec(mirrors=("http://127.0.0.1:9/",)), data_home=tmp_path, download=False
        )
    assert NAME in str(info.value) and str(tmp_path) in str(info.value)


# --------------------------------------------------------------------------------------------
# load_dataset from local files


def write_files(directory: Path, files: dict[str, bytes], *, raw: bool = False) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if raw:
            (directory / name.removesuffix(".gz")).write_bytes(gzip.decompress(data))
        else:
            (directory / name).write_bytes(data)


FLAGS = {
    "defaults": (dict(), (12, 16), np.float32, (12,), np.int64),
    "raw uint8": (dict(normalize=False), (12, 16), np.uint8, (12,), np.int64),
    "images": (dict(flatten=False), (12, 1, 4, 4), np.float32, (12,), np.int64),
    "one-hot": (dict(one_hot_label=True), (12, 16), np.float32, (12, 10), np.float32),
}


@pytest.mark.parametrize("flags", FLAGS)
def test_load_flags(flags, tmp_path):
    kwargs, x_shape, x_dtype, t_shape, t_dtype = FLAGS[flags]
    write_files(tmp_path, TINY_FILES)
    (x, t), (x_test, t_test) = load_dataset(tiny_spec(), data_home=tmp_path, **kwargs)
    assert x.shape == x_shape and x.dtype == x_dtype
    assert t.shape == t_shape and t.dtype == t_dtype
    assert x_test.shape == (6, *x_shape[1:]) and t_test.shape == (6, *t_shape[1:])
    raw = read_idx(tmp_path / FILE_NAMES["train_images"])
    expected = raw.reshape(x.shape) / (255.0 if x_dtype == np.float32 else 1)
    np.testing.assert_allclose(x, expected, rtol=1e-6)
    labels = read_idx(tmp_path / FILE_NAMES["train_labels"])
    np.testing.assert_array_equal(t.argmax(axis=1) if t.ndim == 2 else t, labels)


def test_search_order_prefers_data_home_over_cache(tmp_path):
    write_files(user_cache_dir("tiny"), make_tiny_files(n_train=20))
    write_files(tmp_path / "home", TINY_FILES)
    (x, _), _ = load_dataset(tiny_spec(), data_home=tmp_path / "home")
    assert len(x) == 12
    (x, _), _ = load_dataset(tiny_spec(n_train=20), data_home=tmp_path / "empty")
    assert len(x) == 20


def test_uncompressed_local_files_are_accepted(tmp_path):
    write_files(tmp_path, TINY_FILES, raw=True)
    paths = locate_files(tiny_spec(), data_home=tmp_path, download=False)
    assert all(p.suffix != ".gz" for p in paths.values())
    (x, _), _ = load_dataset(tiny_spec(), data_home=tmp_path, download=False)
    assert x.shape == (12, 16)


INVALID = {
    "wrong train count": (dict(), dict(n_train=13), "expected 13 examples, got 12"),
    "wrong image shape": (dict(), dict(image_shape=(28, 28)), r"shape \(N, 28, 28\)"),
    "label out of range": (dict(bad_label=True), dict(), r"labels must lie in \[0, 9\]"),
}


@pytest.mark.parametrize("case", INVALID)
def test_load_rejects_inconsistent_files(case, tmp_path):
    file_kwargs, spec_kwargs, fragment = INVALID[case]
    write_files(tmp_path, make_tiny_files(**file_kwargs))
    with pytest.raises(ValueError, match=fragment):
        load_dataset(tiny_spec(**spec_kwargs), data_home=tmp_path, download=False)


def test_load_rejects_mismatched_image_and_label_counts(tmp_path):
    files = make_tiny_files()
    files[FILE_NAMES["train_labels"]] = make_tiny_files(n_train=11)[FILE_NAMES["train_labels"]]
    write_files(tmp_path, files)
    with pytest.raises(ValueError, match="12 images but labels of shape"):
        load_dataset(tiny_spec(), data_home=tmp_path, download=False)


def test_corrupt_local_file_is_named(tmp_path):
    files = dict(TINY_FILES)
    files[NAME] = files[NAME][:-12]
    write_files(tmp_path, files)
    with pytest.raises(IDXFormatError, match="Delete or replace") as info:
        load_dataset(tiny_spec(), data_home=tmp_path, download=False)
    assert str(tmp_path / NAME) in str(info.value)


# --------------------------------------------------------------------------------------------
# The published tables and the real Fashion-MNIST


@pytest.mark.parametrize("spec", [MNIST, FASHION_MNIST], ids=lambda s: s.name)
def test_checksum_table_is_complete(spec):
    assert spec.sha256 is SHA256[spec.name]
    assert set(spec.sha256) == set(FILE_NAMES.values())
    for digest in spec.sha256.values():
        assert len(digest) == 64 and int(digest, 16) >= 0
    assert spec.mirrors and all(m.startswith(("http://", "https://")) for m in spec.mirrors)


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist(data_home=SYSTEM_FASHION, download=False)


@needs_fashion
def test_fashion_mnist_defaults(fashion):
    (x, t), (x_test, t_test) = fashion
    assert x.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x.dtype == np.float32 and x_test.dtype == np.float32
    assert 0.0 <= x.min() and x.max() == 1.0
    assert t.dtype == np.int64 and t.shape == (60000,) and t_test.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(t, minlength=10), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(t_test, minlength=10), np.full(10, 1000))
    assert len(FASHION_MNIST_CLASSES) == 10


@needs_fashion
def test_fashion_mnist_raw_images_one_hot(fashion):
    (x_raw, t_hot), (x_test_raw, _) = load_fashion_mnist(
        normalize=False,
        flatten=False,
        one_hot_label=True,
        data_home=SYSTEM_FASHION,
        download=False,
    )
    (x, t), _ = fashion
    assert x_raw.shape == (60000, 1, 28, 28) and x_raw.dtype == np.uint8
    assert x_test_raw.shape == (10000, 1, 28, 28)
    assert t_hot.shape == (60000, 10) and t_hot.dtype == np.float32
    np.testing.assert_array_equal(t_hot.sum(axis=1), 1.0)
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t)
    np.testing.assert_array_equal(x_raw.reshape(60000, -1), np.round(x * 255).astype(np.uint8))


@needs_fashion
def test_fashion_mnist_found_in_system_dir_by_default(tmp_path):
    paths = locate_files(FASHION_MNIST, data_home=tmp_path, download=False)
    assert paths == {key: SYSTEM_FASHION / name for key, name in FILE_NAMES.items()}


@pytest.mark.parametrize("x_shape, t_shape", [((12, 5), (12,)), ((12, 1, 3, 3), (12, 4))])
def test_shuffle_dataset_keeps_pairs_together(x_shape, t_shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    t = np.arange(12) if len(t_shape) == 1 else np.eye(4)[np.arange(12) % 4]
    x_before = x.copy()
    xs, ts = shuffle_dataset(x, t, rng=1)
    order = [
        int(np.flatnonzero((x_before == row).all(axis=tuple(range(1, x.ndim))))[0]) for row in xs
    ]
    assert sorted(order) == list(range(12)) and order != list(range(12))
    np.testing.assert_array_equal(ts, t[order])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(shuffle_dataset(x, t, rng=1)[0], xs)  # a seed repeats


def test_shuffle_dataset_leaves_global_random_state_alone():
    before = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state is the point)
    shuffle_dataset(np.arange(10), np.arange(10))
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_shuffle_dataset_rejects_unpaired_arrays():
    with pytest.raises(ValueError, match="one entry per sample"):
        shuffle_dataset(np.zeros((5, 2)), np.zeros(4))
