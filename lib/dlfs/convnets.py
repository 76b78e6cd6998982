"""Where the convolutional networks are defined: :class:`SimpleConvNet` and :class:`DeepConvNet`.

Import them from :mod:`dlfs.networks`, the one public home of every network class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlfs._checks import int_at_least
from dlfs.conv import conv_output_size
from dlfs.fastconv import FastConvolution, FastPooling
from dlfs.layers import Affine, Dropout, Relu
from dlfs.netbase import Network, init_std

__all__ = ["DEEP_CONV_PARAMS", "SIMPLE_CONV_PARAM"]

_CONV_KEYS = ("filter_num", "filter_size", "pad", "stride")

#: Default convolution settings of :class:`SimpleConvNet`.
SIMPLE_CONV_PARAM: dict[str, int] = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}

#: Default convolutions of :class:`DeepConvNet`: 3x3 filters, padding 1, stride 1.
DEEP_CONV_PARAMS: tuple[dict[str, int], ...] = tuple(
    {"filter_num": n, "filter_size": 3, "pad": 1, "stride": 1} for n in (16, 16, 32, 32, 64, 64)
)


def _conv_setting(param: Mapping[str, int] | None, default: Mapping[str, int], who: str) -> dict:
    """Merge ``param`` into ``default`` and check the values."""
    unknown = sorted(set(param or {}) - set(_CONV_KEYS))
    if unknown:
        raise ValueError(f"{who}: unknown conv_param keys {unknown}; expected {list(_CONV_KEYS)}")
    setting = {**default, **(param or {})}
    for key in ("filter_num", "filter_size", "stride"):
        setting[key] = int_at_least(setting[key], 1, f"conv_param[{key!r}]", who)
    pad = setting["pad"]
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError(f"{who}: conv_param['pad'] must be an integer >= 0, got {pad!r}")
    setting["pad"] = int(pad)
    return setting


def _input_dim(input_dim: Sequence[int], who: str) -> tuple[int, int, int]:
    if len(input_dim) != 3:
        raise ValueError(f"{who}: input_dim must be (C, H, W), got {tuple(input_dim)}")
    c, h, w = (int_at_least(d, 1, "each entry of input_dim", who) for d in input_dim)
    return c, h, w


def _out_shape(
    shape: tuple[int, ...], channels: int, size: int, stride: int, pad: int, who: str
) -> tuple[int, int, int]:
    """(C, H, W) after a convolution or pooling window; rounds down as the layers do."""
    try:
        h, w = (conv_output_size(n, size, stride, pad, allow_remainder=True) for n in shape[1:])
    except ValueError as err:
        raise ValueError(
            f"{who}: a {size}x{size} window with pad {pad} does not fit an input of "
            f"{shape[1]}x{shape[2]} ({err})"
        ) from None
    return channels, h, w


def _conv_out(shape: tuple[int, ...], s: Mapping[str, int], who: str) -> tuple[int, int, int]:
    """(C, H, W) after a convolution with setting ``s``."""
    return _out_shape(shape, s["filter_num"], s["filter_size"], s["stride"], s["pad"], who)


def _pool_out(shape: tuple[int, ...], who: str) -> tuple[int, int, int]:
    """(C, H, W) after 2x2 max pooling with stride 2 (odd sizes lose their last row)."""
    return _out_shape(shape, shape[0], 2, 2, 0, who)


class SimpleConvNet(Network):
    """Conv - ReLU - Pool - Affine - ReLU - Affine - Softmax.

    Pooling is 2x2 max pooling with stride 2.

    Parameters
    ----------
    input_dim : tuple of int (C, H, W), default (1, 28, 28)
    conv_param : dict, optional
        ``filter_num``, ``filter_size``, ``pad`` and ``stride`` of the convolution; missing
        entries default to 30, 5, 0 and 1.
    hidden_size : int, default 100
    output_size : int, default 10
    weight_init_std : float or str, default 0.01
        A number, or ``"he"`` / ``"xavier"`` (see :func:`dlfs.netbase.init_std`).
    rng : numpy.random.Generator or int, optional
        Keyword only.
    dtype : numpy dtype, default float64
        Keyword only. float32 trains about twice as fast.

    Attributes
    ----------
    params : dict
        ``W1`` (FN, C, FH, FW), ``b1`` (FN,), ``W2`` (FN * pool_h * pool_w, hidden_size),
        ``b2``, ``W3`` (hidden_size, output_size), ``b3``.
    """

    def __init__(
        self,
        input_dim: Sequence[int] = (1, 28, 28),
        conv_param: Mapping[str, int] | None = None,
        hidden_size: int = 100,
        output_size: int = 10,
        weight_init_std: float | str = 0.01,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        who = type(self).__name__
        shape = _input_dim(input_dim, who)
        s = _conv_setting(conv_param, SIMPLE_CONV_PARAM, who)
        hidden = int_at_least(hidden_size, 1, "hidden_size", who)
        output = int_at_least(output_size, 1, "output_size", who)
        super().__init__(shape, flat_input=False, rng=rng, dtype=dtype)
        self.conv_param = s
        pooled = _pool_out(_conv_out(shape, s, who), who)

        fs, fn = s["filter_size"], s["filter_num"]
        fan_ins = (shape[0] * fs * fs, int(np.prod(pooled)), hidden)
        weight_shapes = ((fn, shape[0], fs, fs), (fan_ins[1], hidden), (hidden, output))
        for i, (fan_in, w_shape) in enumerate(zip(fan_ins, weight_shapes, strict=True), 1):
            self._add_param(f"W{i}", self._normal(init_std(weight_init_std, fan_in, who), w_shape))
            self._add_param(f"b{i}", np.zeros(w_shape[0] if i == 1 else w_shape[1]))

        p = self.params
        # the first layer's input is the data, which needs no gradient
        conv = FastConvolution(p["W1"], p["b1"], stride=s["stride"], pad=s["pad"], input_grad=False)
        self._add_layer("Conv1", conv, {"W1": "dW", "b1": "db"})
        self._add_layer("Relu1", Relu())
        self._add_layer("Pool1", FastPooling(pool_h=2, pool_w=2, stride=2))
        self._add_layer("Affine1", Affine(p["W2"], p["b2"]), {"W2": "dW", "b2": "db"})
        self._add_layer("Relu2", Relu())
        self._add_layer("Affine2", Affine(p["W3"], p["b3"]), {"W3": "dW", "b3": "db"})


class DeepConvNet(Network):
    """The textbook's deep CNN, He-initialised.

    ``(conv - relu - conv - relu - pool) x 3 - affine - relu - dropout - affine - dropout -
    softmax``, with 2x2 max pooling (stride 2).

    Parameters
    ----------
    input_dim : tuple of int (C, H, W), default (1, 28, 28)
    conv_params : sequence of 6 dicts, optional
        Settings of the six convolutions (``filter_num``, ``filter_size``, ``pad``,
        ``stride``); :data:`DEEP_CONV_PARAMS` (16, 16, 32, 32, 64, 64 filters of 3x3, pad 1)
        when None. Missing entries are taken from those defaults. (The textbook pads the
        fourth convolution by 2; pass that here to reproduce its shapes exactly.)
    hidden_size : int, default 50
    output_size : int, default 10
    dropout_ratio : float, default 0.5
        Keyword only, like the arguments below.
    weight_init_std : float or str, default "he"
        ``sqrt(2 / fan_in)`` with ``fan_in = C * FH * FW`` for convolutions.
    rng : numpy.random.Generator or int, optional
        Draws the initial weights and the dropout masks.
    dtype : numpy dtype, default float64

    Attributes
    ----------
    params : dict
        ``W1 ... W6`` (FN, C, FH, FW) and ``b1 ... b6`` for the convolutions, ``W7``,
        ``b7``, ``W8``, ``b8`` for the affine layers.
    """

    def __init__(
        self,
        input_dim: Sequence[int] = (1, 28, 28),
        conv_params: Sequence[Mapping[str, int]] | None = None,
        hidden_size: int = 50,
        output_size: int = 10,
        *,
        dropout_ratio: float = 0.5,
        weight_init_std: float | str = "he",
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        who = type(self).__name__
        shape = _input_dim(input_dim, who)
        given = DEEP_CONV_PARAMS if conv_params is None else list(conv_params)
        if len(given) != len(DEEP_CONV_PARAMS):
            raise ValueError(
                f"{who}: conv_params must hold {len(DEEP_CONV_PARAMS)} dicts, one per "
                f"convolution, got {len(given)}"
            )
        settings = [_conv_setting(g, d, who) for g, d in zip(given, DEEP_CONV_PARAMS, strict=True)]
        hidden = int_at_least(hidden_size, 1, "hidden_size", who)
        output = int_at_least(output_size, 1, "output_size", who)
        super().__init__(shape, flat_input=False, rng=rng, dtype=dtype)
        self.conv_params = settings

        current: tuple[int, ...] = shape
        for i, s in enumerate(settings, 1):
            fs = s["filter_size"]
            fan_in = current[0] * fs * fs
            std = init_std(weight_init_std, fan_in, who)
            W = self._add_param(f"W{i}", self._normal(std, (s["filter_num"], current[0], fs, fs)))
            b = self._add_param(f"b{i}", np.zeros(s["filter_num"]))
            conv = FastConvolution(W, b, stride=s["stride"], pad=s["pad"], input_grad=i > 1)
            self._add_layer(f"Conv{i}", conv, {f"W{i}": "dW", f"b{i}": "db"})
            self._add_layer(f"Relu{i}", Relu())
            current = _conv_out(current, s, who)
            if i % 2 == 0:
                self._add_layer(f"Pool{i // 2}", FastPooling(pool_h=2, pool_w=2, stride=2))
                current = _pool_out(current, who)

        sizes = (int(np.prod(current)), hidden, output)
        for j, i in enumerate((7, 8)):
            std = init_std(weight_init_std, sizes[j], who)
            W = self._add_param(f"W{i}", self._normal(std, (sizes[j], sizes[j + 1])))
            b = self._add_param(f"b{i}", np.zeros(sizes[j + 1]))
            self._add_layer(f"Affine{j + 1}", Affine(W, b), {f"W{i}": "dW", f"b{i}": "db"})
            if i == 7:
                self._add_layer(f"Relu{len(settings) + 1}", Relu())
            self._add_layer(f"Dropout{j + 1}", Dropout(dropout_ratio, rng=self.rng))
