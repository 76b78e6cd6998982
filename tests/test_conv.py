"""Tests for dlfs.conv and dlfs.fastconv: a registry of cases, every check over it.

The reference implementations here loop over every sample, filter and output pixel; they
are slow and obviously right, which is the point. Every check runs on the readable layers
of :mod:`dlfs.conv` and on their fast twins in :mod:`dlfs.fastconv`, and a property test
checks that the two agree.
"""

from __future__ import annotations

import dlfs.fastconv as fastconv_module
import numpy as np
import pytest
from dlfs.conv import Convolution, Pooling, col2im, conv_output_size, im2col
from dlfs.fastconv import FastConvolution, FastPooling
from dlfs.gradient import numerical_gradient, rel_error
from hypothesis import assume, given, settings
from hypothesis import strategies as st

H = 1e-5  # finite-difference step of the gradient checks
TOL = 1e-7  # largest relative error allowed between backward and numerical gradients

# name: (convolution class, pooling class)
IMPLS = {"readable": (Convolution, Pooling), "fast": (FastConvolution, FastPooling)}

# name: (x shape (N, C, H, W), W shape (FN, C, FH, FW), stride, pad)
CONV_CASES = {
    "3x3-pad1": ((2, 3, 6, 6), (4, 3, 3, 3), 1, 1),  # overlapping windows, shifted grid
    "5x5-one-channel": ((2, 1, 8, 8), (3, 1, 5, 5), 1, 0),  # like SimpleConvNet
    "stride2-pad1": ((2, 2, 7, 7), (3, 2, 3, 3), 2, 1),  # stride < filter: overlaps
    "non-square": ((2, 2, 6, 7), (3, 2, 2, 3), 1, 2),
    "non-square-stride3": ((1, 2, 9, 8), (2, 2, 3, 2), 3, 0),  # stride > filter: gaps
    "remainder": ((2, 2, 8, 8), (2, 2, 3, 3), 2, 0),  # last row/column unused
    "filter-fills-input": ((2, 2, 4, 5), (3, 2, 4, 5), 1, 0),  # 1x1 output, compact path
    "1x1": ((2, 3, 4, 4), (2, 3, 1, 1), 1, 0),
}

# name: (x shape, pool_h, pool_w, stride, pad)
POOL_CASES = {
    "2x2-stride2": ((2, 3, 6, 6), 2, 2, 2, 0),
    "3x3-stride2-overlap": ((2, 2, 7, 7), 3, 3, 2, 0),
    "2x3-stride1": ((2, 2, 5, 6), 2, 3, 1, 0),
    "2x2-pad1": ((1, 2, 4, 4), 2, 2, 2, 1),
    "gaps": ((1, 2, 7, 7), 2, 2, 3, 0),  # stride > window: some pixels in no window
    "odd-size": ((2, 2, 7, 7), 2, 2, 2, 0),  # rounds down to 3x3 like the textbook
}


# --------------------------------------------------------------------------- references


def pad_images(x: np.ndarray, pad: int) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def out_size(size: int, window: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - window) // stride + 1


def naive_conv(x, W, b, stride, pad):
    """Forward and a backward closure, by loops over samples, filters and output pixels."""
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh, ow = out_size(h, fh, stride, pad), out_size(w, fw, stride, pad)
    xp = pad_images(x, pad)
    out = np.zeros((n, fn, oh, ow), np.result_type(x, W))
    for i in range(n):
        for f in range(fn):
            for r in range(oh):
                for s in range(ow):
                    window = xp[i, :, r * stride : r * stride + fh, s * stride : s * stride + fw]
                    out[i, f, r, s] = np.sum(window * W[f]) + b[f]

    def backward(dout):
        dxp, dW = np.zeros_like(xp), np.zeros_like(W)
        for i in range(n):
            for f in range(fn):
                for r in range(oh):
                    for s in range(ow):
                        rows = slice(r * stride, r * stride + fh)
                        cols = slice(s * stride, s * stride + fw)
                        dxp[i, :, rows, cols] += dout[i, f, r, s] * W[f]
                        dW[f] += dout[i, f, r, s] * xp[i, :, rows, cols]
        return dxp[:, :, pad : pad + h, pad : pad + w], dW, dout.sum(axis=(0, 2, 3))

    return out, backward


def naive_pool(x, pool_h, pool_w, stride, pad):
    """Max pooling and its backward by loops; the first maximum of a window wins ties."""
    n, c, h, w = x.shape
    oh, ow = out_size(h, pool_h, stride, pad), out_size(w, pool_w, stride, pad)
    xp = pad_images(x, pad)
    out = np.zeros((n, c, oh, ow), x.dtype)
    where = {}
    for i in range(n):
        for ch in range(c):
            for r in range(oh):
                for s in range(ow):
                    rows = slice(r * stride, r * stride + pool_h)
                    window = xp[i, ch, rows, s * stride : s * stride + pool_w]
                    k = int(np.argmax(window))
                    out[i, ch, r, s] = window.flat[k]
                    where[i, ch, r, s] = (r * stride + k // pool_w, s * stride + k % pool_w)

    def backward(dout):
        dxp = np.zeros_like(xp)
        for (i, ch, r, s), (u, v) in where.items():
            dxp[i, ch, u, v] += dout[i, ch, r, s]
        return dxp[:, :, pad : pad + h, pad : pad + w]

    return out, backward


def assert_conv_matches_naive(layer, x, rng, rtol=1e-10, atol=1e-12):
    """Forward and backward of ``layer`` on ``x`` equal the loop reference, dtypes kept."""
    out = layer.forward(x)
    expected, naive_backward = naive_conv(x, layer.W, layer.b, layer.stride, layer.pad)
    dout = rng.standard_normal(out.shape).astype(x.dtype)
    dx = layer.backward(dout)
    wanted = (expected, *naive_backward(dout))
    for got, want in zip((out, dx, layer.dW, layer.db), wanted, strict=True):
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def naive_im2col(x, fh, fw, stride, pad):
    n, _, h, w = x.shape
    oh, ow = out_size(h, fh, stride, pad), out_size(w, fw, stride, pad)
    xp = pad_images(x, pad)
    rows = [
        xp[i, :, r * stride : r * stride + fh, s * stride : s * stride + fw].ravel()
        for i in range(n)
        for r in range(oh)
        for s in range(ow)
    ]
    return np.array(rows)


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """float64 values at least 0.05 apart, so no max-pooling window has a near tie."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.05 - size * 0.02 + rng.uniform(0, 0.01, size)).reshape(shape)


def make_conv(name: str, rng: np.random.Generator, dtype=np.float64, impl="readable"):
    x_shape, w_shape, stride, pad = CONV_CASES[name]
    W = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    layer = IMPLS[impl][0](W, b, stride=stride, pad=pad)
    return layer, rng.standard_normal(x_shape).astype(dtype)


def make_pool(name: str, rng: np.random.Generator, dtype=np.float64, impl="readable"):
    x_shape, ph, pw, stride, pad = POOL_CASES[name]
    layer = IMPLS[impl][1](ph, pw, stride=stride, pad=pad)
    return layer, distinct_values(rng, x_shape).astype(dtype)


# --------------------------------------------------------------------------- conv_output_size


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((28, 5), 24),
        ((28, 3, 1, 1), 28),
        ((28, 2, 2), 14),
        ((7, 3, 2, 1), 4),
        ((5, 5), 1),
        ((4, 1), 4),
        ((1, 3, 1, 1), 1),
    ],
)
def test_conv_output_size(args, expected):
    assert conv_output_size(*args) == expected


def test_conv_output_size_rounds_down_only_when_allowed():
    assert conv_output_size(7, 2, 2, allow_remainder=True) == 3
    with pytest.raises(ValueError, match=r"do not tile.*not a multiple of 2.*allow_remainder"):
        conv_output_size(7, 2, 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((4, 5), r"filter of size 5 is larger than the padded input \(4 \+ 2\*0 = 4\)"),
        ((3, 7, 1, 1), r"larger than the padded input \(3 \+ 2\*1 = 5\)"),
        ((28, 5, 2), r"do not tile"),
        ((28, 3, 0), r"stride must be a positive integer, got 0"),
        ((28, 3, 1, -1), r"pad must be an integer >= 0, got -1"),
        ((28.0, 3), r"input_size must be a positive integer, got 28.0"),
        ((28, True), r"filter_size must be a positive integer, got True"),
    ],
)
def test_conv_output_size_errors(args, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args)


# --------------------------------------------------------------------------- im2col / col2im


@pytest.mark.parametrize("name", CONV_CASES)
def test_im2col_matches_naive_layout(name):
    x_shape, (_, _, fh, fw), stride, pad = CONV_CASES[name]
    x = np.random.default_rng(0).standard_normal(x_shape)
    col = im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, naive_im2col(x, fh, fw, stride, pad))


def test_im2col_keeps_dtype_and_example_shape():
    x = np.ones((10, 3, 7, 7), np.float32)
    col = im2col(x, 5, 5, stride=1, pad=0)
    assert col.shape == (90, 75)
    assert col.dtype == np.float32
    assert col2im(col, x.shape, 5, 5).dtype == np.float32


@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    fh=st.integers(1, 4),
    fw=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=25, deadline=None)
def test_col2im_is_adjoint_of_im2col(n, c, h, w, fh, fw, stride, pad, seed):
    assume(fh <= h + 2 * pad and fw <= w + 2 * pad)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    col = im2col(x, fh, fw, stride, pad)
    c_mat = rng.standard_normal(col.shape)
    back = col2im(c_mat, x.shape, fh, fw, stride, pad)
    assert back.shape == x.shape
    assert np.isclose(np.sum(col * c_mat), np.sum(x * back), rtol=1e-12, atol=1e-12)


def test_col2im_accumulates_overlaps():
    # every pixel of a 3x3 image is covered by as many 2x2 windows as touch it
    col = im2col(np.ones((1, 1, 3, 3)), 2, 2)
    counts = col2im(col, (1, 1, 3, 3), 2, 2)
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_col2im_rejects_wrong_col_shape():
    message = r"col must have shape \(N\*OH\*OW, C\*FH\*FW\) = \(18, 18\)"
    with pytest.raises(ValueError, match=message):
        col2im(np.zeros((8, 27)), (2, 2, 3, 3), 3, 3, pad=1)


# --------------------------------------------------------------------------- Convolution


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CONV_CASES)
def test_convolution_matches_naive(name, dtype, impl):
    rng = np.random.default_rng(1)
    layer, x = make_conv(name, rng, dtype, impl)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {}
    assert_conv_matches_naive(layer, x, rng, **tol)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", CONV_CASES)
def test_convolution_backward_matches_numerical_gradient(name, impl):
    rng = np.random.default_rng(2)
    layer, x = make_conv(name, rng, impl=impl)
    dout = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(dout)
    dW, db = layer.dW, layer.db
    loss = lambda: float(np.sum(layer.forward(x) * dout))
    assert rel_error(dx, numerical_gradient(loss, x, h=H)) < TOL
    assert rel_error(dW, numerical_gradient(loss, layer.W, h=H)) < TOL
    assert rel_error(db, numerical_gradient(loss, layer.b, h=H)) < TOL


@pytest.mark.parametrize("name", CONV_CASES)
def test_fast_layer_without_input_grad_gives_the_same_dw_and_db_and_no_dx(name):
    rng = np.random.default_rng(3)
    layer, x = make_conv(name, rng, impl="fast")
    first = FastConvolution(layer.W, layer.b, layer.stride, layer.pad, input_grad=False)
    dout = rng.standard_normal(layer.forward(x).shape)
    layer.backward(dout)
    first.forward(x)
    assert first.backward(dout) is None
    np.testing.assert_array_equal(first.dW, layer.dW)
    np.testing.assert_array_equal(first.db, layer.db)


@given(
    n=st.integers(1, 2),
    c=st.integers(1, 2),
    fn=st.integers(1, 2),
    h=st.integers(2, 6),
    w=st.integers(2, 6),
    fh=st.integers(1, 3),
    fw=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=8, deadline=None)
@pytest.mark.parametrize("impl", IMPLS)
def test_convolution_gradients_property(impl, n, c, fn, h, w, fh, fw, stride, pad, seed):
    assume(fh <= h + 2 * pad and fw <= w + 2 * pad)
    rng = np.random.default_rng(seed)
    W, b = rng.standard_normal((fn, c, fh, fw)), rng.standard_normal(fn)
    layer = IMPLS[impl][0](W, b, stride, pad)
    x = rng.standard_normal((n, c, h, w))
    dout = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(dout)
    dW, db = layer.dW, layer.db
    loss = lambda: float(np.sum(layer.forward(x) * dout))
    assert rel_error(dx, numerical_gradient(loss, x, h=H)) < TOL
    assert rel_error(dW, numerical_gradient(loss, layer.W, h=H)) < TOL
    assert rel_error(db, numerical_gradient(loss, layer.b, h=H)) < TOL


@pytest.mark.parametrize("name", CONV_CASES)
def test_convolution_in_many_small_blocks_matches_naive(name, monkeypatch):
    # the stride-1 grid builds and uses its columns a block at a time; with tiny blocks
    # every case crosses block boundaries mid-row and mid-image
    monkeypatch.setattr(fastconv_module, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(fastconv_module, "_MIN_BLOCK_COLUMNS", 7)
    rng = np.random.default_rng(8)
    layer, x = make_conv(name, rng, impl="fast")
    assert_conv_matches_naive(layer, x, rng)


def test_one_convolution_layer_serves_batches_and_images_of_other_sizes():
    # work arrays are kept between calls; a new shape must not see an old layout's values
    rng = np.random.default_rng(9)
    layer = FastConvolution(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), pad=1)
    for shape in [(4, 2, 6, 6), (3, 2, 6, 6), (4, 2, 5, 7), (4, 2, 7, 5), (4, 2, 6, 6)]:
        assert_conv_matches_naive(layer, rng.standard_normal(shape), rng)


def test_convolution_registry_covers_both_layouts():
    # the stride-1 "shifted grid" and the compact layout are separate code paths
    paths = set()
    for name in CONV_CASES:
        layer, x = make_conv(name, np.random.default_rng(0), impl="fast")
        layer.forward(x)
        paths.add(layer._cache["grid"] is not None)
    assert paths == {True, False}


# --------------------------------------------------------------------------- Pooling


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", POOL_CASES)
def test_pooling_matches_naive(name, dtype, impl):
    rng = np.random.default_rng(3)
    layer, x = make_pool(name, rng, dtype, impl)
    out = layer.forward(x)
    expected, naive_backward = naive_pool(x, layer.pool_h, layer.pool_w, layer.stride, layer.pad)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = layer.backward(dout)
    assert out.dtype == dx.dtype == dtype
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(dx, naive_backward(dout), rtol=1e-6)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", POOL_CASES)
def test_pooling_backward_matches_numerical_gradient(name, impl):
    rng = np.random.default_rng(4)
    layer, x = make_pool(name, rng, impl=impl)
    dout = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(dout)
    loss = lambda: float(np.sum(layer.forward(x) * dout))
    assert rel_error(dx, numerical_gradient(loss, x, h=H)) < TOL


@given(
    h=st.integers(2, 7),
    w=st.integers(2, 7),
    ph=st.integers(1, 3),
    pw=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=10, deadline=None)
@pytest.mark.parametrize("impl", IMPLS)
def test_pooling_gradients_property(impl, h, w, ph, pw, stride, pad, seed):
    assume(ph <= h + 2 * pad and pw <= w + 2 * pad)
    rng = np.random.default_rng(seed)
    layer, x = IMPLS[impl][1](ph, pw, stride, pad), distinct_values(rng, (2, 2, h, w))
    dout = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(dout)
    loss = lambda: float(np.sum(layer.forward(x) * dout))
    assert rel_error(dx, numerical_gradient(loss, x, h=H)) < TOL


@pytest.mark.parametrize("impl", IMPLS)
def test_pooling_ties_route_gradient_to_first_maximum(impl):
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1, 3], [3, 2]]  # a tie between two 3s in the last window
    layer = IMPLS[impl][1](2, 2, stride=2)
    layer.forward(x)
    # readable: one entry per window in im2col's row order; fast: (N, C, OH, OW)
    np.testing.assert_array_equal(layer.arg_max.reshape(2, 2), [[0, 0], [0, 1]])
    dx = layer.backward(np.full((1, 1, 2, 2), 5.0))
    expected = np.zeros((4, 4))
    expected[0, 0] = expected[0, 2] = expected[2, 0] = expected[2, 3] = 5.0
    np.testing.assert_array_equal(dx[0, 0], expected)


# --------------------------------------------------------------------------- both layers

LAYERS = {
    f"{impl}-conv-{name}": (make_conv, name, impl) for impl in IMPLS for name in CONV_CASES
} | {f"{impl}-pool-{name}": (make_pool, name, impl) for impl in IMPLS for name in POOL_CASES}


@pytest.mark.parametrize("key", LAYERS)
def test_inputs_and_dout_are_not_modified(key):
    make, name, impl = LAYERS[key]
    rng = np.random.default_rng(5)
    layer, x = make(name, rng, impl=impl)
    params = [np.copy(getattr(layer, a)) for a in ("W", "b") if hasattr(layer, a)]
    x_copy = x.copy()
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dout, dout_copy)
    for a, p in zip(("W", "b"), params, strict=False):
        np.testing.assert_array_equal(getattr(layer, a), p)


@pytest.mark.parametrize("key", LAYERS)
def test_results_are_not_overwritten_by_later_calls(key):
    # the layers keep work arrays between calls; what they return must stay intact
    make, name, impl = LAYERS[key]
    rng = np.random.default_rng(6)
    layer, x = make(name, rng, impl=impl)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    saved = [a.copy() for a in (out, dx)]
    layer.forward(x + 1.5)
    layer.backward(2 * dout)
    for a, b in zip((out, dx), saved, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("key", LAYERS)
def test_float32_stays_float32(key):
    make, name, impl = LAYERS[key]
    rng = np.random.default_rng(7)
    layer, x = make(name, rng, np.float32, impl)
    out = layer.forward(x)
    dx = layer.backward(rng.standard_normal(out.shape).astype(np.float32))
    grads = [getattr(layer, g) for g in ("dW", "db") if hasattr(layer, g)]
    assert all(a.dtype == np.float32 for a in (out, dx, *grads))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("impl", IMPLS)
def test_convolution_channel_mismatch_message(impl):
    layer = IMPLS[impl][0](np.zeros((30, 1, 5, 5)), np.zeros(30))
    with pytest.raises(ValueError, match=r"Convolution: x has 3 channels but the filters expect 1"):
        layer.forward(np.zeros((2, 3, 28, 28)))


W351, ZEROS3 = np.zeros((3, 1, 5, 5)), np.zeros(3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Convolution(np.zeros((3, 5, 5)), ZEROS3), r"W must have shape \(FN, C, FH, FW\)"),
        (lambda: Convolution(W351, np.zeros(4)), r"b must have shape \(3,\)"),
        (lambda: Convolution(W351, ZEROS3, stride=0), r"stride must be a positive"),
        (lambda: Convolution(W351, ZEROS3, pad=-1), r"pad must be an integer >= 0"),
        (lambda: Pooling(0, 2), r"pool_h must be a positive integer, got 0"),
        (lambda: Pooling(2, 2, stride=1.5), r"stride must be a positive integer, got 1.5"),
    ],
)
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer",
    [cls(np.zeros((2, 1, 3, 3)), np.zeros(2)) for cls in (Convolution, FastConvolution)]
    + [cls(2, 2, stride=2) for cls in (Pooling, FastPooling)],
)
def test_bad_forward_and_backward_input(layer):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    with pytest.raises(ValueError, match=r"x must be a batch of images of shape \(N, C, H, W\)"):
        layer.forward(np.zeros((1, 6, 6)))
    with pytest.raises(ValueError, match=r"window with pad 0 does not fit an input of 2x1"):
        layer.forward(np.zeros((1, 1, 2, 1)))
    out = layer.forward(np.zeros((1, 1, 6, 6)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output"):
        layer.backward(np.zeros((out.shape[0] + 1, *out.shape[1:])))


# --------------------------------------------------------------------------- fast == readable


@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    fn=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    fh=st.integers(1, 4),
    fw=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_fast_convolution_equals_readable(n, c, fn, h, w, fh, fw, stride, pad, dtype, seed):
    assume(fh <= h + 2 * pad and fw <= w + 2 * pad)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((fn, c, fh, fw)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    readable, fast = Convolution(W, b, stride, pad), FastConvolution(W, b, stride, pad)
    out = readable.forward(x)
    dout = rng.standard_normal(out.shape).astype(dtype)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    got = (fast.forward(x), fast.backward(dout), fast.dW, fast.db)
    wanted = (out, readable.backward(dout), readable.dW, readable.db)
    for name, a, e in zip(("out", "dx", "dW", "db"), got, wanted, strict=True):
        assert a.shape == e.shape and a.dtype == e.dtype == dtype, name
        np.testing.assert_allclose(a, e, **tol, err_msg=name)


@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    ph=st.integers(1, 4),
    pw=st.integers(1, 4),
    stride=st.integers(1, 3),  # stride < window: overlapping windows
    pad=st.integers(0, 1),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_fast_pooling_equals_readable(n, c, h, w, ph, pw, stride, pad, dtype, seed):
    assume(ph <= h + 2 * pad and pw <= w + 2 * pad)
    rng = np.random.default_rng(seed)
    # small integers: many ties, which both must break towards the first maximum
    x = rng.integers(-3, 4, (n, c, h, w)).astype(dtype)
    readable, fast = Pooling(ph, pw, stride, pad), FastPooling(ph, pw, stride, pad)
    out = readable.forward(x)
    dout = rng.standard_normal(out.shape).astype(dtype)
    np.testing.assert_array_equal(fast.forward(x), out)
    dx = fast.backward(dout)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, readable.backward(dout), rtol=1e-6, atol=1e-6)
    oh, ow = out.shape[2:]
    arg = readable.arg_max.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(fast.arg_max, arg)


@pytest.mark.parametrize("impl", IMPLS)
def test_convolution_computes_in_the_promoted_dtype(impl):
    rng = np.random.default_rng(10)
    x32 = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    for w_dtype, expected in ((np.float32, np.float32), (np.float64, np.float64)):
        W = rng.standard_normal((3, 2, 3, 3)).astype(w_dtype)
        layer = IMPLS[impl][0](W, np.zeros(3, w_dtype), pad=1)
        out = layer.forward(x32)
        dx = layer.backward(np.ones(out.shape, expected))
        assert out.dtype == dx.dtype == layer.dW.dtype == layer.db.dtype == expected


@pytest.mark.parametrize("impl", IMPLS)
def test_convolution_accepts_a_scalar_bias_like_the_textbook(impl):
    rng = np.random.default_rng(11)
    W, x = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((1, 1, 5, 5))
    with_scalar = IMPLS[impl][0](W, 0.5)
    with_array = IMPLS[impl][0](W, np.full(2, 0.5))
    np.testing.assert_array_equal(with_scalar.forward(x), with_array.forward(x))
    assert with_scalar.b.shape == (2,)
