"""Open every page of the built book in headless Chromium, offline.

Each page must load with no failed request and no request to any host but 127.0.0.1, with its
math typeset by the local MathJax and every image (the plots) loaded. The sidebar must list
every chapter, search must find terms, and one chapter is saved as a screenshot under
``artifacts/book/`` for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = [pytest.mark.network, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
#: Terms the search page must find, with a page that must be among the results.
SEARCH_TERMS = {
    "perceptron": "chapters/01_perceptrons",
    "softmax": "chapters/02_forward",
    "cross-entropy": "chapters/03_loss",
    "quiver": "chapters/04_numerical_gradient",
}
SCREENSHOT_PAGE = "chapters/02_forward"
#: The folder of the Korean edition in the built book (``built_page`` covers both editions).
KOREAN = "ko/"
ARTIFACTS = ROOT / "artifacts" / "book"

# TeX commands that must not survive as text once MathJax has typeset the page.
_RAW_TEX = r"\\(frac|sum|partial|sigma|mathbf|left|right|begin|cdot|leftarrow|sqrt|exp|log)\b"

_MATH_STATE_JS = """
async () => {
  const math = [...document.querySelectorAll('.math')];
  if (math.length && window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const text = document.querySelector('main') || document.body;
  const clone = text.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
       .forEach(e => e.remove());
  const raw = (clone.textContent.match(new RegExp(RAW_TEX, 'g')) || []);
  return {
    math: math.length,
    version: (window.MathJax && MathJax.version) || null,
    unrendered: math.filter(e => !e.querySelector('mjx-container'))
                    .map(e => e.textContent.trim().slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
    raw: raw.slice(0, 5),
    // MathJax 3 does not break lines: a display formula wider than the text column is cut off.
    overflowing: [...document.querySelectorAll('mjx-container[display="true"]')]
      .filter(e => e.firstElementChild && e.firstElementChild.getBoundingClientRect().width
                                          > e.parentElement.clientWidth + 1)
      .map(e => e.parentElement.textContent.trim().slice(0, 60)),
  };
}
""".replace("RAW_TEX", repr(_RAW_TEX))

_IMAGES_JS = """
async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.complete ? null :
    new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })));
  return imgs.map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth,
                         plot: !!i.closest('.cell_output')}));
}
"""


@dataclass
class Visit:
    """What happened while one page loaded."""

    page: object
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser, book_url: str, settle) -> Iterator[Callable[[str], Visit]]:
    """Open a page of the book (``docname`` or ``docname?query``) in a fresh browser context."""
    contexts = []

    def open_page(target: str) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        result = Visit(page)

        def route(r) -> None:
            url = urlsplit(r.request.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
                result.problems.append(f"request to a remote host: {r.request.url}")
                r.abort()
            else:
                r.continue_()

        context.route("**/*", route)
        page.on(
            "requestfailed",
            lambda req: result.problems.append(f"failed request: {req.url} ({req.failure})"),
        )
        page.on(
            "response",
            lambda resp: (
                resp.status >= 400 and result.problems.append(f"HTTP {resp.status}: {resp.url}")
            ),
        )
        page.on("pageerror", lambda err: result.problems.append(f"JavaScript error: {err}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and result.problems.append(f"console error: {msg.text}")
            ),
        )
        path, _, query = target.partition("?")
        url = urljoin(book_url, f"{path}.html") + (f"?{query}" if query else "")
        page.goto(url, wait_until="load")
        settle(page)
        return result

    yield open_page
    for context in contexts:
        context.close()


def test_second_build_is_a_no_op(book_html: Path, repo_copy, run_script) -> None:
    """scripts/build-book.sh is idempotent: run again on a fresh book, it executes nothing.

    It runs on a copy of the repository and its build folder, so that it never rewrites
    the pages that other tests (and other pytest-xdist workers) have open in the browser.
    """
    copy = repo_copy()
    output = run_script(copy, "build-book.sh")
    assert "Executing notebook" not in output, "an unchanged chapter was executed again"
    assert "_build/html/index.html" in output, "the script must say where to open the book"
    assert (copy / "_build" / "html" / "mathjax" / "tex-chtml.js").is_file()
    assert (book_html / "index.html").is_file()  # the real book was not touched


def test_only_book_pages_are_published(
    book_html: Path, toc: list[str], extra_pages: list[str]
) -> None:
    """Exactly the pages of _toc.yml (plus Sphinx's own) are built; nothing instructor-only."""
    vendored = {"_static", "mathjax"}
    pages = {
        str(p.relative_to(book_html).with_suffix(""))
        for p in book_html.rglob("*.html")
        if not vendored & set(p.relative_to(book_html).parts[:2])
    }
    english_pages = set(toc) | set(extra_pages)
    assert pages == english_pages | {KOREAN + page for page in english_pages}
    private = {"solutions", "autograder", "tests", "lib", "benchmarks", "release", "submitted"}
    leaked = [
        str(p.relative_to(book_html))
        for p in book_html.rglob("*")
        if private & set(p.relative_to(book_html).parts[:2])
    ]
    assert not leaked, f"instructor-only or non-book files were published: {leaked[:10]}"
    sources = {
        str(p.relative_to(book_html / "_sources")) for p in (book_html / "_sources").rglob("*.*")
    }
    assert sources <= {f"{name}{suffix}" for name in toc for suffix in (".md", ".ipynb")}


def test_no_page_links_a_remote_asset(book_html: Path) -> None:
    """Static twin of the browser check: no script, style, image or frame from the network."""
    remote = re.compile(
        r"<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)=[\"'](?:https?:)?//"
    )
    offenders = {
        str(page.relative_to(book_html)): remote.findall(page.read_text(encoding="utf-8"))
        for page in book_html.rglob("*.html")
        if page.relative_to(book_html).parts[0] != "mathjax"
    }
    offenders = {page: tags for page, tags in offenders.items() if tags}
    assert not offenders, f"pages that load assets from the network: {offenders}"


def test_page_loads_offline_with_math_and_plots(
    visit, settle, toc: list[str], built_page: str
) -> None:
    page_name = built_page
    result = visit(page_name)
    math = result.page.evaluate(_MATH_STATE_JS)
    images = result.page.evaluate(_IMAGES_JS)
    settle(result.page)  # anything MathJax loaded lazily

    assert not result.problems, f"{page_name}: " + "\n".join(result.problems)
    if math["math"]:
        assert math["version"] and math["version"].startswith("3."), (
            f"{page_name}: has {math['math']} math elements but MathJax 3 did not load "
            f"(MathJax.version = {math['version']!r})"
        )
        assert not math["unrendered"], f"{page_name}: math left untypeset: {math['unrendered']}"
        assert not math["errors"], f"{page_name}: MathJax errors: {math['errors']}"
        assert not math["overflowing"], (
            f"{page_name}: display math wider than the text column (split it with aligned): "
            f"{math['overflowing']}"
        )
    assert not math["raw"], f"{page_name}: raw TeX left in the text: {math['raw']}"
    broken = [img["src"] for img in images if img["width"] == 0]
    assert not broken, f"{page_name}: images that did not load: {broken}"
    if page_name.removeprefix(KOREAN) in toc:
        # Every page of this book has formulas and at least one plot: if none show up, the
        # math or the executed outputs went missing from the build.
        assert math["math"] > 0, f"{page_name}: no math found on the page"
        assert any(img["plot"] for img in images), f"{page_name}: no plot on the page"


def test_remote_requests_are_caught(visit, toc: list[str]) -> None:
    """The offline check itself works: a request to a CDN is recorded (and blocked)."""
    result = visit(toc[0])
    result.page.evaluate(
        "() => fetch('https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js').catch(() => null)"
    )
    assert any("remote host" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("where", ["root page", "last chapter"])
def test_sidebar_lists_every_chapter_in_order(
    visit, book_url: str, toc: list[str], chapters: list[str], where: str
) -> None:
    page_name = toc[0] if where == "root page" else chapters[-1]
    result = visit(page_name)
    hrefs = result.page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference.internal", "links => links.map(a => a.href.split('#')[0])"
    )
    expected = [urljoin(book_url, f"{name}.html") for name in chapters]
    missing = [url for url in expected if url not in hrefs]
    assert not missing, f"sidebar of {page_name} lacks {missing}; it has {hrefs}"
    positions = [hrefs.index(url) for url in expected]
    assert positions == sorted(positions), f"sidebar order {hrefs} differs from _toc.yml"


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds_term(visit, book_url: str, term: str) -> None:
    result = visit(f"search?q={term}")
    page = result.page
    # Sphinx's searchtools.js writes this summary once every result is listed.
    page.wait_for_function(
        "() => /Search finished|did not match/.test("
        "(document.querySelector('#search-results .search-summary') || {}).textContent || '')",
        timeout=30_000,
    )
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.href.split(/[?#]/)[0])"
    )
    expected = urljoin(book_url, f"{SEARCH_TERMS[term]}.html")
    assert expected in hrefs, f"search for {term!r} should list {expected}; it gave {hrefs}"
    assert not result.problems, "\n".join(result.problems)


def test_chapter_screenshot(visit) -> None:
    """Save the top of a chapter and its first plot as PNGs for a human to look at."""
    result = visit(SCREENSHOT_PAGE)
    page = result.page
    page.evaluate(_MATH_STATE_JS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    top = ARTIFACTS / f"{Path(SCREENSHOT_PAGE).name}-top.png"
    page.screenshot(path=str(top))
    page.locator(".cell_output img").first.scroll_into_view_if_needed()
    plot = ARTIFACTS / f"{Path(SCREENSHOT_PAGE).name}-plot.png"
    page.screenshot(path=str(plot))
    for shot in (top, plot):
        assert shot.stat().st_size > 20_000, f"{shot} looks empty ({shot.stat().st_size} bytes)"
