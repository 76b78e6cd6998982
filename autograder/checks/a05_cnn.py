"""Trusted checks of assignment 05_cnn: im2col, col2im, Convolution and max Pooling.

Reference values come from the course library (``dlfs.conv``) and from numerical gradients
of its forward passes, computed here; the student's code only returns arrays.

As in the notebook's test cells, ``Convolution`` and ``Pooling`` are graded on their own:
their checks use ``im2col`` and ``col2im``, so while they run those names in the student's
notebook are the course's versions (:func:`autograder.checks.course_functions`), and a bug
in the student's ``im2col`` costs only the ``im2col`` points.
"""

from __future__ import annotations

import numpy as np
from dlfs import conv as ref

from autograder.checks import (
    Session,
    Suite,
    array,
    backward_matches,
    close,
    fail,
    tr,
    unchanged,
)

SUITE = Suite("05_cnn", banned_modules=("dlfs.conv",))
rng_seed = 0x05C77


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(rng_seed + offset)


def _out_size(size: int, filt: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - filt) // stride + 1


def _setting(stride: int, pad: int) -> str:
    return f"stride {stride}, pad {pad}"


def _dtype_kept(value: object, what: str) -> None:
    if not isinstance(value, np.ndarray):
        kind = getattr(value, "type_name", type(value).__name__)
        fail("{what} should return a NumPy array, got a {kind}", what=what, kind=kind)
    if value.dtype != np.float32:
        fail(
            "{what} must keep the dtype: float32 in, float32 out (got {dtype})",
            what=what,
            dtype=value.dtype,
        )


# ---------------------------------------------------------------------------------------
# im2col and col2im

IM2COL_SHAPES = [
    ((1, 3, 7, 7), 5, 5, 1, 0),
    ((10, 3, 7, 7), 5, 5, 1, 0),
    ((2, 1, 6, 6), 3, 3, 2, 1),
    ((3, 2, 9, 8), 3, 2, 2, 1),
    ((1, 4, 5, 5), 5, 5, 1, 2),
    ((2, 2, 7, 5), 3, 3, 3, 1),
]


@SUITE.check("a5_im2col_shape", own=("im2col",))
def im2col_shape(s: Session) -> None:
    rng = _rng(1)
    im2col = s.get("im2col")
    for i, (shape, fh, fw, stride, pad) in enumerate(IM2COL_SHAPES):
        n, c, h, w = shape
        want = (n * _out_size(h, fh, stride, pad) * _out_size(w, fw, stride, pad), c * fh * fw)
        x = rng.standard_normal(shape)
        # the arguments once by keyword, once by position
        col = im2col(x, fh, fw, stride=stride, pad=pad) if i % 2 else im2col(x, fh, fw, stride, pad)
        what = tr(
            "im2col of an input of shape {shape} with {fh}x{fw} filters, {setting}",
            shape=shape,
            fh=fh,
            fw=fw,
            setting=_setting(stride, pad),
        )
        array(col, what, want)


IM2COL_CASES = [
    ((2, 3, 7, 6), 3, 3, 1, 0),
    ((3, 2, 9, 8), 3, 2, 2, 1),
    ((1, 2, 5, 7), 2, 4, 3, 2),
    ((2, 2, 6, 6), 4, 4, 1, 2),
]


@SUITE.check("a5_im2col_values", own=("im2col",))
def im2col_values(s: Session) -> None:
    im2col = s.get("im2col")
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    what = tr("im2col of arange(16) in 2x2 windows with stride 2")
    col = array(im2col(x, 2, 2, stride=2), what, (4, 4))
    close(
        col, ref.im2col(x, 2, 2, stride=2), tr("{what} (rows: windows; columns: dy, dx)", what=what)
    )
    what = tr("im2col of arange(16) in 3x3 windows with pad 1")
    col = array(im2col(x, 3, 3, stride=1, pad=1), what, (16, 9))
    close(col, ref.im2col(x, 3, 3, 1, 1), tr("{what} (padding with zeros)", what=what))
    two = np.concatenate([x, 100 + x], axis=1)
    what = tr("im2col of a two-channel image")
    col = array(im2col(two, 2, 2, stride=2), what, (4, 8))
    close(
        col,
        ref.im2col(two, 2, 2, 2),
        tr("{what} (columns go channel by channel: c, dy, dx)", what=what),
    )

    rng = _rng(2)
    for shape, fh, fw, stride, pad in IM2COL_CASES:
        x = rng.standard_normal(shape)
        expected = ref.im2col(x, fh, fw, stride, pad)
        col, (x_after, *_) = im2col.call_keep_args("__call__", x, fh, fw, stride, pad)
        what = tr(
            "im2col of shape {shape} with {fh}x{fw} filters, {setting}",
            shape=shape,
            fh=fh,
            fw=fw,
            setting=_setting(stride, pad),
        )
        close(array(col, what, expected.shape), expected, what, rtol=1e-12, atol=1e-12)
        unchanged(x, x_after, tr("the input of {name}", name="im2col"))
    x32 = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    _dtype_kept(im2col(x32, 3, 3), "im2col")


COL2IM_CASES = [
    ((2, 3, 7, 6), 3, 3, 1, 0),
    ((3, 2, 9, 8), 3, 2, 2, 1),
    ((1, 2, 6, 6), 4, 4, 1, 2),
    ((2, 1, 7, 7), 3, 3, 2, 0),
]


@SUITE.check("a5_col2im", own=("col2im",))
def col2im(s: Session) -> None:
    col2im = s.get("col2im")
    col = ref.im2col(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2, stride=2)
    what = tr("col2im without overlapping windows (2x2, stride 2)")
    img = array(col2im(col, (1, 1, 4, 4), 2, 2, stride=2), what, (1, 1, 4, 4))
    close(
        img,
        np.arange(16.0).reshape(1, 1, 4, 4),
        tr("{what}: every value goes back to its place", what=what),
    )
    what = tr("col2im of ones with overlapping 2x2 windows (stride 1)")
    counts = array(col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2, stride=1), what, (1, 1, 3, 3))
    close(
        counts,
        ref.col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2, 1),
        tr(
            "{what} (it must count the windows covering each pixel: add with +=, do not overwrite)",
            what=what,
        ),
    )

    rng = _rng(3)
    for shape, fh, fw, stride, pad in COL2IM_CASES:
        n, c, h, w = shape
        rows = n * _out_size(h, fh, stride, pad) * _out_size(w, fw, stride, pad)
        c_in = rng.standard_normal((rows, c * fh * fw))
        back, (c_after, *_) = col2im.call_keep_args("__call__", c_in, shape, fh, fw, stride, pad)
        what = tr(
            "col2im to shape {shape} with {fh}x{fw} filters, {setting}",
            shape=shape,
            fh=fh,
            fw=fw,
            setting=_setting(stride, pad),
        )
        hint = (
            tr(" (where windows overlap, their values must be summed)")
            if stride < max(fh, fw)
            else ""
        )
        close(array(back, what, shape), ref.col2im(c_in, shape, fh, fw, stride, pad), what + hint)
        unchanged(c_in, c_after, tr("{arg} given to {name}", arg="col", name="col2im"))
    _dtype_kept(col2im(c_in.astype(np.float32), shape, fh, fw, stride, pad), "col2im")


# ---------------------------------------------------------------------------------------
# Convolution

CONV_FORWARD_CASES = [
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0),
    ((3, 2, 9, 8), (5, 2, 3, 2), 2, 1),
    ((1, 2, 6, 6), (2, 2, 4, 4), 1, 2),
    ((2, 2, 7, 8), (3, 2, 2, 3), 3, 2),
]


def _conv_what(x_shape: tuple, w_shape: tuple, stride: int, pad: int) -> str:
    return tr(
        "x of shape {x_shape}, W of shape {w_shape}, {setting}",
        x_shape=x_shape,
        w_shape=w_shape,
        setting=_setting(stride, pad),
    )


@SUITE.check("a5_conv_forward", own=("Convolution",), uses=("im2col", "col2im"))
def conv_forward(s: Session) -> None:
    rng = _rng(4)
    Convolution = s.get("Convolution")
    for x_shape, w_shape, stride, pad in CONV_FORWARD_CASES:
        W, b = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
        x = rng.standard_normal(x_shape)
        expected = ref.Convolution(W, b, stride, pad).forward(x)
        layer = Convolution(W, b, stride=stride, pad=pad)
        out, (x_after,) = layer.call_keep_args("forward", x)
        case = _conv_what(x_shape, w_shape, stride, pad)
        what = tr("{name} for {case}", name="Convolution.forward", case=case)
        close(array(out, what, expected.shape), expected, what)
        unchanged(x, x_after, tr("the input of {name}", name="Convolution.forward"))
    x = rng.standard_normal((2, 3, 4, 5))
    identity = np.zeros((3, 3, 1, 1))
    identity[[0, 1, 2], [0, 1, 2]] = 1.0
    bias = np.array([0.0, 10.0, 0.0])
    what = tr("a 1x1 convolution with identity filters")
    out = array(Convolution(identity, bias).call("forward", x), what, x.shape)
    close(
        out,
        x + bias[:, None, None],
        tr(
            "{what} must return the input plus the bias per channel "
            "(mind the axis order of the output: (N, FN, out_h, out_w))",
            what=what,
        ),
    )


CONV_BACKWARD_CASES = [
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 1),
    ((2, 2, 7, 6), (3, 2, 3, 2), 2, 1),
    ((1, 3, 6, 6), (2, 3, 4, 4), 1, 2),
    ((2, 2, 7, 8), (3, 2, 2, 3), 3, 2),
    ((2, 2, 5, 5), (2, 2, 2, 2), 2, 0),
]


def _conv_backward(s: Session, grad: str, offset: int) -> None:
    rng = _rng(offset)
    Convolution = s.get("Convolution")
    for x_shape, w_shape, stride, pad in CONV_BACKWARD_CASES:
        W, b = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
        x = rng.standard_normal(x_shape)
        reference = ref.Convolution(W, b, stride, pad)
        dout = rng.standard_normal(reference.forward(x).shape)
        layer = Convolution(W, b, stride=stride, pad=pad)
        case = _conv_what(x_shape, w_shape, stride, pad)
        name = tr("{grad} of {name}.backward", grad=grad, name="Convolution")
        what = tr("{name} for {case}", name=name, case=case)
        backward_matches(layer, "Convolution", reference, x, dout, grad, what)


@SUITE.check("a5_conv_dx", own=("Convolution",), uses=("im2col", "col2im"))
def conv_dx(s: Session) -> None:
    _conv_backward(s, "dx", 5)


@SUITE.check("a5_conv_dW", own=("Convolution",), uses=("im2col", "col2im"))
def conv_dw(s: Session) -> None:
    _conv_backward(s, "dW", 6)


@SUITE.check("a5_conv_db", own=("Convolution",), uses=("im2col", "col2im"))
def conv_db(s: Session) -> None:
    _conv_backward(s, "db", 7)


# ---------------------------------------------------------------------------------------
# Pooling

POOL_FORWARD_CASES = [
    ((2, 3, 6, 6), 2, 2, 2),
    ((3, 2, 7, 5), 3, 2, 1),
    ((1, 4, 8, 8), 3, 3, 2),
    ((2, 2, 7, 7), 2, 2, 2),
]


def _pool_what(shape: tuple, ph: int, pw: int, stride: int) -> str:
    return tr(
        "x of shape {shape}, {ph}x{pw} windows, stride {stride}",
        shape=shape,
        ph=ph,
        pw=pw,
        stride=stride,
    )


@SUITE.check("a5_pool_forward", own=("Pooling",), uses=("im2col", "col2im"))
def pool_forward(s: Session) -> None:
    rng = _rng(8)
    Pooling = s.get("Pooling")
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    what = tr("2x2 pooling with stride 2 of arange(32) in shape (1, 2, 4, 4)")
    out = array(Pooling(2, 2, stride=2).call("forward", x), what, (1, 2, 2, 2))
    close(
        out,
        ref.Pooling(2, 2, 2).forward(x),
        tr("{what}: expected the maximum of each window", what=what),
    )
    for shape, ph, pw, stride in POOL_FORWARD_CASES:
        x = rng.standard_normal(shape)
        reference = ref.Pooling(ph, pw, stride)
        expected = reference.forward(x)
        layer = Pooling(ph, pw, stride=stride)
        out, (x_after,) = layer.call_keep_args("forward", x)
        case = _pool_what(shape, ph, pw, stride)
        what = tr("{name} for {case}", name="Pooling.forward", case=case)
        close(array(out, what, expected.shape), expected, what)
        unchanged(x, x_after, tr("the input of {name}", name="Pooling.forward"))
        what = tr("{name} for {case}", name="Pooling.arg_max (N * out_h * out_w * C,)", case=case)
        ref_arg_max = reference.arg_max
        assert ref_arg_max is not None  # the reference's forward has run
        arg_max = array(layer.get("arg_max"), what, ref_arg_max.shape)
        if not np.array_equal(arg_max, ref_arg_max):
            fail(
                "{what}: one entry per window in the order (N, out_h, out_w, C), each "
                "the position of the window's maximum, row by row (row * pool_w + "
                "column, the first of equal values)",
                what=what,
            )


POOL_BACKWARD_CASES = [
    ((2, 3, 4, 4), 2, 2, 2),
    ((2, 3, 5, 5), 3, 3, 1),
    ((3, 2, 7, 5), 3, 2, 2),
    ((1, 2, 6, 7), 2, 3, 1),
]


@SUITE.check("a5_pool_backward", own=("Pooling",), uses=("im2col", "col2im"))
def pool_backward(s: Session) -> None:
    rng = _rng(9)
    Pooling = s.get("Pooling")
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    layer = Pooling(2, 2, stride=2)
    layer.call("forward", x)
    what = tr("dx of 2x2 pooling with stride 2 for dout = ones")
    dx = array(layer.call("backward", np.ones((1, 2, 2, 2))), what, x.shape)
    expected = np.zeros(x.shape)
    expected[:, :, 1::2, 1::2] = 1.0
    close(
        dx,
        expected,
        tr("{what}: the gradient must go to each window's maximum only", what=what),
    )
    for shape, ph, pw, stride in POOL_BACKWARD_CASES:
        x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01  # no ties
        reference = ref.Pooling(ph, pw, stride)
        dout = rng.standard_normal(reference.forward(x).shape)
        layer = Pooling(ph, pw, stride=stride)
        hint = tr(" (overlapping windows add their gradients)") if stride < max(ph, pw) else ""
        case = _pool_what(shape, ph, pw, stride)
        name = tr("{grad} of {name}.backward", grad="dx", name="Pooling")
        what = tr("{name} for {case}", name=name, case=case) + hint
        backward_matches(layer, "Pooling", reference, x, dout, "dx", what)
