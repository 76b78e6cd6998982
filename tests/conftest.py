"""Settings and fixtures shared by the whole test suite."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Plots render off-screen in tests; set before any test imports matplotlib.pyplot.
os.environ.setdefault("MPLBACKEND", "Agg")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (its own browser download is not used).

    One per test process: Playwright's synchronous API refuses a second instance in a thread
    that already runs one, so the book's and the student's browser tests share this.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (sudo apt-get install chromium)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
