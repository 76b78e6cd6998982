"""Settings shared by the whole test suite."""

import os

# Plots render off-screen in tests; set before any test imports matplotlib.pyplot.
os.environ.setdefault("MPLBACKEND", "Agg")
