"""Which code is the student's own: the source check that ``own=(...)`` of a check asks for.

The student's cells are parsed, never run, on the grader's side: IPython's syntax in them
(``obj?``, ``%timeit``, ``%%time``) must not hide a definition, and a library module that
is merely imported, or a package that holds a banned module, must not count against code
that does not use the banned part.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CheckFailed, own_code_problem
from autograder.checks.a01_loss_functions import _raises_value_error
from autograder.checks.a03_backprop import _pair
from autograder.checks.local import LocalSession
from autograder.messages import language

LAYERS = ("dlfs.layers",)
CLASS = "class Relu:\n    def forward(self, x):\n        return {body}\n"

OWN = {
    "plain": [CLASS.format(body="x")],
    "help line after it": [CLASS.format(body="x") + "np.maximum?\n"],
    "a line magic assigned": [CLASS.format(body="x") + "t = %timeit -o Relu().forward(1)\n"],
    "a shell command": ["!pip list\n" + CLASS.format(body="x")],
    "a cell magic": ["%%time\n" + CLASS.format(body="x")],
    "an alias of the student's class": ["class ReLU:\n    pass\nRelu = ReLU\n"],
    "inside an if block": ["if True:\n    " + CLASS.format(body="x").replace("\n", "\n    ")],
    "inside a try block": [
        "try:\n    import cupy\nexcept ImportError:\n    "
        + CLASS.format(body="x").replace("\n", "\n    ")
    ],
    "a lambda": ["Relu = lambda: None\n"],
    "a method of the student's class": [
        "class 계층:\n    @staticmethod\n    def Relu():\n        pass\nRelu = 계층.Relu\n"
    ],
    "redefined, the last one counts": [
        "from dlfs.layers import Relu\n",
        CLASS.format(body="x"),
    ],
    "import dlfs, dlfs.functions used": [
        "import dlfs\nimport dlfs.functions\n" + CLASS.format(body="dlfs.functions.softmax(x)")
    ],
    "import dlfs.layers elsewhere": ["import dlfs.layers\n", CLASS.format(body="x")],
    "the banned module imported to compare": [
        "import dlfs.layers\n" + CLASS.format(body="x") + "dlfs.layers.Relu().forward(1)\n"
    ],
}
BANNED = {
    "imported": (["from dlfs.layers import Relu\n"], "not imported"),
    "an alias of an import": (["from dlfs.layers import Relu as R\nRelu = R\n"], "not imported"),
    "dlfs.layers through import dlfs": (
        ["import dlfs\n" + CLASS.format(body="dlfs.layers.Relu().forward(x)")],
        "uses dlfs.layers.Relu from dlfs.layers",
    ),
    "through an alias of the package": (
        ["import dlfs as D\n" + CLASS.format(body="D.layers.Relu().forward(x)")],
        "uses D.layers.Relu",
    ),
    "from dlfs import layers": (
        ["from dlfs import layers\n" + CLASS.format(body="layers.Relu().forward(x)")],
        "uses layers",
    ),
    "missing": (["def relu(x):\n    return x\n"], "not defined"),
    "another object": (["def make():\n    return int\nRelu = make()\n"], "not taken from"),
    "a numpy function": (["import numpy as np\nRelu = np.maximum\n"], "not imported"),
    "a lambda that uses the library": (
        ["import dlfs.layers as L\nRelu = lambda: L.Relu()\n"],
        "uses L from dlfs.layers",
    ),
}


@pytest.mark.parametrize("case", OWN)
def test_own_code_is_recognised(case: str) -> None:
    cells = [(f"c{i}", source) for i, source in enumerate(OWN[case])]
    with language("en"):
        assert own_code_problem(cells, ("Relu",), LAYERS) is None


@pytest.mark.parametrize("case", BANNED)
def test_library_code_is_not_own_code(case: str) -> None:
    sources, says = BANNED[case]
    with language("en"):
        problem = own_code_problem([(f"c{i}", s) for i, s in enumerate(sources)], ("Relu",), LAYERS)
    assert problem is not None and says in problem


def test_a_graded_callee_may_come_from_the_banned_module() -> None:
    body = "def numerical_gradient(f, x):\n    return dlfs.gradient.{name}(f, x)\n"
    for name, allowed in (("numerical_diff", True), ("numerical_gradient", False)):
        cells = [("c", "import dlfs\n" + body.format(name=name))]
        with language("en"):
            problem = own_code_problem(
                cells, ("numerical_gradient",), ("dlfs.gradient",), allowed=("numerical_diff",)
            )
        assert (problem is None) == allowed, problem


def test_an_error_derived_from_value_error_is_a_value_error() -> None:
    namespace: dict = {}
    exec(
        "class ShapeError(ValueError):\n    pass\n"
        "def strict(y, t):\n    raise ShapeError(f'{y.shape} != {t.shape}')\n"
        "def loose(y, t):\n    raise TypeError('no')\n",
        namespace,
    )
    with LocalSession(namespace) as s:
        assert _raises_value_error(s.get("strict"), np.zeros(3), np.ones(4))
        assert not _raises_value_error(s.get("loose"), np.zeros(3), np.ones(4))


def test_a_backward_pair_may_be_an_array() -> None:
    dx, dy = _pair(np.arange(6.0).reshape(2, 3), "MulLayer.backward")
    assert np.array_equal(dx, [0.0, 1.0, 2.0]) and np.array_equal(dy, [3.0, 4.0, 5.0])
    assert _pair((1, 2), "f") == (1, 2)


SGD_GUARDED = """
import numpy as np

class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise TypeError("params and grads must be dicts")
        for key, value in params.items():
            value {op} self.lr * grads[key]
"""


@pytest.mark.parametrize(("op", "passes"), [("-=", True), ("= value -", False)])
def test_an_optimizer_may_require_dicts(op: str, passes: bool) -> None:
    """``params`` is a real dict: a student's ``isinstance(params, dict)`` guard holds."""
    from autograder.checks.a04_optimizers import sgd

    namespace: dict = {}
    exec(SGD_GUARDED.format(op=op), namespace)
    with LocalSession(namespace) as s, language("en"):
        if passes:
            sgd(s)
        else:  # ``value = value - ...`` changes nothing in params
            with pytest.raises(CheckFailed, match="left params as they were"):
                sgd(s)
