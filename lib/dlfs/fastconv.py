"""Fast twins of :class:`dlfs.conv.Convolution` and :class:`dlfs.conv.Pooling`.

:mod:`dlfs.conv` holds the layers as the book shows them: ``im2col``, one matrix product,
``col2im``. The classes here compute the same thing (a property test checks forward,
``dx``, ``dW`` and ``db`` against them) with the same interface, several times faster on
a CPU, and the networks use them by default:

* the columns are kept transposed, rows ``(c, fh, fw)`` by columns ``(n, oh, ow)``, with
  the images channel-first, so that every product is a plain contiguous matrix product;
* for stride 1 a "shifted grid" makes im2col and col2im contiguous copies and additions,
  done a cache-sized block at a time;
* work arrays are kept between calls instead of allocating tens of megabytes per step.

``benchmarks/bench_conv.py`` prints what this buys, beside the readable layers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from dlfs._checks import check_dout, check_windows
from dlfs.conv import Convolution, Pooling

__all__ = ["FastConvolution", "FastPooling"]

#: Stride-1 convolutions take the "shifted grid" path (see :class:`Convolution`) when it
#: computes at most this many times the number of real outputs; otherwise the compact path.
_MAX_GRID_WASTE = 1.5

#: The shifted-grid path builds and uses its columns this many bytes at a time, so that a
#: block is still in the CPU cache when the matrix product reads it (see :class:`Convolution`).
_BLOCK_BYTES = 2**22
_MIN_BLOCK_COLUMNS = 128


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


class FastConvolution(Convolution):
    """:class:`dlfs.conv.Convolution`, computed in a cache-friendly layout with kept buffers.

    Same parameters, attributes and results as :class:`~dlfs.conv.Convolution` (up to
    rounding), in NumPy's promoted dtype of ``x``, ``W`` and ``b``.

    Parameters
    ----------
    W : ndarray of shape (FN, C, FH, FW)
    b : ndarray of shape (FN,), or a scalar
    stride : int, default 1
    pad : int, default 0
    input_grad : bool, default True
        False for a first layer, whose input is the data and needs no gradient: then
        ``backward`` stores ``dW`` and ``db`` and returns None, which saves a matrix product
        and the col2im of ``dx``, about half of the backward pass.

    Notes
    -----
    Two layouts are used, both vectorised with one loop over the FH*FW window offsets:

    * compact (any stride): the columns are the windows ``(n, oh, ow)`` of ``im2col``;
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

    def __init__(
        self, W: np.ndarray, b: Any, stride: int = 1, pad: int = 0, *, input_grad: bool = True
    ) -> None:
        super().__init__(W, b, stride, pad)
        self.input_grad = bool(input_grad)
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
        fn, c, fh, fw = self.W.shape
        x = check_windows("Convolution", x, fh, fw, self.stride, self.pad, channels=c)
        n, _, h, w = x.shape
        p, s = self.pad, self.stride
        oh, ow = (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1
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
            "out_shape": out.shape,
            "col": col_mat,
            "grid": grid,
        }
        return out

    def backward(self, dout: np.ndarray) -> Any:
        """Store ``dW`` and ``db``; return ``dx`` (N, C, H, W), or None without ``input_grad``."""
        return self._backward(dout, need_dx=self.input_grad)

    def _backward(self, dout: np.ndarray, need_dx: bool) -> np.ndarray | None:
        cache = self._cache
        dout = check_dout("Convolution", dout, None if cache is None else cache["out_shape"])
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
        self.dW = dW.reshape(self.W.shape)
        # row sums as a product with ones: several times faster than dflat.sum(axis=1);
        # the zeros off the valid grid positions add nothing
        db = dflat @ np.ones(dflat.shape[1], dflat.dtype)
        self.db = db
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
        return dxg.transpose(1, 0, 2, 3).copy()


class FastPooling(Pooling):
    """:class:`dlfs.conv.Pooling` on strided views of the input, without im2col.

    Same parameters and results as :class:`~dlfs.conv.Pooling`, except the layout of
    ``arg_max``.

    Attributes
    ----------
    arg_max : ndarray of shape (N, C, OH, OW)
        After ``forward``: the position of the maximum inside each window, counted row by
        row (``i * pool_w + j``); ties go to the first, like ``np.argmax``.

    Notes
    -----
    One pass per window offset compares that element of every window with the running
    maximum; ``backward`` adds ``dout`` where the offset is the window's maximum. Disjoint
    windows (stride >= window) write instead of adding.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        super().__init__(pool_h, pool_w, stride, pad)
        self._x_shape: tuple[int, ...] | None = None
        self._out_shape: tuple[int, ...] | None = None

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
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        x = check_windows("Pooling", x, ph, pw, s, p)
        oh, ow = (x.shape[2] + 2 * p - ph) // s + 1, (x.shape[3] + 2 * p - pw) // s + 1
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
        self._x_shape, self._out_shape = x.shape, out.shape
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx`` (N, C, H, W): ``dout`` of each window at the position of its maximum."""
        dout = check_dout("Pooling", dout, self._out_shape)
        assert self._x_shape is not None and self.arg_max is not None
        n, c, h, w = self._x_shape
        p = self.pad
        oh, ow = dout.shape[2:]
        dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dout.dtype)
        disjoint = self.stride >= max(self.pool_h, self.pool_w)
        for k, view in self._windows(dxp, oh, ow):
            if disjoint:  # every element of dx belongs to at most one window
                np.multiply(dout, self.arg_max == k, out=view)
            else:
                view += dout * (self.arg_max == k)
        return dxp[:, :, p : p + h, p : p + w].copy() if p else dxp
