# Sourced by build-book.sh, build-solutions.sh and update-catalogs.sh (from the repository
# root): what every run of the chapters needs to agree on.
#   bin, jb     the environment's bin/ folder and its jupyter-book; exits when it is missing
#   lib_hash    hash of lib/dlfs, the key of the chapters' execution cache (both builds
#               compare it with the stamp _build/.book-lib-hash)
#   DLFS_VENV   virtual environment to use (default: .venv)
#   PYTHON      or: the Python interpreter of that environment (its bin/ folder is used)
# $1 is the calling script's name, for the error message.

if [ -n "${PYTHON:-}" ]; then
  bin=$(dirname "$PYTHON")
else
  bin=${DLFS_VENV:-.venv}/bin
fi
jb=$bin/jupyter-book
if [ ! -x "$jb" ]; then
  echo "$1: $jb not found. Run './run setup book' first, or point DLFS_VENV (or PYTHON)" \
    "at an environment with the [book] extras." >&2
  exit 1
fi

lib_hash=$(find lib/dlfs -name '*.py' -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
  sha256sum | cut -d' ' -f1)

# Figures must reach the page: the kernel's inline backend, whatever the caller set (the test
# suite exports MPLBACKEND=Agg, under which plt.show() outputs nothing).
export MPLBACKEND=module://matplotlib_inline.backend_inline PYDEVD_DISABLE_FILE_VALIDATION=1
# One BLAS thread, as in the test suite: a float32 product then sums in the same order on every
# run, so the numbers a chapter quotes are the ones nbval gets when it runs the chapter again
# (update-catalogs.sh fills the same execution cache when it is stale).
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
