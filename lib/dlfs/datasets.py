"""Read IDX files and load MNIST and Fashion-MNIST, finding or downloading the four files.

Each of the four files of a dataset is looked for, in order, in

1. the ``data_home`` argument (a directory holding the four files of *that* dataset), else
   ``$DLFS_DATA/<dataset>`` (one variable serves both datasets, whose file names are equal);
2. the user cache ``$XDG_CACHE_HOME/dlfs/<dataset>``, by default ``~/.cache/dlfs/<dataset>``;
3. system copies (Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST in
   ``/usr/share/datasets/fashion-mnist``);
4. the mirrors, when ``download=True``. A download goes to a temporary file next to its
   destination (``data_home``, else ``$DLFS_DATA/<dataset>``, else the user cache), is checked
   against the published SHA-256 of the file and only then renamed into place, so a failed or
   interrupted download never leaves a partial file behind. Every failure (HTTP error, refused
   connection, time-out, short body, checksum mismatch) moves on to the next mirror.

``<dataset>`` is ``mnist`` or ``fashion-mnist``. Files found locally may be gzipped or raw and
are validated by parsing (IDX header, sizes, label range) rather than by checksum, because
repackaged copies are recompressed (Debian's gzip headers differ from the published ones).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlfs import __version__

__all__ = [
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_CLASSES_KO",
    "FILE_NAMES",
    "MNIST",
    "MNIST_CLASSES",
    "DatasetNotFoundError",
    "DatasetSpec",
    "DownloadError",
    "IDXFormatError",
    "download_file",
    "load_dataset",
    "load_fashion_mnist",
    "load_mnist",
    "locate_files",
    "read_idx",
    "shuffle_dataset",
    "user_cache_dir",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
#: The same classes in Korean, for plots in Korean: ``tr(FASHION_MNIST_CLASSES,
#: FASHION_MNIST_CLASSES_KO)`` (:func:`dlfs.i18n.tr`) gives the names in the plots' language.
FASHION_MNIST_CLASSES_KO = (
    "티셔츠/탑",
    "바지",
    "풀오버",
    "드레스",
    "코트",
    "샌들",
    "셔츠",
    "스니커즈",
    "가방",
    "앵클 부츠",
)
MNIST_CLASSES = tuple(str(digit) for digit in range(10))

#: The four files of an MNIST-style dataset, by role.
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: SHA-256 of the files as published. MNIST: the values used by torchvision, TensorFlow and
#: others (MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873, d53e105ee54ea40749a09fcbcd1e9432,
#: 9fb629c4189551a2d022fa330f9573f3, ec29112dd5afa0611ce80d1b7f02629c). Fashion-MNIST: the
#: files listed in its README with MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d,
#: 25c81989df183df01b3e8a0aad5dffbe, bef4ecab320f06d8554ea6380940ec79,
#: bb300cfdad3c16e7a12a480ee83cd310.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    },
}

#: Mirror base URLs, tried in order; ``$DLFS_MNIST_MIRRORS`` or ``$DLFS_FASHION_MNIST_MIRRORS``
#: (URLs separated by spaces or commas) or the ``mirrors`` argument replace them.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
)
FASHION_MNIST_MIRRORS = (
    "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

# IDX type code -> dtype of the payload (big-endian, as the format prescribes).
_IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


class IDXFormatError(ValueError):
    """A file is not a valid IDX file (bad magic, unknown type, wrong size, broken gzip)."""


class DownloadError(RuntimeError):
    """Every mirror failed for one file; ``attempts`` holds ``(url, reason)`` pairs."""

    def __init__(self, message: str, attempts: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.attempts = list(attempts)


class DatasetNotFoundError(RuntimeError):
    """A dataset file is neither on disk nor downloadable; the message says how to get it."""


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the loader needs to know about one MNIST-style dataset.

    Parameters
    ----------
    name : str
        Sub-directory name in the cache and in ``$DLFS_DATA``.
    sha256 : mapping of str to str
        Published SHA-256 of each file in :data:`FILE_NAMES`; downloads must match it.
    mirrors : tuple of str
        Base URLs tried in order.
    mirrors_env : str
        Environment variable that replaces ``mirrors`` when set.
    system_dirs : tuple of str
        Directories where a system package may have installed the files.
    offline_hint : str
        Extra sentence for the error message, e.g. which package provides the files.
    n_train, n_test : int or None
        Expected numbers of examples; None skips the check.
    image_shape : tuple of int
        ``(H, W)`` of one image.
    n_classes : int
        Labels must lie in ``range(n_classes)``.
    """

    name: str
    sha256: Mapping[str, str]
    mirrors: tuple[str, ...]
    mirrors_env: str = ""
    system_dirs: tuple[str, ...] = ()
    offline_hint: str = ""
    n_train: int | None = 60000
    n_test: int | None = 10000
    image_shape: tuple[int, int] = (28, 28)
    n_classes: int = 10


MNIST = DatasetSpec(
    name="mnist",
    sha256=SHA256["mnist"],
    mirrors=MNIST_MIRRORS,
    mirrors_env="DLFS_MNIST_MIRRORS",
)
FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    sha256=SHA256["fashion-mnist"],
    mirrors=FASHION_MNIST_MIRRORS,
    mirrors_env="DLFS_FASHION_MNIST_MIRRORS",
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    offline_hint="On Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist",
)


# --------------------------------------------------------------------------------------------
# IDX reader


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzipped or raw (told apart by the first bytes, not the name).

    An IDX file starts with two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions and one big-endian
    uint32 per dimension; the payload follows in C order, big-endian.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ndarray of the shape given in the header
        A writable array in native byte order (uint8 for the MNIST files).

    Raises
    ------
    IDXFormatError
        Broken gzip stream, bad magic number, unknown type code, or a payload whose size does
        not match the header. The message names the file and what was wrong.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise IDXFormatError(f"{path}: corrupt or truncated gzip data ({err})") from err
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: {len(raw)} bytes is too short for an IDX header")
    if raw[:2] != b"\x00\x00":
        raise IDXFormatError(
            f"{path}: not an IDX file: magic number starts with 0x{raw[:2].hex()}, expected 0x0000"
        )
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in _IDX_DTYPES)
        raise IDXFormatError(f"{path}: unknown IDX type code 0x{type_code:02X} (known: {known})")
    if ndim == 0:
        raise IDXFormatError(f"{path}: IDX header declares 0 dimensions")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXFormatError(
            f"{path}: truncated header: {ndim} dimensions need {header_size} bytes, "
            f"file has {len(raw)}"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "too long"
        raise IDXFormatError(
            f"{path}: {problem}: header declares shape {shape} of {dtype.name} "
            f"({expected} payload bytes) but the file holds {actual}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


# --------------------------------------------------------------------------------------------
# Finding and downloading files


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/dlfs/<name>``, or ``~/.cache/dlfs/<name>`` when it is unset."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "dlfs" / name


def _primary_dir(spec: DatasetSpec, data_home: str | os.PathLike[str] | None) -> Path | None:
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get("DLFS_DATA", "")
    return Path(env).expanduser() / spec.name if env else None


def _search_dirs(spec: DatasetSpec, data_home: str | os.PathLike[str] | None) -> list[Path]:
    dirs = [_primary_dir(spec, data_home), user_cache_dir(spec.name)]
    dirs += [Path(d) for d in spec.system_dirs]
    return [d for d in dirs if d is not None]


def _mirrors(spec: DatasetSpec, mirrors: Sequence[str] | None) -> tuple[str, ...]:
    if mirrors is not None:
        return tuple(mirrors)
    env = os.environ.get(spec.mirrors_env, "") if spec.mirrors_env else ""
    if env.strip():
        return tuple(env.replace(",", " ").split())
    return spec.mirrors


def _fetch(url: str, out_path: Path, sha256: str, timeout: float, progress: bool) -> None:
    """Stream ``url`` into ``out_path``; raise ValueError on a short body or a bad checksum."""
    request = urllib.request.Request(url, headers={"User-Agent": f"dlfs/{__version__}"})
    digest, received = hashlib.sha256(), 0
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with open(out_path, "wb") as out, _progress_bar(total, url, progress) as bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received != total:
        raise ValueError(f"truncated: received {received} of {total} bytes")
    if digest.hexdigest() != sha256.lower():
        raise ValueError(
            f"checksum mismatch: sha256 {digest.hexdigest()} ({received} bytes), expected {sha256}"
        )


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress_bar(total: int | None, url: str, progress: bool) -> Any:
    if not progress:
        return _NoBar()
    from dlfs.trainer import progress_bar

    name = url.rstrip("/").rsplit("/", 1)[-1]
    return progress_bar(total=total, unit="B", unit_scale=True, desc=name, leave=False)


def download_file(
    file_name: str,
    directory: str | os.PathLike[str],
    mirrors: Sequence[str],
    sha256: str,
    *,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download ``file_name`` from the first mirror that serves it with the right checksum.

    Parameters
    ----------
    file_name : str
        Appended to each mirror base URL.
    directory : str or path-like
        Destination directory (created if needed). The file is written to a temporary file in
        it and renamed to ``directory / file_name`` only after its SHA-256 matched.
    mirrors : sequence of str
        Base URLs, tried in order.
    sha256 : str
        Expected hex digest of the file.
    timeout : float, default 30.0
        Seconds to wait for a connection or for data.
    progress : bool, default True
        Show a tqdm progress bar (when tqdm is installed).

    Returns
    -------
    Path
        The downloaded file.

    Raises
    ------
    DownloadError
        When every mirror failed; the message lists each URL with its failure.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / file_name
    attempts: list[tuple[str, str]] = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file_name
        fd, tmp_name = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".part", dir=directory)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _fetch(url, tmp, sha256, timeout, progress)
            tmp.chmod(0o644)
            os.replace(tmp, target)
            return target
        except urllib.error.HTTPError as err:
            attempts.append((url, f"HTTP {err.code} {err.reason}"))
        except urllib.error.URLError as err:
            attempts.append((url, f"cannot connect: {err.reason}"))
        except (OSError, http.client.HTTPException, ValueError) as err:
            attempts.append((url, f"{type(err).__name__}: {err}" if str(err) else repr(err)))
        finally:
            tmp.unlink(missing_ok=True)
    tried = "".join(f"\n  - {url}: {reason}" for url, reason in attempts) or " (no mirrors given)"
    raise DownloadError(f"could not download {file_name}; tried:{tried}", attempts)


def locate_files(
    spec: DatasetSpec,
    data_home: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> dict[str, Path]:
    """Find (or download) the four files of a dataset; see the module docstring for the order.

    Returns
    -------
    dict of str to Path
        Keyed like :data:`FILE_NAMES` (``train_images``, ``train_labels``, ...).

    Raises
    ------
    DatasetNotFoundError
        A file is missing and could not be downloaded; the message lists the directories
        searched, every mirror tried and how to install the files by hand.
    """
    dirs = _search_dirs(spec, data_home)
    found: dict[str, Path] = {}
    for key, file_name in FILE_NAMES.items():
        candidates = [d / name for d in dirs for name in (file_name, file_name.removesuffix(".gz"))]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            path = _download_or_explain(
                spec, file_name, dirs, data_home, download, mirrors, timeout, progress
            )
        found[key] = path
    return found


def _download_or_explain(
    spec: DatasetSpec,
    file_name: str,
    dirs: list[Path],
    data_home: str | os.PathLike[str] | None,
    download: bool,
    mirrors: Sequence[str] | None,
    timeout: float,
    progress: bool,
) -> Path:
    searched = "".join(f"\n  - {d}" for d in dirs)
    destination = _primary_dir(spec, data_home) or user_cache_dir(spec.name)
    names = ", ".join(FILE_NAMES.values())
    how = (
        f"To work offline, put the four files ({names}) in {destination}, pass "
        f"data_home=DIRECTORY, or set DLFS_DATA=DIR and put them in DIR/{spec.name}."
    )
    if spec.offline_hint:
        how += f" {spec.offline_hint}."
    if not download:
        raise DatasetNotFoundError(
            f"{spec.name}: {file_name} not found (download=False). Searched:{searched}\n{how}"
        )
    try:
        return download_file(
            file_name,
            destination,
            _mirrors(spec, mirrors),
            spec.sha256[file_name],
            timeout=timeout,
            progress=progress,
        )
    except DownloadError as err:
        raise DatasetNotFoundError(
            f"{spec.name}: {file_name} not found. Searched:{searched}\n{err}\n{how}"
        ) from err
    except OSError as err:  # e.g. the destination directory cannot be created
        raise DatasetNotFoundError(
            f"{spec.name}: cannot download {file_name} into {destination}: {err}\n{how}"
        ) from err


# --------------------------------------------------------------------------------------------
# Loading


def _check_split(
    spec: DatasetSpec, split: str, images: np.ndarray, labels: np.ndarray, files: Sequence[Path]
) -> None:
    where = f"{spec.name} {split} ({files[0]}, {files[1]})"
    h, w = spec.image_shape
    if images.ndim != 3 or images.shape[1:] != (h, w) or images.dtype != np.uint8:
        raise ValueError(
            f"{where}: expected uint8 images of shape (N, {h}, {w}), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{where}: {len(images)} images but labels of shape {labels.shape}")
    expected = spec.n_train if split == "train" else spec.n_test
    if expected is not None and len(images) != expected:
        raise ValueError(f"{where}: expected {expected} examples, got {len(images)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= spec.n_classes):
        raise ValueError(
            f"{where}: labels must lie in [0, {spec.n_classes - 1}], "
            f"got [{labels.min()}, {labels.max()}]"
        )


def _format(
    images: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
) -> tuple[np.ndarray, np.ndarray]:
    x = images.reshape(len(images), -1) if flatten else images[:, np.newaxis]
    if normalize:
        x = x.astype(np.float32) / np.float32(255.0)
    t = labels.astype(np.int64)
    return x, (np.eye(n_classes, dtype=np.float32)[t] if one_hot_label else t)


def load_dataset(
    spec: DatasetSpec,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    data_home: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load any MNIST-style dataset described by a :class:`DatasetSpec`.

    See :func:`load_mnist` for the parameters and the returned arrays.
    """
    paths = locate_files(
        spec, data_home, download, mirrors=mirrors, timeout=timeout, progress=progress
    )
    splits = []
    for split in ("train", "test"):
        files = (paths[f"{split}_images"], paths[f"{split}_labels"])
        try:
            images, labels = read_idx(files[0]), read_idx(files[1])
        except IDXFormatError as err:
            raise IDXFormatError(
                f"{err}. Delete or replace the file; a deleted file is downloaded again."
            ) from err
        _check_split(spec, split, images, labels, files)
        splits.append(_format(images, labels, spec.n_classes, normalize, flatten, one_hot_label))
    return splits[0], splits[1]


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    data_home: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the MNIST handwritten digits: 60000 training and 10000 test images of 28x28.

    Parameters
    ----------
    normalize : bool, default True
        Scale pixels to float32 in [0, 1]; otherwise keep the uint8 values 0..255.
    flatten : bool, default True
        Images as rows of 784 pixels, shape (N, 784); otherwise (N, 1, 28, 28).
    one_hot_label : bool, default False
        Labels as float32 one-hot rows, shape (N, 10); otherwise int64 labels, shape (N,).
    data_home : str or path-like, optional
        Directory to look in first and to download into (default: ``$DLFS_DATA/mnist``, else
        the user cache ``~/.cache/dlfs/mnist``).
    download : bool, default True
        Download missing files from the mirrors (checked by SHA-256).
    mirrors : sequence of str, optional
        Base URLs to use instead of :data:`MNIST_MIRRORS` (or ``$DLFS_MNIST_MIRRORS``).
    timeout : float, default 30.0
        Network time-out in seconds, per connection attempt and read.
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray
        ``x_train`` has 60000 rows and ``x_test`` 10000, formatted as the flags say.

    Raises
    ------
    DatasetNotFoundError
        A file is missing and could not be downloaded (the message says how to get it).
    IDXFormatError, ValueError
        A file is corrupt, or the arrays have unexpected shapes, sizes or labels.
    """
    return load_dataset(
        MNIST,
        normalize,
        flatten,
        one_hot_label,
        data_home,
        download,
        mirrors=mirrors,
        timeout=timeout,
        progress=progress,
    )


def load_fashion_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    data_home: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST (Zalando): 28x28 clothing images in 10 classes, same layout as MNIST.

    Takes the same arguments and returns the same arrays as :func:`load_mnist`; the class
    names are :data:`FASHION_MNIST_CLASSES`. The system copy from Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``) is used when no
    other copy is found; the mirrors are :data:`FASHION_MNIST_MIRRORS` (or
    ``$DLFS_FASHION_MNIST_MIRRORS``) and the default directory ``~/.cache/dlfs/fashion-mnist``.
    """
    return load_dataset(
        FASHION_MNIST,
        normalize,
        flatten,
        one_hot_label,
        data_home,
        download,
        mirrors=mirrors,
        timeout=timeout,
        progress=progress,
    )


def shuffle_dataset(
    x: np.ndarray, t: np.ndarray, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle samples and their targets with one random permutation of the first axis.

    Parameters
    ----------
    x : ndarray of shape (N, ...)
        Samples, flat (N, D) or images (N, C, H, W).
    t : ndarray of shape (N,) or (N, K)
        Labels or one-hot targets, one per sample.
    rng : numpy.random.Generator or int, optional
        Source of the permutation (a seed gives the same order every time); a fresh,
        unseeded generator when None, never NumPy's global random state.

    Returns
    -------
    x, t : ndarray
        Shuffled copies; sample ``i`` keeps its target.
    """
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0 or len(x) != len(t):
        raise ValueError(
            f"shuffle_dataset: x and t must have one entry per sample, got x.shape={x.shape} "
            f"and t.shape={t.shape}"
        )
    order = np.random.default_rng(rng).permutation(len(x))
    return x[order], t[order]
