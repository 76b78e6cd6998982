"""The two editions of the book: English in ``_build/html``, Korean in ``_build/html/ko``.

Both come from one build (``scripts/build-book.sh``). Every page of each edition carries its
language in ``<html lang>`` and links the same page of the other edition from the language
switch in its header; the switch works from ``file://`` and on a phone. The Korean edition
searches Korean words without their particles, and its chapters run with ``DLFS_LANG=ko``, so
their plots are labelled in Korean.

The last test builds a copy of the book whose catalog has two messages translated, one of them
fuzzy: the translated paragraph shows in Korean and is found by the Korean search, the fuzzy one
falls back to English, and nothing is executed again.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from babel.messages.pofile import read_po, write_po

pytestmark = [pytest.mark.network, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
KOREAN = "ko"
#: Korean words the built Korean edition must find (in the English paragraphs' bracketed
#: Korean terms until the translations are merged), and English words in its fallback text.
KOREAN_SEARCHES = {
    "손실": "chapters/03_loss",
    "손실 함수": "chapters/03_loss",
    "perceptron": "chapters/01_perceptrons",
}
SWITCH = "a.dlfs-language-link"


class _PageFacts(HTMLParser):
    """The ``lang`` of a page's ``<html>`` and the links of its language switch."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.switch: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        classes = (attributes.get("class") or "").split()
        if tag == "a" and "dlfs-language-link" in classes:
            self.switch[attributes.get("hreflang") or ""] = attributes.get("href") or ""


def facts(path: Path) -> _PageFacts:
    parser = _PageFacts()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_has_its_korean_counterpart_and_back(
    book_html: Path, toc: list[str], extra_pages: list[str]
) -> None:
    problems = []
    for name in toc + [p for p in extra_pages if p != "index"]:
        en, ko = book_html / f"{name}.html", book_html / KOREAN / f"{name}.html"
        if not ko.is_file():
            problems.append(f"{name}: no Korean page {ko.relative_to(book_html)}")
            continue
        for page, lang, other, counterpart in ((en, "en", "ko", ko), (ko, "ko", "en", en)):
            found = facts(page)
            where = page.relative_to(book_html)
            if found.lang != lang:
                problems.append(f"{where}: <html lang={found.lang!r}>, expected {lang!r}")
            href = found.switch.get(other)
            if href is None:
                problems.append(f"{where}: no language switch to {other}: {found.switch}")
            elif (page.parent / href).resolve() != counterpart.resolve():
                problems.append(f"{where}: switch to {other} links {href}, not {counterpart}")
            elif href.startswith(("/", "http")):
                problems.append(f"{where}: switch link {href} is not relative")
    assert not problems, "\n".join(problems)


def test_korean_edition_reuses_the_english_mathjax(book_html: Path) -> None:
    assert (book_html / "mathjax" / "tex-chtml.js").is_file()
    assert not (book_html / KOREAN / "mathjax").exists(), "MathJax copied twice"
    page = book_html / KOREAN / "chapters" / "03_loss.html"
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax/tex-chtml\.js)"', page.read_text("utf-8"))
    assert sources, "the Korean page loads no MathJax"
    for src in sources:
        assert (page.parent / src).resolve() == (book_html / "mathjax" / "tex-chtml.js").resolve()


@pytest.mark.parametrize("size", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_language_switch_works_offline_from_files(browser, book_html: Path, size) -> None:
    """Open a chapter from file://, switch to Korean and back, at phone and desktop widths."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        start = (book_html / "chapters" / "03_loss.html").as_uri()
        page.goto(start, wait_until="load")
        korean = (book_html / KOREAN / "chapters" / "03_loss.html").as_uri()
        for lang, expected in (("ko", korean), ("en", start)):
            switch = page.locator(SWITCH).first
            assert switch.is_visible(), f"no visible language switch at {size}"
            box = switch.bounding_box()
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= size[0], box
            bar = page.locator(".bd-header-article").first.bounding_box()
            assert (
                bar
                and bar["y"] <= box["y"]
                and box["y"] + box["height"] <= bar["y"] + bar["height"]
            ), f"the switch {box} is not inside the header bar {bar} (on one row with its buttons)"
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size[0], f"{page.url}: {width} px wide on a {size[0]} px screen"
            switch.click()
            page.wait_for_load_state("load")
            assert page.url == expected
            assert page.evaluate("() => document.documentElement.lang") == lang
    finally:
        context.close()
    assert not errors, errors


def _search(browser, url: str) -> list[str]:
    """The pages a search page lists once Sphinx's search has finished."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => /Search finished|did not match|검색이 완료|일치하는 문서가 없/.test("
            "(document.querySelector('#search-results .search-summary') || {}).textContent"
            " || '')",
            timeout=30_000,
        )
        return page.eval_on_selector_all(
            "#search-results ul.search li a", "links => links.map(a => a.href.split(/[?#]/)[0])"
        )
    finally:
        context.close()


@pytest.mark.parametrize("query", KOREAN_SEARCHES)
def test_korean_search_finds_the_page(browser, book_url: str, query: str) -> None:
    hrefs = _search(browser, urljoin(book_url, f"{KOREAN}/search.html?q={query}"))
    expected = urljoin(book_url, f"{KOREAN}/{KOREAN_SEARCHES[query]}.html")
    assert expected in hrefs, f"Korean search for {query!r} should list {expected}: {hrefs}"


def _plots(page: Path) -> list[bytes]:
    text = page.read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]+src="([^"]*_images/[^"]+\.png)"', text)  # cell outputs
    return [(page.parent / src).read_bytes() for src in sources]


def test_korean_plots_are_drawn_in_korean(book_html: Path) -> None:
    """Chapter 3 labels its plots with dlfs.i18n.tr: the Korean edition ran it with
    DLFS_LANG=ko, so each of its plots differs from the English one (same data, other text)."""
    en = _plots(book_html / "chapters" / "03_loss.html")
    ko = _plots(book_html / KOREAN / "chapters" / "03_loss.html")
    assert len(en) == len(ko) >= 3
    same = [i for i, (a, b) in enumerate(zip(en, ko, strict=True)) if a == b]
    assert not same, f"plots {same} of chapter 3 are the same in both editions"


def _figure_alts(page: Path) -> list[str]:
    """The alt texts of a page's figures (images inside a ``<figure>``)."""
    figures = re.findall(r"<figure.*?</figure>", page.read_text(encoding="utf-8"), re.S)
    return [alt for f in figures for alt in re.findall(r'<img[^>]*\salt="([^"]*)"', f)]


def test_korean_figures_have_korean_alt_texts(book_html: Path, toc: list[str]) -> None:
    """A screen reader reads a figure's alt text: in the Korean edition it is Korean (the
    catalogs hold the alt texts because the gettext build renders the figures too)."""
    found = 0
    for name in toc:
        en = _figure_alts(book_html / f"{name}.html")
        ko = _figure_alts(book_html / KOREAN / f"{name}.html")
        assert len(en) == len(ko), f"{name}: {len(en)} figures in English, {len(ko)} in Korean"
        for english, korean in zip(en, ko, strict=True):
            if english:
                assert re.search("[가-힣]", korean), f"{name}: alt text still English: {korean}"
                found += 1
    assert found >= 10


class _CellImages(HTMLParser):
    """The ``src`` and ``alt`` (None when absent) of every image in a code cell's output."""

    def __init__(self) -> None:
        super().__init__()
        self._in_output: list[bool] = []  # one entry per open <div>: is it a cell's output?
        self.images: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "div":
            self._in_output.append("cell_output" in (attributes.get("class") or "").split())
        elif tag == "img" and any(self._in_output):
            self.images.append((attributes.get("src") or "", attributes.get("alt")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._in_output:
            self._in_output.pop()


def _cell_images(page: Path) -> list[tuple[str, str | None]]:
    parser = _CellImages()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.images


def test_every_plot_has_an_alt_text_in_both_editions(book_html: Path, toc: list[str]) -> None:
    """Every image a code cell draws, plot or figure, is described to a screen reader by its
    alt text (the cell's ``mystnb.image.alt``), in Korean on the Korean pages. Without that
    option an image has no description: docutils writes its file name as the alt text. The
    option applies to every image of the cell, so a cell draws one plot: two images with the
    same alt text on a page are two plots under one description."""
    problems, found = [], 0
    for name in toc:
        en = _cell_images(book_html / f"{name}.html")
        ko = _cell_images(book_html / KOREAN / f"{name}.html")
        if len(en) != len(ko):
            problems.append(f"{name}: {len(en)} images in English, {len(ko)} in Korean")
        for edition, images in (("en", en), ("ko", ko)):
            for src, alt in images:
                text = (alt or "").strip()
                if not text or Path(src).name in text or "_images/" in text:
                    problems.append(f"{edition} {name}: {Path(src).name} has alt {alt!r}")
                elif edition == "ko" and not re.search("[가-힣]", text):
                    problems.append(f"ko {name}: alt text still English: {text}")
            alts = [alt for _, alt in images if alt]
            repeated = sorted({alt for alt in alts if alts.count(alt) > 1})
            problems += [f"{edition} {name}: two images share the alt {alt!r}" for alt in repeated]
        found += len(en)
    assert found >= 30, f"only {found} images in the cells' outputs: is the book built?"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# A copy of the book with two messages translated

TRANSLATED = (
    "To improve a network we need to say",
    "신경망을 개선하려면 신경망이 얼마나 틀렸는지를 수 하나로 말해야 합니다. "
    "**손실 함수**(loss function)가 그 수, 곧 손실을 가중치로부터 계산합니다. "
    "이 장에서는 작은 표본의 손실로 전체의 어림값을 구합니다.",
)
FUZZY = ("3. Loss functions and mini-batches", "3. 퍼지 번역 제목")


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _translate(po: Path) -> None:
    with po.open("rb") as fh:
        catalog = read_po(fh)
    done = set()
    for message in catalog:
        for (start, korean), fuzzy in ((TRANSLATED, False), (FUZZY, True)):
            if message.id and str(message.id).startswith(start):
                message.string = korean
                if fuzzy:
                    message.flags.add("fuzzy")
                done.add(start)
    assert done == {TRANSLATED[0], FUZZY[0]}, f"messages not found in {po}: {done}"
    with po.open("wb") as fh:
        write_po(fh, catalog)


def test_translations_reach_the_korean_edition(
    browser, book_html: Path, repo_copy, run_script
) -> None:
    copy = repo_copy()
    _translate(copy / "locales" / "ko" / "LC_MESSAGES" / "chapters" / "03_loss.po")
    output = run_script(copy, "build-book.sh")
    assert "Executing notebook" not in output, "a new translation made a chapter run again"

    html = copy / "_build" / "html"
    page = (html / KOREAN / "chapters" / "03_loss.html").read_text(encoding="utf-8")
    assert "신경망을 개선하려면" in page and "To improve a network" not in page
    assert FUZZY[0] in page and FUZZY[1] not in page, "a fuzzy entry must fall back to English"
    english = (html / "chapters" / "03_loss.html").read_text(encoding="utf-8")
    assert "To improve a network" in english and "신경망을 개선하려면" not in english

    with serve(html) as url:
        # The page writes 어림값을 and 손실을: found without and with the particle.
        for query in ("어림값", "어림값을", "손실", "손실 함수"):
            hrefs = _search(browser, urljoin(url, f"{KOREAN}/search.html?q={query}"))
            expected = urljoin(url, f"{KOREAN}/chapters/03_loss.html")
            assert expected in hrefs, f"Korean search for {query!r}: {hrefs}"


def _pasted(page: Path) -> list[str]:
    """The values that glue roles pasted into a page's text."""
    return re.findall(r'class="pasted-text">([^<]*)<', page.read_text(encoding="utf-8"))


def test_translated_paragraphs_keep_their_glued_numbers(book_html: Path, toc: list[str]) -> None:
    """A translated paragraph is parsed apart from its page: its glue roles must still find the
    page's values (scripts/korean_config.py names the page in the build's catalogs)."""
    for name in toc:
        en = _pasted(book_html / f"{name}.html")
        ko = _pasted(book_html / KOREAN / f"{name}.html")
        assert len(ko) == len(en), f"{name}: {len(ko)} glued values in Korean, {len(en)} in English"
        assert all(value.strip() for value in ko), f"{name}: an empty glued value in Korean"


def test_korean_pages_have_korean_titles(book_html: Path, toc: list[str]) -> None:
    """A chapter title such as "3. 손실 함수와 미니배치" must not be read as a numbered list
    and dropped (the English title would then stand on the Korean page)."""
    for name in toc:
        page = (book_html / KOREAN / f"{name}.html").read_text(encoding="utf-8")
        titles = re.findall(r"<h1>([^<]*)", page)
        assert titles and re.search("[가-힣]", titles[0]), f"{name}: title {titles[:1]}"


def test_korean_table_of_contents_has_the_catalogs_captions(book_html: Path) -> None:
    """The captions of ``_toc.yml`` ("Foundations", ...) are inserted after Sphinx translates a
    page; the Korean sidebar and contents must still show their translations."""
    catalog = read_po((ROOT / "locales" / KOREAN / "LC_MESSAGES" / "intro.po").open("rb"))
    captions = re.findall(r"^\s*-?\s*caption:\s*(.+?)\s*$", (ROOT / "_toc.yml").read_text(), re.M)
    expected = [catalog[c].string for c in captions if catalog.get(c) and not catalog[c].fuzzy]
    assert captions and len(expected) == len(captions), f"untranslated captions: {captions}"
    for page in ["intro", "chapters/03_loss"]:
        html = (book_html / KOREAN / f"{page}.html").read_text(encoding="utf-8")
        shown = re.findall(r'caption-text">([^<]*)', html)
        assert shown[: len(expected)] == expected, f"ko/{page}: captions {shown}"


def test_each_edition_names_the_book_and_its_author_in_its_language(book_html: Path) -> None:
    """The sidebar's title is the first page's title, and the footer's author line reads in
    the page's language ("By ..." in English, "... 지음" in Korean, never "으로 ...")."""
    for edition, author in [("", "By the dlfs course"), (KOREAN, "dlfs 강의 지음")]:
        html = (book_html / edition / "intro.html").read_text(encoding="utf-8")
        brand = re.search(r'logo__title">([^<]*)<', html)
        heading = re.search(r"<h1>([^<]*)<", html)
        assert brand and heading and brand.group(1).strip() == heading.group(1).strip(), (
            f"{edition or 'en'}: sidebar title {brand and brand.group(1)!r}, "
            f"page title {heading and heading.group(1)!r}"
        )
        line = re.search(r'class="component-author">\s*([^<]*?)\s*<', html)
        assert line and line.group(1) == author, f"{edition or 'en'}: {line and line.group(1)!r}"
