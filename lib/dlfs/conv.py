"""Convolution and max pooling on image batches of shape (N, C, H, W), with ``im2col``.

``im2col`` unrolls every filter-sized window of a batch into one row of a matrix, so that a
convolution becomes a single matrix product; ``col2im`` is its adjoint and adds each row
back onto the window it came from (overlapping windows accumulate). :class:`Convolution`
and :class:`Pooling` are layers with ``forward(x)`` / ``backward(dout)`` like those of
:mod:`dlfs.layers`.

Shape letters: ``N`` samples, ``C`` channels, ``H, W`` height and width, ``FN`` filters of
size ``FH x FW``, output size ``OH x OW`` (see :func:`conv_output_size`).

Examples
--------
>>> import numpy as np
>>> x = np.arange(2 * 3 * 4 * 4, dtype=float).reshape(2, 3, 4, 4)
>>> im2col(x, 3, 3).shape          # 2 samples * 2 * 2 windows, 3 channels * 3 * 3 values
(8, 27)
>>> conv = Convolution(np.ones((5, 3, 3, 3)), np.zeros(5), pad=1)
>>> conv.forward(x).shape
(2, 5, 4, 4)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

__all__ = ["conv_output_size", "im2col", "col2im", "Convolution", "Pooling"]

#: Stride-1 convolutions take the "shifted grid" path (see :class:`Convolution`) when it
#: computes at most this many times the number of real outputs; otherwise the compact path.
_MAX_GRID_WASTE = 1.5

#: The shifted-grid path builds and uses its columns this many bytes at a time, so that a
#: block is still in the CPU cache when the matrix product reads it (see :class:`Convolution`).
_BLOCK_BYTES = 2**22
_MIN_BLOCK_COLUMNS = 128


# --------------------------------------------------------------------------- checks


def _int_at_least(value: Any, low: int, name: str, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        kind = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{who}: {name} must be {kind}, got {value!r}")
    return int(value)


def _as_batch(x: Any, who: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"{who}: x must be a batch of images of shape (N, C, H, W), got shape {x.shape}; "
            f"use x.reshape(1, C, H, W) for a single image"
        )
    return x


def _check_dout(who: str, dout: Any, expected: tuple[int, ...] | None) -> np.ndarray:
    if expected is None:
        raise RuntimeError(f"{who}.backward called before forward")
    dout = np.asarray(dout)
    if dout.shape != expected:
        raise ValueError(
            f"{who}.backward: dout must have the shape of the forward output {expected}, "
            f"got {dout.shape}"
        )
    return dout


def _like(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a`` in ``dtype`` when that is a float type (so float32 layers stay float32)."""
    return a.astype(dtype, copy=False) if dtype.kind == "f" else a


def conv_output_size(
    input_size: int,
    filter_size: int,
    stride: int = 1,
    pad: int = 0,
    *,
    allow_remainder: bool = False,
) -> int:
    """Window positions along an axis, ``(input_size + 2*pad - filter_size) // stride + 1``.

    Parameters
    ----------
    input_size : int
        Height or width of the input.
    filter_size : int
        Height or width of the filter (or pooling window).
    stride : int, default 1
    pad : int, default 0
        Zero padding added on both sides.
    allow_remainder : bool, default False
        By default the windows must tile the padded input exactly, i.e.
        ``input_size + 2*pad - filter_size`` must be a multiple of ``stride``; otherwise the
        last rows would be silently ignored and a ``ValueError`` says so. With True the
        size is rounded down as the textbook's ``im2col`` and PyTorch do (the layers use
        this, so that for example 2x2 pooling with stride 2 accepts a 7x7 input).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When the filter is larger than the padded input, or (unless ``allow_remainder``)
        when the windows do not tile it.

    Examples
    --------
    >>> conv_output_size(28, 5)
    24
    >>> conv_output_size(28, 3, stride=1, pad=1)
    28
    >>> conv_output_size(7, 2, stride=2, allow_remainder=True)
    3
    """
    who = "conv_output_size"
    size = _int_at_least(input_size, 1, "input_size", who)
    fsize = _int_at_least(filter_size, 1, "filter_size", who)
    stride = _int_at_least(stride, 1, "stride", who)
    pad = _int_at_least(pad, 0, "pad", who)
    span = size + 2 * pad - fsize
    if span < 0:
        raise ValueError(
            f"{who}: filter of size {fsize} is larger than the padded input "
            f"({size} + 2*{pad} = {size + 2 * pad})"
        )
    if span % stride and not allow_remainder:
        raise ValueError(
            f"{who}: windows of size {fsize} with stride {stride} do not tile an input of "
            f"{size} padded by {pad}: (input_size + 2*pad - filter_size) = {span} is not a "
            f"multiple of {stride}, so the last {span % stride} row(s) would be ignored; "
            f"change pad or stride, or pass allow_remainder=True to round down"
        )
    return span // stride + 1


def _geometry(
    shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int, pad: int, who: str
) -> tuple[int, int]:
    """(OH, OW) for an input of ``shape`` (N, C, H, W), with errors that name ``who``."""
    try:
        return (
            conv_output_size(shape[2], filter_h, stride, pad, allow_remainder=True),
            conv_output_size(shape[3], filter_w, stride, pad, allow_remainder=True),
        )
    except ValueError as err:
        raise ValueError(
            f"{who}: a {filter_h}x{filter_w} window with pad {pad} does not fit an input of "
            f"{shape[2]}x{shape[3]} (x.shape={shape})"
        ) from err


# --------------------------------------------------------------------------- im2col / col2im
#
# Internally the columns are kept transposed, as rows (c, fh, fw) by columns (n, oh, ow),
# and the images channel-first, (C, N, H, W). Then the products W @ col, dout @ col.T and
# W.T @ dout are plain contiguous matrix products, the output comes out as (FN, N, OH, OW),
# and im2col is FH*FW vectorised copies (one per offset inside the window), col2im FH*FW
# vectorised additions. The public functions return the textbook's layout, the transpose.


def _window_offsets(filter_h: int, filter_w: int) -> Iterator[tuple[int, int]]:
    """Positions (i, j) inside a filter window, row by row (the order of im2col's columns)."""
    for i in range(filter_h):
        for j in range(filter_w):
            yield i, j


class _Grid(NamedTuple):
    """Where the stride-1 "shifted grid" puts a batch (see :class:`Convolution`).

    Each channel is one flat row. Image ``n`` starts at ``margin + n * hp * wp``, and its
    pixel ``(y, x)`` is at ``y * wp + x`` from there; every other position is zero. Output
    position ``q = n * hp * wp + r * wp + c`` reads the window offset ``(i, j)`` at
    ``q + i * wp + j``, so column ``q`` of the im2col matrix is ``length`` consecutive values
    per offset. Images share their zero borders: ``wp = W + pad`` leaves ``pad`` zeros after
    each row, which pad the next row's start too (and likewise ``hp`` for rows).
    """

    hp: int  # rows per image on the grid
    wp: int  # positions per grid row
    margin: int  # zeros before the first image
    length: int  # grid positions up to the last valid output: the columns of im2col
    size: int  # length of a channel's row

    def images(self, flat: np.ndarray, n: int) -> np.ndarray:
        """(C, N, hp, wp) view of the images' slots in ``flat`` (C, size)."""
        start = self.margin
        return flat[:, start : start + n * self.hp * self.wp].reshape(-1, n, self.hp, self.wp)


def _grid(
    x_shape: tuple[int, ...], oh: int, ow: int, fh: int, fw: int, stride: int, pad: int
) -> _Grid | None:
    """The grid of a convolution of ``x_shape`` (N, C, H, W) with an FHxFW filter (output
    OHxOW), or None when the compact layout is the better one (see :class:`Convolution`)."""
    n, c, h, w = x_shape
    hp, wp = max(h + pad, oh), max(w + pad, ow)
    # one channel: the windows are as cheap to gather in the compact layout, where the
    # products then have no wasted columns (measured faster for SimpleConvNet's first layer)
    if stride != 1 or c == 1 or hp * wp > _MAX_GRID_WASTE * oh * ow:
        return None
    margin = pad * wp + pad
    length = (n - 1) * hp * wp + (oh - 1) * wp + ow
    size = max(margin + n * hp * wp, length + (fh - 1) * wp + fw - 1)
    return _Grid(hp, wp, margin, length, size)


def _blocks(length: int, column_bytes: int) -> Iterator[tuple[int, int]]:
    """Ranges ``[start, stop)`` that split ``length`` columns into cache-sized blocks."""
    step = max(_MIN_BLOCK_COLUMNS, _BLOCK_BYTES // column_bytes)
    for start in range(0, length, step):
        yield start, min(length, start + step)


def _pad_channels_first(x: np.ndarray, pad: int, out: np.ndarray) -> np.ndarray:
    """Write ``x`` (N, C, H, W) into the interior of ``out`` (C, N, H + 2pad, W + 2pad)."""
    h, w = x.shape[2:]
    out[:, :, pad : pad + h, pad : pad + w] = x.transpose(1, 0, 2, 3)
    return out


def _im2col_t(xg: np.ndarray, filter_h: int, filter_w: int, stride: int, out: np.ndarray) -> None:
    """Fill ``out`` (C, FH, FW, N, OH, OW) with the windows of ``xg`` (C, N, Hp, Wp)."""
    oh, ow = out.shape[4:]
    for i, j in _window_offsets(filter_h, filter_w):
        out[:, i, j] = xg[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]


def _col2im_t(col: np.ndarray, stride: int, out: np.ndarray) -> None:
    """Add each window of ``col`` (C, FH, FW, N, OH, OW) onto ``out`` (C, N, Hp, Wp)."""
    filter_h, filter_w, _, oh, ow = col.shape[1:]
    for i, j in _window_offsets(filter_h, filter_w):
        out[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += col[:, i, j]


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Unroll every filter window of a zero-padded image batch into a row.

    Parameters
    ----------
    input_data : ndarray of shape (N, C, H, W)
    filter_h, filter_w : int
        Window size.
    stride : int, default 1
    pad : int, default 0
        Zero padding on each side of H and W.

    Returns
    -------
    ndarray of shape (N * OH * OW, C * filter_h * filter_w)
        Row ``(n * OH + oh) * OW + ow`` holds the window whose top-left corner is
        ``(oh * stride, ow * stride)`` in sample ``n``, ordered by channel, then row, then
        column of the window. The dtype is that of ``input_data``. (The array is built in
        the transposed layout and returned as its transpose, so it is Fortran-ordered.)
    """
    x = _as_batch(input_data, "im2col")
    fh = _int_at_least(filter_h, 1, "filter_h", "im2col")
    fw = _int_at_least(filter_w, 1, "filter_w", "im2col")
    stride = _int_at_least(stride, 1, "stride", "im2col")
    pad = _int_at_least(pad, 0, "pad", "im2col")
    n, c, h, w = x.shape
    oh, ow = _geometry(x.shape, fh, fw, stride, pad, "im2col")
    xg = _pad_channels_first(x, pad, np.zeros((c, n, h + 2 * pad, w + 2 * pad), x.dtype))
    col = np.empty((c, fh, fw, n, oh, ow), x.dtype)
    _im2col_t(xg, fh, fw, stride, col)
    return col.reshape(c * fh * fw, n * oh * ow).T


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """Add the rows of ``col`` back onto the windows they came from (adjoint of :func:`im2col`).

    Values from overlapping windows are summed, so ``col2im(im2col(x))`` is *not* ``x``
    but ``x`` times the number of windows covering each pixel. This is what backpropagation
    needs: ``<im2col(x), c> == <x, col2im(c)>`` for all ``x`` and ``c``.

    Parameters
    ----------
    col : ndarray of shape (N * OH * OW, C * filter_h * filter_w)
        Laid out as :func:`im2col` returns it.
    input_shape : tuple (N, C, H, W)
        Shape of the image batch before padding.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    ndarray of shape (N, C, H, W), dtype of ``col``
    """
    who = "col2im"
    col = np.asarray(col)
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"{who}: input_shape must be (N, C, H, W), got {tuple(input_shape)}")
    fh = _int_at_least(filter_h, 1, "filter_h", who)
    fw = _int_at_least(filter_w, 1, "filter_w", who)
    stride = _int_at_least(stride, 1, "stride", who)
    pad = _int_at_least(pad, 0, "pad", who)
    n, c, h, w = shape
    oh, ow = _geometry(shape, fh, fw, stride, pad, who)
    expected = (n * oh * ow, c * fh * fw)
    if col.shape != expected:
        raise ValueError(
            f"{who}: col must have shape (N*OH*OW, C*FH*FW) = {expected} for input_shape "
            f"{shape} and a {fh}x{fw} window (stride {stride}, pad {pad}), got {col.shape}"
        )
    out = np.zeros((c, n, h + 2 * pad, w + 2 * pad), col.dtype)
    _col2im_t(col.T.reshape(c, fh, fw, n, oh, ow), stride, out)
    return out[:, :, pad : pad + h, pad : pad + w].transpose(1, 0, 2, 3).copy()


# --------------------------------------------------------------------------- Convolution


class Convolution:
    """2-D convolution (cross-correlation, as in every deep-learning library) with bias.

    ``out[n, f, i, j] = b[f] + sum_{c,u,v} W[f, c, u, v] * xpad[n, c, i*s + u, j*s + v]`` with
    stride ``s``, computed as one matrix product of the filters with the :func:`im2col` matrix.

    Parameters
    ----------
    W : ndarray of shape (FN, C, FH, FW)
        Filters.
    b : ndarray of shape (FN,)
        One bias per filter.
    stride : int, default 1
    pad : int, default 0
        Zero padding on each side of H and W.

    Attributes
    ----------
    dW : ndarray of shape (FN, C, FH, FW)
    db : ndarray of shape (FN,)
        Gradients set by ``backward``, in the dtypes of ``W`` and ``b``.

    Notes
    -----
    ``out`` and ``dx`` have the dtype of ``x`` (float32 stays float32). Input sizes that the
    windows do not tile are rounded down as in the textbook: the last rows or columns are
    then unused and get zero gradient.

    Two layouts are used, both vectorised with one loop over the FH*FW window offsets:

    * compact (any stride): the columns are the windows ``(n, oh, ow)`` of :func:`im2col`;
    * shifted grid (stride 1, several channels, when it wastes little): on the padded
      images flattened to one row per channel, the window offset ``(i, j)`` is a shift by
      ``i*Wp + j``, so every output position of the padded grid, valid or not, gets a
      column. im2col is then FH*FW contiguous copies and col2im FH*FW contiguous additions,
      much faster than strided ones. The outputs at the invalid positions (``pad`` per row
      and per image, as images and rows share their zero borders) are computed and
      discarded, and get zero gradient.
      The columns are built, multiplied and (backward) added back in blocks of a few
      thousand, so that each block is reused while it is still in the CPU cache.

    Work arrays are kept between calls (and re-made when the shape changes), which avoids
    allocating tens of megabytes per step; the arrays returned are always new.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 4:
            raise ValueError(f"Convolution: W must have shape (FN, C, FH, FW), got shape {W.shape}")
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"Convolution: b must have shape ({W.shape[0]},) to match W.shape={W.shape}, "
                f"got {b.shape}"
            )
        self.W, self.b = W, b  # optimizers update these arrays in place
        self.stride = _int_at_least(stride, 1, "stride", "Convolution")
        self.pad = _int_at_least(pad, 0, "pad", "Convolution")
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self._work: dict[str, tuple[Any, np.ndarray]] = {}
        self._cache: dict[str, Any] | None = None

    def _buffer(
        self, name: str, shape: tuple[int, ...], dtype: np.dtype, key: Any = None
    ) -> np.ndarray:
        """A kept work array for ``key`` (the layout it serves); new ones are zeros.

        Zero borders and gaps are never written, so an array is re-made, not reused, when
        the layout changes even if the shape does not.
        """
        kept = self._work.get(name)
        if kept is not None:
            kept_key, a = kept
            if kept_key == key and a.shape == shape and a.dtype == dtype:
                return a
        a = np.zeros(shape, dtype)
        self._work[name] = (key, a)
        return a

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of shape (N, C, H, W)

        Returns
        -------
        ndarray of shape (N, FN, OH, OW)
        """
        x = _as_batch(x, "Convolution")
        fn, c, fh, fw = self.W.shape
        if x.shape[1] != c:
            raise ValueError(
                f"Convolution: x has {x.shape[1]} channels but W expects {c} "
                f"(W.shape={self.W.shape}, x.shape={x.shape})"
            )
        n, _, h, w = x.shape
        p, s = self.pad, self.stride
        oh, ow = _geometry(x.shape, fh, fw, s, p, "Convolution")
        dtype = np.result_type(x.dtype, self.W.dtype)
        w_mat = self.W.reshape(fn, -1).astype(dtype, copy=False)

        grid = _grid(x.shape, oh, ow, fh, fw, s, p)
        if grid is not None:
            flat = self._buffer("x", (c, grid.size), dtype, key=grid)
            grid.images(flat, n)[:, :, :h, :w] = x.transpose(1, 0, 2, 3)
            col = self._buffer("col", (c, fh, fw, grid.length), dtype)
            col_mat = col.reshape(c * fh * fw, grid.length)
            out_grid = self._buffer("out", (fn, n * grid.hp * grid.wp), dtype)
            for start, stop in _blocks(grid.length, col_mat.shape[0] * col.itemsize):
                for i, j in _window_offsets(fh, fw):
                    shift = i * grid.wp + j
                    col[:, i, j, start:stop] = flat[:, start + shift : stop + shift]
                np.matmul(w_mat, col_mat[:, start:stop], out=out_grid[:, start:stop])
            out4 = out_grid.reshape(fn, n, grid.hp, grid.wp)[:, :, :oh, :ow]
        else:
            xg = self._buffer("x", (c, n, h + 2 * p, w + 2 * p), dtype)
            _pad_channels_first(x, p, xg)
            col6 = self._buffer("col", (c, fh, fw, n, oh, ow), dtype)
            _im2col_t(xg, fh, fw, s, col6)
            col_mat = col6.reshape(c * fh * fw, n * oh * ow)
            out4 = np.matmul(w_mat, col_mat, out=self._buffer("out", (fn, n * oh * ow), dtype))
            out4 = out4.reshape(fn, n, oh, ow)

        out = out4.transpose(1, 0, 2, 3) + self.b.reshape(1, fn, 1, 1)
        self._cache = {
            "x_shape": x.shape,
            "x_dtype": x.dtype,
            "out_shape": out.shape,
            "col": col_mat,
            "grid": grid,
        }
        return _like(out, x.dtype)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dW`` and ``db``; return ``dx`` of shape (N, C, H, W)."""
        dx = self._backward(dout, need_dx=True)
        assert dx is not None
        return dx

    def backward_params(self, dout: np.ndarray) -> None:
        """Store ``dW`` and ``db`` only, without ``dx``.

        For the first layer of a network, whose input (the data) needs no gradient: this
        saves a matrix product and the col2im of the input gradient, about half of
        ``backward``.
        """
        self._backward(dout, need_dx=False)

    def _backward(self, dout: np.ndarray, need_dx: bool) -> np.ndarray | None:
        cache = self._cache
        dout = _check_dout("Convolution", dout, None if cache is None else cache["out_shape"])
        assert cache is not None
        n, c, h, w = cache["x_shape"]
        fn, _, fh, fw = self.W.shape
        _, _, oh, ow = dout.shape
        p, s = self.pad, self.stride
        col: np.ndarray = cache["col"]
        grid: _Grid | None = cache["grid"]
        dtype = np.result_type(col.dtype, dout.dtype)

        if grid is not None:
            # dout on the grid; the invalid positions stay 0 from allocation
            dflat = self._buffer("dout", (fn, n * grid.hp * grid.wp), dtype, key=grid)
            dflat.reshape(fn, n, grid.hp, grid.wp)[:, :, :oh, :ow] = dout.transpose(1, 0, 2, 3)
            dmat = dflat[:, : grid.length]
        else:
            dflat = self._buffer("dout", (fn, n, oh, ow), dtype)
            np.copyto(dflat, dout.transpose(1, 0, 2, 3))
            dflat = dmat = dflat.reshape(fn, n * oh * ow)

        # the same product either way round; OpenBLAS is faster with the longer side first
        dW = (col @ dmat.T).T if col.shape[0] > fn else dmat @ col.T
        self.dW = _like(dW.reshape(self.W.shape), self.W.dtype)
        # row sums as a product with ones: several times faster than dflat.sum(axis=1);
        # the zeros off the valid grid positions add nothing
        db = dflat @ np.ones(dflat.shape[1], dflat.dtype)
        self.db = _like(db, self.b.dtype)
        if not need_dx:
            return None

        w_t = self.W.reshape(fn, -1).T.astype(dtype, copy=False)
        if grid is not None:
            dx_flat = self._buffer("dx", (c, grid.size), dtype)
            dx_flat.fill(0)
            rows = c * fh * fw
            blocks = list(_blocks(grid.length, rows * dtype.itemsize))
            width = max(stop - start for start, stop in blocks)
            dcol_work = self._buffer("dcol", (rows * width,), dtype)
            for start, stop in blocks:
                # a contiguous (rows, stop - start) block, so that matmul can write into it
                dcol = dcol_work[: rows * (stop - start)].reshape(rows, stop - start)
                np.matmul(w_t, dmat[:, start:stop], out=dcol)
                dcol4 = dcol.reshape(c, fh, fw, stop - start)
                for i, j in _window_offsets(fh, fw):
                    shift = i * grid.wp + j
                    dx_flat[:, start + shift : stop + shift] += dcol4[:, i, j]
            dxg = grid.images(dx_flat, n)[:, :, :h, :w]
        else:
            dcol = np.matmul(w_t, dmat, out=self._buffer("dcol", col.shape, dtype))
            dxg = self._buffer("dx", (c, n, h + 2 * p, w + 2 * p), dtype)
            dxg.fill(0)
            _col2im_t(dcol.reshape(c, fh, fw, n, oh, ow), s, dxg)
            dxg = dxg[:, :, p : p + h, p : p + w]
        dx = dxg.transpose(1, 0, 2, 3).copy()
        return _like(dx, cache["x_dtype"])


# --------------------------------------------------------------------------- Pooling


class Pooling:
    """Max pooling: the largest value of every ``pool_h x pool_w`` window, per channel.

    Parameters
    ----------
    pool_h, pool_w : int
        Window size.
    stride : int, default 1
        Usually equal to the window size (2x2 windows with stride 2 halve H and W).
    pad : int, default 0
        Zero padding on each side, as in the textbook (so a window reaching into the
        padding yields at least 0).

    Attributes
    ----------
    arg_max : ndarray of shape (N, C, OH, OW)
        After ``forward``: the position of the maximum inside each window, counted row by
        row (``i * pool_w + j``); ties go to the first, like ``np.argmax``. ``backward``
        routes each window's gradient to that one element.

    Notes
    -----
    Input sizes that the windows do not tile are rounded down as in the textbook (a 7x7
    input gives 3x3 with 2x2 windows and stride 2); the unused last row and column get zero
    gradient. Overlapping windows (stride < window) add their gradients.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h = _int_at_least(pool_h, 1, "pool_h", "Pooling")
        self.pool_w = _int_at_least(pool_w, 1, "pool_w", "Pooling")
        self.stride = _int_at_least(stride, 1, "stride", "Pooling")
        self.pad = _int_at_least(pad, 0, "pad", "Pooling")
        self.arg_max: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None
        self._out_shape: tuple[int, ...] | None = None
        self._x_dtype: np.dtype | None = None

    def _windows(self, a: np.ndarray, oh: int, ow: int) -> Iterator[tuple[int, np.ndarray]]:
        """(k, view) for each window offset: ``view[n, c, i, j]`` is element k of window (i, j)."""
        s = self.stride
        for k, (i, j) in enumerate(_window_offsets(self.pool_h, self.pool_w)):
            yield k, a[:, :, i : i + s * oh : s, j : j + s * ow : s]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of shape (N, C, H, W)

        Returns
        -------
        ndarray of shape (N, C, OH, OW), dtype of ``x``
        """
        x = _as_batch(x, "Pooling")
        p = self.pad
        oh, ow = _geometry(x.shape, self.pool_h, self.pool_w, self.stride, p, "Pooling")
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        index_type = np.uint8 if self.pool_h * self.pool_w <= 256 else np.intp
        # (K, N, C, OH, OW), element k of every window; comparing contiguous copies is
        # faster than comparing the strided views
        windows = np.stack([view for _, view in self._windows(xp, oh, ow)])
        out, arg = windows[0].copy(), np.zeros(windows.shape[1:], index_type)
        for k in range(1, len(windows)):
            # strict ">" keeps the first maximum; arithmetic rather than a masked
            # assignment, which is several times slower
            better = windows[k] > out
            np.maximum(out, windows[k], out=out)
            arg += better * (index_type(k) - arg)
        self.arg_max = arg
        self._x_shape, self._out_shape, self._x_dtype = x.shape, out.shape, x.dtype
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx`` (N, C, H, W): ``dout`` of each window at the position of its maximum."""
        dout = _check_dout("Pooling", dout, self._out_shape)
        assert self._x_shape is not None and self.arg_max is not None
        assert self._x_dtype is not None
        n, c, h, w = self._x_shape
        p = self.pad
        oh, ow = dout.shape[2:]
        dtype = np.result_type(self._x_dtype, dout.dtype)
        dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype)
        disjoint = self.stride >= max(self.pool_h, self.pool_w)
        for k, view in self._windows(dxp, oh, ow):
            if disjoint:  # every element of dx belongs to at most one window
                np.multiply(dout, self.arg_max == k, out=view)
            else:
                view += dout * (self.arg_max == k)
        dx = dxp[:, :, p : p + h, p : p + w].copy() if p else dxp
        return _like(dx, self._x_dtype)
