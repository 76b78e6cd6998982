"""Korean terms in the book: the glossary page, the chapters' bilingual terms, Hangul rendering.

The source checks need no build. ``glossary.md`` holds one table per chapter, a row per term:
English | 한국어 | meaning | link to the section that explains it. Each chapter must print the
Korean term right after the English one where that first appears in its prose, always in the
form ``**English** (한국어)``, and with the same Korean as the glossary.

The browser checks open the built glossary in headless Chromium: every term is listed, every
link leads to an existing page and anchor, and Hangul is drawn with a real font, not as the
empty boxes of a missing glyph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from scripts.colab_notebooks import toc_docnames

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = "glossary"
ARTIFACTS = ROOT / "artifacts" / "book"
#: Hangul syllables and jamo.
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
MIN_TERMS = 40

_ROW = re.compile(r"^\|(?P<cells>.*)\|\s*$")
_REF = re.compile(r"\{ref\}`(?:[^`<]*<)?(?P<label>[^`>]+)>?`")
_DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?(?P<doc>[^`>]+)>?`")
_TARGET = re.compile(r"^\((?P<label>[\w:-]+)\)=\s*$", re.M)


def chapter_docnames() -> list[str]:
    return [name for name in toc_docnames() if name.startswith("chapters/")]


@dataclass(frozen=True)
class Term:
    english: str
    korean: str
    meaning: str
    link: str  # the cell holding the cross-reference
    docname: str  # the page the link leads to


def _text(docname: str) -> str:
    return (ROOT / f"{docname}.md").read_text(encoding="utf-8")


@cache
def labels() -> dict[str, str]:
    """Every labelled target ``(label)=`` of the book's pages -> the page that holds it."""
    found: dict[str, str] = {}
    for docname in toc_docnames():
        for label in _TARGET.findall(_text(docname)):
            assert label not in found, f"label {label!r} in both {found[label]} and {docname}"
            found[label] = docname
    return found


@cache
def glossary_terms() -> tuple[Term, ...]:
    terms = []
    for line in _text(GLOSSARY).splitlines():
        row = _ROW.match(line)
        if not row:
            continue
        cells = [cell.strip() for cell in row["cells"].split(" | ")]
        if cells[0] in ("English", "---"):
            continue
        assert len(cells) == 4, f"glossary row should have 4 cells: {line}"
        english, korean, meaning, link = cells
        ref, doc = _REF.search(link), _DOC.search(link)
        if ref:
            docname = labels().get(ref["label"], "")
        elif doc:
            docname = doc["doc"]
        else:
            docname = ""
        terms.append(Term(english, korean, meaning, link, docname))
    return tuple(terms)


def _term_ids(*, hangul_only: bool = False) -> list[str]:
    """The glossary's English terms; with ``hangul_only``, those with a Hangul Korean term
    (AdaGrad, Adam and im2col are written alike in both languages)."""
    return [t.english for t in glossary_terms() if HANGUL.search(t.korean) or not hangul_only]


# ---------------------------------------------------------------------------------------------
# Prose of a chapter, with everything that is not running text blanked out

_FENCE = re.compile(r"^(`{3,}|:{3,}).*?^\1\s*$", re.M | re.S)
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$]+\$")
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_HEADING = re.compile(r"^#+ .*$|^\([\w:-]+\)=\s*$", re.M)
_LIBRARY_LINE = re.compile(r"^\*\*Library code introduced:\*\*.*?(?=\n\n)", re.M | re.S)


@cache
def prose(docname: str) -> str:
    """The running text of a page: no code cells, directives, math, inline code, headings or
    'Library code introduced' line (names of classes there are not uses of a term)."""
    text = _FRONT.sub("", _text(docname))
    for pattern in (_FENCE, _DISPLAY_MATH, _HEADING, _LIBRARY_LINE, _INLINE_MATH, _INLINE_CODE):
        text = pattern.sub(" ", text)
    return text


def _english_pattern(english: str) -> re.Pattern[str]:
    """The English term as it may appear in running text: any case, plural, British or
    American spelling, hyphen or space."""
    words = re.split(r"[\s-]+", english)
    body = r"[\s-]+".join(re.escape(w).replace("ization", "i[sz]ation") for w in words)
    return re.compile(rf"(?<![\w-])(?:{body})(?:s|es)?(?![\w-])", re.I)


#: A bold term followed by brackets: ``**English** (한국어...)``.
_PAIRED = re.compile(r"\*\*(?P<english>[^*]+)\*\*\s+\((?P<bracket>[^;)]*)")


def _bracket_after(text: str, end: int) -> str | None:
    """What the brackets right after position ``end`` hold (up to ``)`` or ``;``), allowing
    the closing ``*`` or ``**`` of the term in between, and the word 'function' ("the
    **softmax function** (소프트맥스 함수)" pairs the term softmax)."""
    match = re.match(r"(?:\s+functions?)?\*{0,2}\s+\((?P<bracket>[^;)]*)", text[end:])
    return " ".join(match["bracket"].split()) if match else None


def _gives(bracket: str | None, korean: str) -> bool:
    """Whether brackets holding ``bracket`` name the Korean term ``korean`` (possibly followed
    by more, as in ``(합성곱 신경망, CNN)``)."""
    return bracket is not None and (bracket == korean or bracket.startswith(f"{korean}, "))


# ---------------------------------------------------------------------------------------------
# The glossary's sources


def test_glossary_is_the_last_page_of_the_toc() -> None:
    assert toc_docnames()[-1] == GLOSSARY
    assert GLOSSARY not in chapter_docnames()


def test_glossary_lists_enough_complete_terms() -> None:
    terms = glossary_terms()
    assert len(terms) >= MIN_TERMS, f"the glossary has only {len(terms)} terms"
    duplicates = {t.english for t in terms if [u.english for u in terms].count(t.english) > 1}
    assert not duplicates, f"terms listed twice: {duplicates}"
    for term in terms:
        assert term.english and term.meaning, term
        assert HANGUL.search(term.korean) or term.korean.lower() == term.english.lower(), (
            f"{term.english}: the Korean column {term.korean!r} holds no Hangul"
        )
    with_hangul = [t for t in terms if HANGUL.search(t.korean)]
    assert len(with_hangul) >= MIN_TERMS, "most terms need a Korean translation"


def test_glossary_covers_every_chapter() -> None:
    homes = {term.docname for term in glossary_terms()}
    missing = [chapter for chapter in chapter_docnames() if chapter not in homes]
    assert not missing, f"no glossary term links to {missing}"


@pytest.mark.parametrize("english", _term_ids())
def test_glossary_link_target_exists(english: str) -> None:
    term = next(t for t in glossary_terms() if t.english == english)
    ref, doc = _REF.search(term.link), _DOC.search(term.link)
    assert ref or doc, f"{english}: the last column needs a {{ref}} or {{doc}} link: {term.link}"
    if ref:
        assert ref["label"] in labels(), (
            f"{english}: no page defines the label ({ref['label']})= that {term.link} names"
        )
    else:
        assert doc["doc"] in toc_docnames(), f"{english}: {doc['doc']} is not a page of the book"
    assert term.docname in chapter_docnames(), f"{english}: link to {term.docname}, not a chapter"


# ---------------------------------------------------------------------------------------------
# The chapters' bilingual terms


@pytest.mark.parametrize("english", _term_ids(hangul_only=True))
def test_term_is_paired_with_korean_at_first_use(english: str) -> None:
    """In the chapter the glossary links to, the English term's first appearance in the prose
    is followed by its Korean term: ``**english** (한국어)``."""
    term = next(t for t in glossary_terms() if t.english == english)
    text = prose(term.docname)
    first = _english_pattern(english).search(text)
    assert first, f"{term.docname} never uses the term {english!r} in its prose"
    context = text[max(0, first.start() - 40) : first.end() + 40].replace("\n", " ")
    assert _gives(_bracket_after(text, first.end()), term.korean), (
        f"{term.docname}: the first use of {english!r} should read "
        f"'**{first[0]}** ({term.korean})', found: ...{context}..."
    )


def test_every_chapter_pairs_terms(chapter: str) -> None:
    """Every chapter prints Korean terms beside English ones, and only in the one form."""
    text = prose(chapter)
    hangul_pairs = [(en, ko) for en, ko in _PAIRED.findall(text) if HANGUL.search(ko)]
    assert len(hangul_pairs) >= 3, f"{chapter} pairs only {hangul_pairs} with Korean terms"
    stray = [
        text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ")
        for m in re.finditer(r"\(\s*" + HANGUL.pattern, text)
        if not re.search(r"\*\*\s+$", text[: m.start()])
    ]
    assert not stray, f"{chapter}: Korean in brackets not right after a **bold** term: {stray}"


def test_korean_terms_match_the_glossary(chapter: str) -> None:
    """A term paired in a chapter carries the glossary's Korean, wherever it is paired."""
    by_pattern = [(_english_pattern(t.english), t) for t in glossary_terms()]
    wrong = []
    for match in _PAIRED.finditer(prose(chapter)):
        english, bracket = " ".join(match["english"].split()), " ".join(match["bracket"].split())
        for pattern, term in by_pattern:
            if not HANGUL.search(bracket):
                continue  # an English aside, such as **im2col** (image to columns)
            if pattern.fullmatch(english) and not _gives(bracket, term.korean):
                wrong.append(f"**{english}** ({bracket}) where the glossary has {term.korean}")
    assert not wrong, f"{chapter}: {wrong}"


# ---------------------------------------------------------------------------------------------
# The built glossary, in Chromium


@pytest.fixture
def glossary_page(browser, book_url: str, settle) -> Iterator[object]:
    """The built glossary page, loaded offline; failed requests and script errors fail."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"JavaScript error: {err}"))
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url}"))
    page.on(
        "response",
        lambda resp: resp.status >= 400 and problems.append(f"HTTP {resp.status}: {resp.url}"),
    )
    page.goto(urljoin(book_url, f"{GLOSSARY}.html"), wait_until="load")
    settle(page)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


_ROWS_JS = """
() => [...document.querySelectorAll('main table tbody tr')].map(tr => {
  const cells = [...tr.querySelectorAll('td')];
  return {cells: cells.map(td => td.innerText.trim()),
          links: [...tr.querySelectorAll('a.reference.internal')].map(a => a.href)};
})
"""


@pytest.mark.network
@pytest.mark.slow
def test_built_glossary_lists_every_term_with_working_links(glossary_page, book_url: str) -> None:
    rows = glossary_page.evaluate(_ROWS_JS)
    shown = {row["cells"][0]: row for row in rows if row["cells"]}
    missing = [t.english for t in glossary_terms() if t.english not in shown]
    assert not missing, f"terms missing from the built glossary: {missing}"
    for term in glossary_terms():
        row = shown[term.english]
        assert row["cells"][1] == term.korean, f"{term.english}: shows {row['cells'][1]!r}"
        assert len(row["links"]) == 1, f"{term.english}: expected one link, got {row['links']}"
        assert row["links"][0].split("#")[0] == urljoin(book_url, f"{term.docname}.html")

    request = glossary_page.context.request
    pages: dict[str, str] = {}
    for target in sorted({link for row in rows for link in row["links"]}):
        url, _, anchor = target.partition("#")
        if url not in pages:
            response = request.get(url)
            assert response.ok, f"{target}: HTTP {response.status}"
            pages[url] = response.text()
        if anchor:
            assert f'id="{anchor}"' in pages[url], f"{target}: the page has no #{anchor}"
    assert urlsplit(next(iter(pages))).hostname == "127.0.0.1"


_FONTS_JS = """
async (selector) => {
  await document.fonts.ready;
  const cell = document.querySelector(selector);
  const style = getComputedStyle(cell);
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = `48px ${style.fontFamily}`;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle';
    ctx.fillText(ch, 4, 32);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3));
  };
  const same = (a, b) => a.every((v, i) => v === b[i]);
  const glyphs = [...'합성곱풀링'].map(draw);
  const tofu = draw('\\u0378');  // an unassigned code point: the missing-glyph box
  return {
    family: style.fontFamily,
    text: cell.innerText.trim(),
    inked: glyphs.map(g => g.filter(v => v > 0).length),
    distinct: glyphs.every((g, i) => glyphs.every((h, j) => i === j || !same(g, h))),
    likeTofu: glyphs.filter(g => same(g, tofu)).length,
  };
}
"""


@pytest.mark.network
@pytest.mark.slow
def test_hangul_renders_with_a_real_font(glossary_page) -> None:
    """Hangul syllables drawn in the Korean column's font all differ from one another and
    from the missing-glyph box; without a Hangul font they are identical boxes.

    (Chromium's own report of the fonts it used is printed on failure, but is no proof by
    itself: it names a fallback font even when that font only supplied the empty box.)
    """
    cell = "main table tbody tr td:nth-child(2)"
    result = glossary_page.evaluate(_FONTS_JS, cell)
    assert HANGUL.search(result["text"]), f"the Korean column shows {result['text']!r}"
    cdp = glossary_page.context.new_cdp_session(glossary_page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": cell})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    where = f"{result}; Chromium's fonts for {result['text']!r}: {fonts}"
    assert all(n > 50 for n in result["inked"]), f"Hangul glyphs barely drawn: {where}"
    assert result["distinct"], f"different Hangul syllables look the same (boxes?): {where}"
    assert result["likeTofu"] == 0, f"Hangul drawn as the missing-glyph box: {where}"


@pytest.mark.network
@pytest.mark.slow
def test_glossary_screenshot(glossary_page) -> None:
    """Save the top of the glossary and its bilingual plot for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    top = ARTIFACTS / "glossary-top.png"
    glossary_page.screenshot(path=str(top))
    glossary_page.locator(".cell_output img").first.scroll_into_view_if_needed()
    plot = ARTIFACTS / "glossary-plot.png"
    glossary_page.screenshot(path=str(plot))
    for shot in (top, plot):
        assert shot.stat().st_size > 20_000, f"{shot} looks empty ({shot.stat().st_size} bytes)"
