"""Tests for dlfs.trainer: history, progress bar, determinism and argument checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from dlfs.networks import TwoLayerNet
from dlfs.optimizers import SGD, Adam
from dlfs.trainer import OPTIMIZERS, Trainer, make_optimizer, progress_bar


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian clusters in 4 dimensions."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 3, size=n)
    centers = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    return centers[t] + 0.5 * rng.standard_normal((n, 4)), t


def make_trainer(**kwargs: Any) -> Trainer:
    (x_train, t_train), (x_test, t_test) = blobs(300, 0), blobs(90, 1)
    net = kwargs.pop("network", None) or TwoLayerNet(4, 8, 3, weight_init_std="he", rng=0)
    settings = {"epochs": 3, "mini_batch_size": 50, "verbose": False, "rng": 0}
    return Trainer(net, x_train, t_train, x_test, t_test, **(settings | kwargs))


class WithoutLastLoss:
    """A network that, like a student's, does not report the loss of its gradient pass."""

    def __init__(self, net: TwoLayerNet) -> None:
        self._net = net
        self.params = net.params

    def gradient(self, x, t):
        return self._net.gradient(x, t)

    def loss(self, x, t):
        return self._net.loss(x, t)

    def accuracy(self, x, t):
        return self._net.accuracy(x, t)


def test_history_lengths_match_epochs_and_iterations():
    trainer = make_trainer(epochs=3, mini_batch_size=50)
    assert trainer.train() is trainer
    assert (trainer.iter_per_epoch, trainer.max_iter) == (6, 18)
    assert len(trainer.train_loss_list) == 18 == trainer.current_iter
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
    assert trainer.history == {
        "train_loss": trainer.train_loss_list,
        "train_acc": trainer.train_acc_list,
        "test_acc": trainer.test_acc_list,
    }


def test_training_learns():
    trainer = make_trainer(epochs=5, optimizer="adam", optimizer_param={"lr": 0.05}).train()
    assert trainer.test_acc_list[-1] >= 0.9
    assert np.mean(trainer.train_loss_list[-5:]) < np.mean(trainer.train_loss_list[:5])


def test_progress_bar_with_verbose(capsys):
    make_trainer(epochs=2, verbose=True).train()
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "12/12" in err
    assert "loss=" in err and "test_acc=" in err


def test_verbose_prints_the_accuracies_of_every_epoch_and_the_final_one(capsys):
    trainer = make_trainer(epochs=2, verbose=True).train()
    lines = capsys.readouterr().out.splitlines()
    train, test = trainer.train_acc_list, trainer.test_acc_list
    assert lines == [
        f"epoch 1/2: train acc {train[0]:.4f}, test acc {test[0]:.4f}",
        f"epoch 2/2: train acc {train[1]:.4f}, test acc {test[1]:.4f}",
        f"final test accuracy: {test[1]:.4f}",
    ]
    assert trainer.final_test_acc == test[1]


def test_final_accuracy_uses_the_whole_test_set():
    trainer = make_trainer(epochs=1, evaluate_sample_num_per_epoch=20)
    assert trainer.final_test_acc is None
    trainer.train()
    assert trainer.final_test_acc == trainer.network.accuracy(trainer.x_test, trainer.t_test)


def test_silent_without_verbose(capsys):
    make_trainer(verbose=False).train()
    captured = capsys.readouterr()
    assert captured.err == captured.out == ""


class _FakeShell:
    """What ``IPython.get_ipython()`` returns inside a Jupyter kernel."""

    config = {"IPKernelApp": {}}


@pytest.mark.parametrize("has_ipywidgets", [False, True])
def test_progress_bar_in_a_kernel_is_silent(monkeypatch, recwarn, has_ipywidgets):
    """In a kernel, the bar is a widget when ipywidgets is there and text otherwise, and
    neither choice warns (tqdm.auto prints a TqdmWarning with its own path)."""
    import importlib.util
    import sys
    import types

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: _FakeShell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: (
            (object() if has_ipywidgets else None) if name == "ipywidgets" else find_spec(name, *a)
        ),
    )
    if has_ipywidgets:
        import tqdm.notebook

        made = []
        monkeypatch.setattr(tqdm.notebook, "tqdm", lambda **kw: made.append(kw) or "widget")
        assert progress_bar(total=3, disable=True) == "widget"
        assert made == [{"total": 3, "disable": True}]
    else:
        bar = progress_bar(total=3, disable=True)
        assert type(bar).__module__ == "tqdm.std"
        bar.close()
    assert not [w for w in recwarn if "tqdm" in str(w.category).lower()], list(recwarn)


def test_same_seed_same_run():
    a, b = make_trainer(rng=5).train(), make_trainer(rng=np.random.default_rng(5)).train()
    assert a.train_loss_list == b.train_loss_list
    assert a.test_acc_list == b.test_acc_list
    c = make_trainer(rng=6).train()
    assert c.train_loss_list != a.train_loss_list


def test_string_and_object_optimizers_agree():
    by_name = make_trainer(optimizer="Adam", optimizer_param={"lr": 0.01}).train()
    by_object = make_trainer(optimizer=Adam(lr=0.01)).train()
    assert by_name.train_loss_list == by_object.train_loss_list
    assert by_name.optimizer.lr == 0.01


def test_default_optimizer_is_sgd_with_lr_001():
    trainer = make_trainer()
    assert type(trainer.optimizer) is SGD and trainer.optimizer.lr == 0.01


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_names_are_case_insensitive(name):
    for spelling in (name, name.upper(), name.capitalize()):
        assert type(make_optimizer(spelling)) is OPTIMIZERS[name]
    trainer = make_trainer(epochs=1, optimizer=name.upper(), optimizer_param={"lr": 0.01})
    assert np.isfinite(trainer.train().train_loss_list).all()


def test_network_without_last_loss_records_the_same_losses():
    reported = make_trainer().train()
    computed = make_trainer(network=WithoutLastLoss(TwoLayerNet(4, 8, 3, "he", rng=0))).train()
    np.testing.assert_allclose(computed.train_loss_list, reported.train_loss_list, rtol=1e-12)


def test_evaluate_sample_num_limits_the_evaluation():
    trainer = make_trainer(epochs=1, evaluate_sample_num_per_epoch=20).train()
    net = trainer.network
    assert trainer.train_acc_list == [net.accuracy(trainer.x_train[:20], trainer.t_train[:20])]
    assert trainer.test_acc_list == [net.accuracy(trainer.x_test[:20], trainer.t_test[:20])]


def test_batch_larger_than_training_set_uses_all_of_it():
    trainer = make_trainer(mini_batch_size=1000, epochs=2).train()
    assert (trainer.batch_size, trainer.iter_per_epoch, len(trainer.train_loss_list)) == (300, 1, 2)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"optimizer": "adamw"}, ValueError, "unknown optimizer 'adamw'.*sgd, momentum, nesterov"),
        ({"optimizer": SGD(), "optimizer_param": {"lr": 0.1}}, ValueError, "optimizer_param"),
        ({"optimizer": 3}, TypeError, "optimizer must be a name"),
        ({"optimizer": "sgd", "optimizer_param": {"beta1": 0.9}}, TypeError, "does not fit SGD"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
        ({"mini_batch_size": 2.5}, ValueError, "mini_batch_size must be a positive integer"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_trainer(**kwargs)


def test_mismatched_lengths_are_a_clear_error():
    (x, t), net = blobs(10, 0), TwoLayerNet(4, 3, 3, rng=0)
    with pytest.raises(ValueError, match="x_train has 10 samples but t_train has 9 labels"):
        Trainer(net, x, t[:9], x, t)
    with pytest.raises(ValueError, match="x_test has 10 samples but t_test has 8 labels"):
        Trainer(net, x, t, x, t[:8])
