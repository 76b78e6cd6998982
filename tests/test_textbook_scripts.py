"""Scripts written the textbook's way run on dlfs.

A student who has the textbook's example scripts runs them with its ``common`` package. Here
that package only re-exports dlfs names (``common/layers.py`` is ``from dlfs.layers import
...``), and each script below is written in the textbook's style: positional constructor
arguments, ``sys.path.append(os.pardir)``, NumPy's global random state, the textbook's
spellings. The scripts are this course's own, kept small: a few hundred Fashion-MNIST
images (through a ``dataset/mnist.py`` that loads Fashion-MNIST without downloading) or a
function of two numbers. Each runs in a fresh interpreter in a temporary directory and
asserts what it computed; the test also reads what it printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dlfs.datasets import DatasetNotFoundError, load_fashion_mnist

# the textbook's common package, as re-exports of dlfs
COMMON = {
    "common/__init__.py": "",
    "common/functions.py": """
        from dlfs.functions import (
            cross_entropy_error, identity, mean_squared_error, relu, sigmoid, sigmoid_grad,
            softmax, step_function,
        )
    """,
    "common/gradient.py": "from dlfs.gradient import numerical_diff, numerical_gradient\n",
    "common/layers.py": """
        from dlfs.conv import Convolution, Pooling
        from dlfs.layers import (
            Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss,
        )
    """,
    "common/optimizer.py": (
        "from dlfs.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop\n"
    ),
    "common/util.py": """
        from dlfs.conv import col2im, im2col
        from dlfs.datasets import shuffle_dataset
        from dlfs.plotting import smooth_curve
    """,
    "common/multi_layer_net.py": "from dlfs.networks import MultiLayerNet\n",
    "common/multi_layer_net_extend.py": "from dlfs.networks import MultiLayerNetExtend\n",
    "common/trainer.py": "from dlfs.trainer import Trainer\n",
    # the textbook keeps these networks beside the chapters' scripts
    "ch04/two_layer_net.py": "from dlfs.networks import TwoLayerNet\n",
    "ch05/two_layer_net.py": "from dlfs.networks import TwoLayerNet\n",
    "ch07/simple_convnet.py": "from dlfs.networks import SimpleConvNet\n",
    "dataset/__init__.py": "",
    "dataset/mnist.py": """
        from dlfs.datasets import load_fashion_mnist


        def load_mnist(normalize=True, flatten=True, one_hot_label=False):
            # the course's data set, from disk only: tests never download
            return load_fashion_mnist(normalize, flatten, one_hot_label, download=False)
    """,
}

HEADER = """
    import os
    import sys

    sys.path.append(os.pardir)
    import numpy as np
"""

# script path: (source after the header, lines its output must contain)
SCRIPTS: dict[str, tuple[str, list[str]]] = {
    "ch04/train_neuralnet.py": (
        """
        from dataset.mnist import load_mnist
        from two_layer_net import TwoLayerNet

        np.random.seed(0)
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
        x_train, t_train, x_test, t_test = x_train[:600], t_train[:600], x_test[:300], t_test[:300]

        network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
        iters_num, batch_size, learning_rate = 200, 60, 0.1
        iter_per_epoch = max(x_train.shape[0] / batch_size, 1)
        train_loss_list = []
        for i in range(iters_num):
            batch_mask = np.random.choice(x_train.shape[0], batch_size)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            grad = network.gradient(x_batch, t_batch)
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= learning_rate * grad[key]
            train_loss_list.append(network.loss(x_batch, t_batch))
            if i % iter_per_epoch == 0:
                train_acc = network.accuracy(x_train, t_train)
                test_acc = network.accuracy(x_test, t_test)
                print("train acc, test acc | " + str(train_acc) + ", " + str(test_acc))
        assert np.mean(train_loss_list[-20:]) < 0.6 * np.mean(train_loss_list[:20])
        assert network.accuracy(x_test, t_test) > 0.6
        """,
        ["train acc, test acc | "],
    ),
    "ch05/gradient_check.py": (
        """
        from dataset.mnist import load_mnist
        from two_layer_net import TwoLayerNet

        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
        network = TwoLayerNet(input_size=784, hidden_size=10, output_size=10)
        x_batch, t_batch = x_train[:3], t_train[:3]  # float32 images, float64 weights
        grad_numerical = network.numerical_gradient(x_batch, t_batch)
        grad_backprop = network.gradient(x_batch, t_batch)
        for key in grad_numerical.keys():
            diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
            print(key + ":" + str(diff))
            assert diff < 1e-8, (key, diff)
        """,
        ["W1:", "b1:", "W2:", "b2:"],
    ),
    "ch06/optimizer_compare_naive.py": (
        """
        from collections import OrderedDict

        from common.optimizer import SGD, AdaGrad, Adam, Momentum


        def f(x, y):
            return x**2 / 20.0 + y**2


        def df(x, y):
            return x / 10.0, 2.0 * y


        init_pos = (-7.0, 2.0)
        optimizers = OrderedDict()
        optimizers["SGD"] = SGD(lr=0.95)
        optimizers["Momentum"] = Momentum(lr=0.1)
        optimizers["AdaGrad"] = AdaGrad(lr=1.5)
        optimizers["Adam"] = Adam(lr=0.3)
        for key in optimizers:
            optimizer = optimizers[key]
            params, grads = {}, {}
            params["x"], params["y"] = init_pos[0], init_pos[1]  # plain numbers
            for i in range(30):
                grads["x"], grads["y"] = df(params["x"], params["y"])
                optimizer.update(params, grads)
            print(key, params["x"], params["y"])
            assert f(params["x"], params["y"]) < 0.1 * f(*init_pos), key
        """,
        ["SGD ", "Momentum ", "AdaGrad ", "Adam "],
    ),
    "ch06/weight_init_compare.py": (
        """
        from common.multi_layer_net import MultiLayerNet
        from common.optimizer import SGD
        from common.util import smooth_curve
        from dataset.mnist import load_mnist

        np.random.seed(1)
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
        x_train, t_train = x_train[:500], t_train[:500]
        weight_init_types = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}
        optimizer = SGD(lr=0.01)
        networks, train_loss = {}, {}
        for key, weight_type in weight_init_types.items():
            networks[key] = MultiLayerNet(
                input_size=784, hidden_size_list=[50, 50, 50, 50], output_size=10,
                weight_init_std=weight_type,
            )
            train_loss[key] = []
        for i in range(100):
            batch_mask = np.random.choice(x_train.shape[0], 32)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            for key in weight_init_types:
                grads = networks[key].gradient(x_batch, t_batch)
                optimizer.update(networks[key].params, grads)
                train_loss[key].append(networks[key].loss(x_batch, t_batch))
        final = {key: smooth_curve(train_loss[key])[-1] for key in weight_init_types}
        print("smoothed final losses:", final)
        assert len(smooth_curve(train_loss["He"])) == 100
        assert final["He"] < final["Xavier"] < final["std=0.01"]
        assert final["std=0.01"] > 2.2  # tiny weights: the signal vanishes, nothing is learnt
        """,
        ["smoothed final losses:"],
    ),
    "ch06/overfit_dropout.py": (
        """
        import warnings

        from common.multi_layer_net_extend import MultiLayerNetExtend
        from common.trainer import Trainer
        from dataset.mnist import load_mnist

        np.random.seed(2)
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
        x_train, t_train, x_test, t_test = x_train[:300], t_train[:300], x_test[:300], t_test[:300]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            network = MultiLayerNetExtend(
                input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100],
                output_size=10, use_dropout=True, dropout_ration=0.2,
            )
        assert [w.category for w in caught] == [DeprecationWarning], caught
        trainer = Trainer(
            network, x_train, t_train, x_test, t_test, epochs=3, mini_batch_size=100,
            optimizer="sgd", optimizer_param={"lr": 0.01}, verbose=True,
        )
        trainer.train()
        assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
        """,
        ["epoch 1/3: train acc", "epoch 3/3: train acc", "final test accuracy:"],
    ),
    "ch06/hyperparameter_split.py": (
        """
        from common.util import shuffle_dataset
        from dataset.mnist import load_mnist

        (x_train, t_train), (x_test, t_test) = load_mnist()
        x_train, t_train = x_train[:500], t_train[:500]
        label_of = {x.tobytes(): t for x, t in zip(x_train, t_train)}
        x_train, t_train = shuffle_dataset(x_train, t_train)
        validation_num = int(x_train.shape[0] * 0.20)
        x_val, t_val = x_train[:validation_num], t_train[:validation_num]
        x_train, t_train = x_train[validation_num:], t_train[validation_num:]
        print("validation", x_val.shape, "training", x_train.shape)
        assert all(label_of[x.tobytes()] == t for x, t in zip(x_val, t_val))
        assert all(label_of[x.tobytes()] == t for x, t in zip(x_train, t_train))
        """,
        ["validation (100, 784) training (400, 784)"],
    ),
    "ch07/train_convnet.py": (
        """
        from common.optimizer import Adam
        from common.util import im2col
        from dataset.mnist import load_mnist
        from simple_convnet import SimpleConvNet

        np.random.seed(3)
        (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
        x_batch, t_batch = x_train[:50], t_train[:50]
        print("im2col of a batch:", im2col(x_batch, 5, 5, stride=1, pad=0).shape)
        network = SimpleConvNet(
            input_dim=(1, 28, 28),
            conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
            hidden_size=100, output_size=10, weight_init_std=0.01,
        )
        optimizer = Adam(lr=0.001)
        losses = []
        for i in range(10):
            grads = network.gradient(x_batch, t_batch)
            optimizer.update(network.params, grads)
            losses.append(network.loss(x_batch, t_batch))
        print("loss", losses[0], "->", losses[-1])
        assert losses[-1] < losses[0]

        small = SimpleConvNet(
            input_dim=(1, 10, 10),
            conv_param={"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1},
            hidden_size=10, output_size=10, weight_init_std=0.3,
        )
        X = np.random.rand(100).reshape((1, 1, 10, 10))
        T = np.array([1])
        grad_num = small.numerical_gradient(X, T)
        grad = small.gradient(X, T)
        for key in grad_num:
            diff = np.abs(grad[key] - grad_num[key]).mean()
            print(key, diff)
            assert diff < 1e-8, (key, diff)
        """,
        ["im2col of a batch: (28800, 25)", "loss "],
    ),
}


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory laid out like the textbook's repository, with the common package."""
    try:
        load_fashion_mnist(download=False)
    except DatasetNotFoundError as err:
        pytest.skip(f"Fashion-MNIST is not available: {err}")
    root = tmp_path_factory.mktemp("textbook")
    for name, text in COMMON.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def test_common_only_re_exports_dlfs() -> None:
    for name, text in COMMON.items():
        if name.startswith("common/"):
            code = [line for line in textwrap.dedent(text).splitlines() if line.strip()]
            assert all(line.startswith(("from dlfs.", "    ", ")")) for line in code), name


# the two that train longest (seconds each on one core)
SLOW = {"ch04/train_neuralnet.py", "ch06/weight_init_compare.py"}


@pytest.mark.parametrize(
    "script", [pytest.param(s, marks=pytest.mark.slow) if s in SLOW else s for s in SCRIPTS]
)
def test_textbook_style_script_runs(book_dir: Path, script: str) -> None:
    source, expected = SCRIPTS[script]
    path = book_dir / script
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(HEADER).lstrip() + textwrap.dedent(source), encoding="utf-8")
    env = os.environ | {"MPLBACKEND": "Agg", "PYTHONWARNINGS": "default"}
    run = subprocess.run(
        [sys.executable, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for line in expected:
        assert line in run.stdout, f"{line!r} not printed:\n{run.stdout[-3000:]}"
