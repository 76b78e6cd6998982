"""Every network of the course: import them from here, the one public home of each class.

The fully connected networks are defined here, the convolutional ones
(:class:`SimpleConvNet`, :class:`DeepConvNet`) in :mod:`dlfs.convnets`. Every network has
``params`` (``"W1"``, ``"b1"``, ..., ``"gamma1"``, ``"beta1"`` for batch norm),
``predict(x, train_flg=False)``, ``loss(x, t, train_flg=False)``,
``accuracy(x, t, batch_size=100)``, ``gradient(x, t)`` (backpropagation),
``numerical_gradient(x, t)``, ``save_params(path)`` and ``load_params(path)``; these are
shared in :class:`dlfs.netbase.Network`. The layers use the arrays in ``params`` themselves,
so an optimizer that updates ``params`` in place trains the network.

Examples
--------
>>> import numpy as np
>>> net = TwoLayerNet(input_size=4, hidden_size=5, output_size=3, rng=0)
>>> x, t = np.ones((2, 4)), np.array([0, 2])
>>> sorted(net.gradient(x, t)) == sorted(net.params)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dlfs._checks import int_at_least
from dlfs.convnets import DeepConvNet, SimpleConvNet
from dlfs.layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid
from dlfs.netbase import Network, init_std

__all__ = ["TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend", "SimpleConvNet", "DeepConvNet"]

_ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


class TwoLayerNet(Network):
    """Affine - ReLU - Affine - Softmax: the textbook's first trainable network.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
    weight_init_std : float or str, default 0.01
        Standard deviation of the initial weights (biases start at 0); ``"he"`` /
        ``"xavier"`` as in :func:`dlfs.netbase.init_std`.
    rng : numpy.random.Generator or int, optional
        Keyword only, like every argument that the textbook's class does not have.
    dtype : numpy dtype, default float64
        Keyword only.

    Attributes
    ----------
    params : dict
        ``W1`` (input_size, hidden_size), ``b1`` (hidden_size,), ``W2`` (hidden_size,
        output_size), ``b2`` (output_size,).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str = 0.01,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        who = type(self).__name__
        sizes = [
            int_at_least(input_size, 1, "input_size", who),
            int_at_least(hidden_size, 1, "hidden_size", who),
            int_at_least(output_size, 1, "output_size", who),
        ]
        super().__init__((sizes[0],), flat_input=True, rng=rng, dtype=dtype)
        for i in (1, 2):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            std = init_std(weight_init_std, fan_in, who)
            self._add_param(f"W{i}", self._normal(std, (fan_in, fan_out)))
            self._add_param(f"b{i}", np.zeros(fan_out))
        p = self.params
        self._add_layer("Affine1", Affine(p["W1"], p["b1"]), {"W1": "dW", "b1": "db"})
        self._add_layer("Relu1", Relu())
        self._add_layer("Affine2", Affine(p["W2"], p["b2"]), {"W2": "dW", "b2": "db"})


class MultiLayerNet(Network):
    """Fully connected network: (Affine - activation) x L - Affine - Softmax.

    Parameters
    ----------
    input_size : int
    hidden_size_list : sequence of int
        Units of each hidden layer, e.g. ``[100, 100, 100]``.
    output_size : int
    activation : {"relu", "sigmoid"} or callable, default "relu"
        The layer after each hidden affine layer: a class (or any callable) that makes
        one, such as :class:`dlfs.layers.Relu`, or its name, the textbook's form.
    weight_init_std : float or str, default "relu"
        ``"relu"`` / ``"he"``: ``sqrt(2 / n)``; ``"sigmoid"`` / ``"xavier"``:
        ``sqrt(1 / n)`` with ``n`` the previous layer's size; or a number.
    weight_decay_lambda : float, default 0
        Adds ``0.5 * lambda * sum(W**2)`` over the weights ``W1 ... W{L+1}`` to the loss
        (and ``lambda * W`` to their gradients).
    rng : numpy.random.Generator or int, optional
        Keyword only.
    dtype : numpy dtype, default float64
        Keyword only.

    Attributes
    ----------
    params : dict
        ``W{i}``, ``b{i}`` for i = 1 ... L + 1.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str | Callable[[], Any] = "relu",
        weight_init_std: float | str = "relu",
        weight_decay_lambda: float = 0.0,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        self._build(
            input_size, hidden_size_list, output_size, activation, weight_init_std,
            weight_decay_lambda, rng, dtype,
        )  # fmt: skip

    def _build(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str | Callable[[], Any],
        weight_init_std: float | str,
        weight_decay_lambda: float,
        rng: np.random.Generator | int | None,
        dtype: Any,
        use_dropout: bool = False,
        dropout_ratio: float = 0.5,
        use_batchnorm: bool = False,
    ) -> None:
        who = type(self).__name__
        if isinstance(hidden_size_list, (int, np.integer)):
            raise TypeError(
                f"{who}: hidden_size_list must be a list of layer sizes, e.g. "
                f"[{hidden_size_list}], got the number {hidden_size_list}"
            )
        sizes = [int_at_least(input_size, 1, "input_size", who)]
        sizes += [int_at_least(n, 1, "each hidden size", who) for n in hidden_size_list]
        sizes.append(int_at_least(output_size, 1, "output_size", who))
        if callable(activation):
            make_activation = activation
        else:
            named = _ACTIVATIONS.get(str(activation).lower())
            if named is None:
                raise ValueError(
                    f"{who}: activation must be a layer class such as Relu or one of "
                    f"{list(_ACTIVATIONS)}, got {activation!r}"
                )
            make_activation = named
        super().__init__((sizes[0],), True, weight_decay_lambda, rng, dtype)
        self.input_size, self.output_size = sizes[0], sizes[-1]
        self.hidden_size_list = sizes[1:-1]
        self.hidden_layer_num = len(self.hidden_size_list)
        self.use_dropout, self.use_batchnorm = bool(use_dropout), bool(use_batchnorm)

        last = len(sizes) - 1
        for i in range(1, last + 1):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            std = init_std(weight_init_std, fan_in, who)
            W = self._add_param(f"W{i}", self._normal(std, (fan_in, fan_out)), decay=True)
            b = self._add_param(f"b{i}", np.zeros(fan_out))
            self._add_layer(f"Affine{i}", Affine(W, b), {f"W{i}": "dW", f"b{i}": "db"})
            if i == last:
                break
            if use_batchnorm:
                gamma = self._add_param(f"gamma{i}", np.ones(fan_out))
                beta = self._add_param(f"beta{i}", np.zeros(fan_out))
                self._add_layer(
                    f"BatchNorm{i}",
                    BatchNormalization(gamma, beta),
                    {f"gamma{i}": "dgamma", f"beta{i}": "dbeta"},
                    buffers={f"running_mean{i}": "running_mean", f"running_var{i}": "running_var"},
                )
            self._add_layer(f"Activation_function{i}", make_activation())
            if use_dropout:
                self._add_layer(f"Dropout{i}", Dropout(dropout_ratio, rng=self.rng))


class MultiLayerNetExtend(MultiLayerNet):
    """:class:`MultiLayerNet` with optional batch normalization and dropout.

    Each hidden layer is Affine - [BatchNorm] - activation - [Dropout]. Batch-norm
    parameters are ``gamma{i}`` (ones) and ``beta{i}`` (zeros); their running statistics
    are saved by :meth:`save_params` too.

    Parameters
    ----------
    input_size, hidden_size_list, output_size, activation, weight_init_std,
    weight_decay_lambda
        As in :class:`MultiLayerNet`.
    use_dropout : bool, default False
    dropout_ratio : float, default 0.5
    use_batchnorm : bool, default False
    rng : numpy.random.Generator or int, optional
        Keyword only. Draws the initial weights and the dropout masks.
    dtype : numpy dtype, default float64
        Keyword only.
    dropout_ration : float, optional
        Keyword only: the textbook's spelling of ``dropout_ratio``, accepted with a
        ``DeprecationWarning``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str | Callable[[], Any] = "relu",
        weight_init_std: float | str = "relu",
        weight_decay_lambda: float = 0.0,
        use_dropout: bool = False,
        dropout_ratio: float = 0.5,
        use_batchnorm: bool = False,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
        dropout_ration: float | None = None,
    ) -> None:
        if dropout_ration is not None:
            warnings.warn(
                "MultiLayerNetExtend: dropout_ration is the textbook's spelling; use dropout_ratio",
                DeprecationWarning,
                stacklevel=2,
            )
            dropout_ratio = dropout_ration
        self._build(
            input_size, hidden_size_list, output_size, activation, weight_init_std,
            weight_decay_lambda, rng, dtype, use_dropout, dropout_ratio, use_batchnorm,
        )  # fmt: skip
