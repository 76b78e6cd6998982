"""Mini-batch training loop with a progress bar and a learning-curve history.

Examples
--------
>>> trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=5,  # doctest: +SKIP
...                   optimizer="Adam", optimizer_param={"lr": 0.001}, rng=0)
>>> trainer.train().test_acc_list  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
from tqdm import tqdm as text_tqdm

from dlfs._checks import int_at_least
from dlfs.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop

__all__ = ["OPTIMIZERS", "Trainer", "make_optimizer", "progress_bar"]


def progress_bar(**kwargs: Any) -> Any:
    """A tqdm progress bar: a widget in a Jupyter kernel that has ipywidgets, text otherwise.

    ``tqdm.auto`` makes the same choice but, in a kernel without ipywidgets, prints a
    ``TqdmWarning`` (with the path of the installed tqdm) at import; this choice is silent.

    Parameters
    ----------
    **kwargs
        Passed to ``tqdm`` (``total``, ``unit``, ``desc``, ``disable``, ...).
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    in_kernel = shell is not None and "IPKernelApp" in getattr(shell, "config", {})
    if in_kernel and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as widget_tqdm

        return widget_tqdm(**kwargs)
    return text_tqdm(**kwargs)


#: Optimizer classes by the (lower-case) names ``Trainer`` accepts.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name: str, optimizer_param: Mapping[str, Any] | None = None) -> Optimizer:
    """Build an optimizer from its name (case-insensitive), e.g. ``make_optimizer("adam")``.

    Parameters
    ----------
    name : str
        One of the keys of :data:`OPTIMIZERS`.
    optimizer_param : mapping, optional
        Keyword arguments of the optimizer; ``{"lr": 0.01}`` when None.

    Returns
    -------
    Optimizer
    """
    cls = OPTIMIZERS.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    kwargs = {"lr": 0.01} if optimizer_param is None else dict(optimizer_param)
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise TypeError(f"optimizer_param {kwargs} does not fit {cls.__name__}: {err}") from None


class Trainer:
    """Train a network with mini-batch gradient descent and record its learning curves.

    Each epoch shuffles the training set with ``rng`` and takes ``iter_per_epoch =
    max(N // mini_batch_size, 1)`` steps, each on ``mini_batch_size`` samples not seen
    before in that epoch. After every epoch the accuracy on the training and test data
    is recorded.

    Parameters
    ----------
    network : object
        Has ``params``, ``gradient(x, t)``, ``loss(x, t)`` and ``accuracy(x, t)``. The
        networks of :mod:`dlfs.networks` also report the loss of the gradient pass (their
        ``last_loss``), which saves a forward pass per step.
    x_train, t_train : ndarray
        Training inputs of shape (N, ...) and their labels (N,) or one-hot targets (N, C).
    x_test, t_test : ndarray
        Test data, the same way.
    epochs : int, default 20
    mini_batch_size : int, default 100
    optimizer : str or Optimizer, default "SGD"
        A name from :data:`OPTIMIZERS` (``"sgd"``, ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"rmsprop"``, ``"adam"``, any case) or an optimizer object.
    optimizer_param : dict, optional
        Arguments for the optimizer named by a string; ``{"lr": 0.01}`` when None.
    evaluate_sample_num_per_epoch : int, optional
        Measure the per-epoch accuracies on only the first this many samples (faster);
        all samples when None.
    verbose : bool, default True
        Show a progress bar (:func:`progress_bar`: a widget in Jupyter, text on stderr otherwise)
        and print, as the textbook's trainer does, one line per epoch with the train and
        test accuracy and, at the end, the accuracy on the whole test set.
    rng : numpy.random.Generator or int, optional
        Source of the shuffling; a seed gives the same mini-batches on every run.

    Attributes
    ----------
    train_loss_list : list of float
        Loss of every mini-batch, as computed in its gradient pass (before the update).
    train_acc_list, test_acc_list : list of float
        Accuracy after every epoch.
    final_test_acc : float or None
        Accuracy on the whole test set after :meth:`train` (None before). When the epochs
        were evaluated on a sample, it is computed on first use, so it costs nothing unless
        it is printed (``verbose``) or read.
    iter_per_epoch, max_iter : int
    """

    def __init__(
        self,
        network: Any,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_test: np.ndarray,
        t_test: np.ndarray,
        epochs: int = 20,
        mini_batch_size: int = 100,
        optimizer: str | Optimizer = "SGD",
        optimizer_param: Mapping[str, Any] | None = None,
        evaluate_sample_num_per_epoch: int | None = None,
        verbose: bool = True,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        for name, x, t in (("train", x_train, t_train), ("test", x_test, t_test)):
            if len(x) != len(t):
                raise ValueError(
                    f"Trainer: x_{name} has {len(x)} samples but t_{name} has {len(t)} labels"
                )
        if len(x_train) == 0:
            raise ValueError("Trainer: x_train is empty")
        self.network = network
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs = int_at_least(epochs, 1, "epochs", "Trainer")
        self.batch_size = min(
            int_at_least(mini_batch_size, 1, "mini_batch_size", "Trainer"), len(x_train)
        )
        self.evaluate_sample_num_per_epoch = (
            None
            if evaluate_sample_num_per_epoch is None
            else int_at_least(
                evaluate_sample_num_per_epoch, 1, "evaluate_sample_num_per_epoch", "Trainer"
            )
        )
        self.verbose = bool(verbose)
        self.rng = np.random.default_rng(rng)

        if isinstance(optimizer, str):
            self.optimizer = make_optimizer(optimizer, optimizer_param)
        elif callable(getattr(optimizer, "update", None)):
            if optimizer_param is not None:
                raise ValueError(
                    "Trainer: optimizer_param is only for an optimizer given by name; "
                    f"set the hyperparameters on the {type(optimizer).__name__} object instead"
                )
            self.optimizer = optimizer
        else:
            raise TypeError(
                f"Trainer: optimizer must be a name ({', '.join(OPTIMIZERS)}) or an object "
                f"with update(params, grads), got {type(optimizer).__name__}"
            )

        self.train_size = len(x_train)
        self.iter_per_epoch = max(self.train_size // self.batch_size, 1)
        self.max_iter = self.epochs * self.iter_per_epoch
        self.current_iter = 0
        self.current_epoch = 0
        self.train_loss_list: list[float] = []
        self.train_acc_list: list[float] = []
        self.test_acc_list: list[float] = []
        self._final_test_acc: float | None = None
        self._trained = False

    @property
    def final_test_acc(self) -> float | None:
        if not self._trained:
            return None
        if self._final_test_acc is None:
            self._final_test_acc = float(self.network.accuracy(self.x_test, self.t_test))
        return self._final_test_acc

    @property
    def history(self) -> dict[str, list[float]]:
        """Recorded curves: ``train_loss`` per step, ``train_acc`` and ``test_acc`` per epoch."""
        return {
            "train_loss": self.train_loss_list,
            "train_acc": self.train_acc_list,
            "test_acc": self.test_acc_list,
        }

    def train_step(self, batch: np.ndarray) -> float:
        """One gradient step on the samples with indices ``batch``; returns their loss."""
        x_batch, t_batch = self.x_train[batch], self.t_train[batch]
        network = self.network
        grads = network.gradient(x_batch, t_batch)
        loss = getattr(network, "last_loss", None)
        if loss is None:  # a network that does not report the loss of its gradient pass
            loss = network.loss(x_batch, t_batch)
        self.optimizer.update(network.params, grads)
        loss = float(loss)
        self.train_loss_list.append(loss)
        self.current_iter += 1
        return loss

    def evaluate(self) -> tuple[float, float]:
        """Record and return the accuracy on the training and the test data."""
        n = self.evaluate_sample_num_per_epoch
        x_train, t_train, x_test, t_test = self.x_train, self.t_train, self.x_test, self.t_test
        if n is not None:
            x_train, t_train, x_test, t_test = x_train[:n], t_train[:n], x_test[:n], t_test[:n]
        train_acc = float(self.network.accuracy(x_train, t_train))
        test_acc = float(self.network.accuracy(x_test, t_test))
        self.train_acc_list.append(train_acc)
        self.test_acc_list.append(test_acc)
        return train_acc, test_acc

    def train(self) -> Trainer:
        """Run ``epochs * iter_per_epoch`` steps, evaluating after every epoch.

        Returns
        -------
        Trainer
            ``self``, so that ``Trainer(...).train().history`` works.
        """
        bar = progress_bar(
            total=self.max_iter, disable=not self.verbose, unit="step", dynamic_ncols=True
        )
        postfix: dict[str, str] = {}
        try:
            for epoch in range(1, self.epochs + 1):
                bar.set_description(f"epoch {epoch}/{self.epochs}")
                order = self.rng.permutation(self.train_size)
                for i in range(self.iter_per_epoch):
                    loss = self.train_step(order[i * self.batch_size : (i + 1) * self.batch_size])
                    postfix["loss"] = f"{loss:.4f}"
                    bar.set_postfix(postfix, refresh=False)
                    bar.update()
                train_acc, test_acc = self.evaluate()
                self.current_epoch = epoch
                postfix.update(train_acc=f"{train_acc:.4f}", test_acc=f"{test_acc:.4f}")
                bar.set_postfix(postfix)
                if self.verbose:
                    bar.write(
                        f"epoch {epoch}/{self.epochs}: train acc {train_acc:.4f}, "
                        f"test acc {test_acc:.4f}",
                        file=sys.stdout,
                    )
        finally:
            bar.close()
        # the last epoch's test accuracy, unless it was measured on a sample only
        whole = self.evaluate_sample_num_per_epoch is None
        self._final_test_acc = self.test_acc_list[-1] if whole else None
        self._trained = True
        if self.verbose:
            print(f"final test accuracy: {self.final_test_acc:.4f}")
        return self
