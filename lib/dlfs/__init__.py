"""dlfs: deep learning from scratch with NumPy.

The shared implementation behind the course book and its assignments. Import what
you need from its modules, for example ``from dlfs.layers import Affine``.
"""

__version__ = "0.1.0"
