"""Convolution and max pooling on image batches of shape (N, C, H, W), with ``im2col``.

``im2col`` unrolls every filter-sized window of a batch into one row of a matrix, so that a
convolution becomes a single matrix product; ``col2im`` is its adjoint and adds each row
back onto the window it came from (overlapping windows accumulate). :class:`Convolution`
and :class:`Pooling` are layers with ``forward(x)`` / ``backward(dout)`` like those of
:mod:`dlfs.layers`.

These are the readable versions the book shows. :mod:`dlfs.fastconv` holds twins that
compute the same results faster, and the networks use those.

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

from typing import Any

import numpy as np

from dlfs._checks import (
    check_col,
    check_conv_params,
    check_dout,
    check_pool_params,
    check_windows,
    int_at_least,
)

__all__ = ["conv_output_size", "im2col", "col2im", "Convolution", "Pooling"]


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
    size = int_at_least(input_size, 1, "input_size", who)
    fsize = int_at_least(filter_size, 1, "filter_size", who)
    stride = int_at_least(stride, 1, "stride", who)
    pad = int_at_least(pad, 0, "pad", who)
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


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Unroll every filter window of a zero-padded image batch into one row.

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
    ndarray of shape (N * OH * OW, C * filter_h * filter_w), dtype of ``input_data``
        Row ``(n * OH + oh) * OW + ow`` is the window at ``(oh * stride, ow * stride)`` of
        sample ``n``, by channel, then row, then column of the window.
    """
    x = check_windows("im2col", input_data, filter_h, filter_w, stride, pad)
    N, C, H, W = x.shape
    oh = (H + 2 * pad - filter_h) // stride + 1
    ow = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    # col[n, c, i, j, y, x] is pixel (i, j) of the window at output position (y, x)
    col = np.empty((N, C, filter_h, filter_w, oh, ow), dtype=x.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            col[:, :, i, j] = img[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * oh * ow, -1)


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """Add the rows of ``col`` back onto the windows they came from (adjoint of :func:`im2col`).

    Overlapping windows add up, so ``col2im(im2col(x))`` is ``x`` times the number of
    windows covering each pixel; backpropagation needs exactly this sum.

    Parameters
    ----------
    col : ndarray of shape (N * OH * OW, C * filter_h * filter_w)
    input_shape : tuple (N, C, H, W)
        Shape of the image batch before padding.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    ndarray of shape (N, C, H, W), dtype of ``col``
    """
    col = check_col(col, input_shape, filter_h, filter_w, stride, pad)
    N, C, H, W = input_shape
    oh = (H + 2 * pad - filter_h) // stride + 1
    ow = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, oh, ow, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            img[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += col[:, :, i, j]
    return img[:, :, pad : H + pad, pad : W + pad]


class Convolution:
    """2-D convolution (cross-correlation, as in every deep-learning library) with bias.

    ``out[n, f, y, x] = b[f] + sum(W[f] * window of x at (y*stride, x*stride))``, computed as
    one matrix product of the :func:`im2col` rows with the flattened filters.

    Parameters
    ----------
    W : ndarray of shape (FN, C, FH, FW)
    b : ndarray of shape (FN,), or a scalar (the same bias for every filter)
    stride : int, default 1
    pad : int, default 0

    Attributes
    ----------
    dW, db : ndarray
        Gradients set by ``backward``, shaped like ``W`` and ``b``.
    """

    def __init__(self, W: np.ndarray, b: Any, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = check_conv_params(W, b, stride, pad)
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.x: np.ndarray  # forward keeps x, col and col_W for backward
        self.col: np.ndarray
        self.col_W: np.ndarray
        self.out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the (N, FN, OH, OW) output for x of shape (N, C, H, W)."""
        FN, C, FH, FW = self.W.shape
        x = check_windows("Convolution", x, FH, FW, self.stride, self.pad, channels=C)
        N, _, H, W = x.shape
        oh = (H + 2 * self.pad - FH) // self.stride + 1
        ow = (W + 2 * self.pad - FW) // self.stride + 1
        col = im2col(x, FH, FW, self.stride, self.pad)  # (N*oh*ow, C*FH*FW)
        col_W = self.W.reshape(FN, -1).T  # (C*FH*FW, FN): one filter per column
        out = (col @ col_W + self.b).reshape(N, oh, ow, FN).transpose(0, 3, 1, 2)
        self.x, self.col, self.col_W, self.out_shape = x, col, col_W, out.shape
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dW`` and ``db``; return ``dx`` of shape (N, C, H, W)."""
        dout = check_dout(self, dout, self.out_shape)
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)  # one row per window, as col
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).T.reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling: the largest value of every ``pool_h x pool_w`` window, per channel.

    Parameters
    ----------
    pool_h, pool_w : int
        Window size.
    stride : int, default 1
        Usually the window size (2x2 windows with stride 2 halve H and W).
    pad : int, default 0
        Zero padding on each side, as in the textbook.

    Attributes
    ----------
    arg_max : ndarray of shape (N * OH * OW * C,)
        After ``forward``: where each window's maximum is, counted row by row inside the
        window (ties go to the first), in the row order of :func:`im2col`.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h, self.pool_w, self.stride, self.pad = check_pool_params(
            pool_h, pool_w, stride, pad
        )
        self.x: np.ndarray  # forward keeps x and arg_max for backward
        self.arg_max: np.ndarray | None = None
        self.out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the (N, C, OH, OW) window maxima for x of shape (N, C, H, W)."""
        x = check_windows("Pooling", x, self.pool_h, self.pool_w, self.stride, self.pad)
        N, C, H, W = x.shape
        oh = (H + 2 * self.pad - self.pool_h) // self.stride + 1
        ow = (W + 2 * self.pad - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)  # one window of one channel per row
        out = np.max(col, axis=1).reshape(N, oh, ow, C).transpose(0, 3, 1, 2)
        self.x, self.arg_max, self.out_shape = x, np.argmax(col, axis=1), out.shape
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx`` (N, C, H, W): each window's ``dout`` goes to its maximum."""
        dout = check_dout(self, dout, self.out_shape)
        C = self.x.shape[1]
        dout = dout.transpose(0, 2, 3, 1).ravel()  # the row order of col in forward
        dcol = np.zeros((dout.size, self.pool_h * self.pool_w), dtype=dout.dtype)
        dcol[np.arange(dout.size), self.arg_max] = dout
        dcol = dcol.reshape(-1, C * self.pool_h * self.pool_w)  # back to im2col's rows
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
