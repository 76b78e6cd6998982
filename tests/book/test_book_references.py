"""Every reference in the book's prose to a chapter, section, figure, equation or exercise is a
link (``{doc}``, ``{ref}``, ``{numref}``, ``{eq}``), never plain text such as "chapter 4" or
"section 5.3", which cannot be followed and goes stale silently when sections move.

The check reads the sources (no build needed): the running text of ``intro.md`` and every
chapter, including the bodies of admonitions such as the fold-out answers, but not code
cells, listings, math, inline code or the text of the link roles themselves. The paragraph
that introduces a chapter's assignment ("... do **Assignment 3: ...**") is left out: it is
replaced by a section generated from the assignment's source. So is a paragraph that names the
textbook (*밑바닥부터 시작하는 딥러닝*): its chapters and sections are in a printed book, not links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["intro.md", *sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("chapters/*.md"))]

#: Directives whose body is running text; every other fenced block is code or a listing.
PROSE_DIRECTIVES = ("{admonition}", "{note}", "{tip}", "{warning}", "{important}", "{hint}")
_FENCE = re.compile(
    r"^(?P<mark>`{3,}|:{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=mark)\s*$", re.M | re.S
)
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_ROLE = re.compile(r"\{(?:doc|ref|numref|eq|glue:text|glue)\}`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$\n]+\$")
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_LABEL = re.compile(r"^\([\w:-]+\)=\s*$", re.M)
_HEADING = re.compile(r"^#+ .*$", re.M)
_DIRECTIVE_OPTION = re.compile(r"^:[\w-]+:.*$", re.M)

#: The textbook's title: a paragraph that names it may cite its chapters by number.
TEXTBOOK = "밑바닥부터 시작하는 딥러닝"

#: A chapter, section, figure, equation or exercise named by its number.
PLAIN_REFERENCE = re.compile(
    r"\b(?:chapters?|sections?|figures?|fig\.|exercises?)\s+\d|\b(?:equations?|eqs?\.)\s+\(?\d",
    re.I,
)


def prose(text: str) -> str:
    """The running text of a MyST page, with everything that is not prose blanked out."""
    text = _FRONT.sub("", text)

    def fence(match: re.Match[str]) -> str:
        info = match["info"].strip()
        if info.startswith(PROSE_DIRECTIVES):
            return "\n" + _DIRECTIVE_OPTION.sub(" ", match["body"]) + "\n"
        return "\n"

    text = _FENCE.sub(fence, text)
    for pattern in (_ROLE, _DISPLAY_MATH, _INLINE_MATH, _INLINE_CODE, _LABEL, _HEADING):
        text = pattern.sub(" ", text)
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(p for p in paragraphs if "**Assignment " not in p and TEXTBOOK not in p)


def plain_references(text: str) -> list[str]:
    return [
        " ".join(m.string[m.start() : m.end() + 12].split()) for m in PLAIN_REFERENCE.finditer(text)
    ]


@pytest.mark.parametrize("page", PAGES)
def test_references_are_links(page: str) -> None:
    found = plain_references(prose((ROOT / page).read_text(encoding="utf-8")))
    assert not found, (
        f"{page}: write these references as links ({{doc}}`chapter 4 <04_numerical_gradient>`, "
        f"{{ref}}`section 5.3 <sec-label>`, {{numref}}, {{eq}}): {found}"
    )


# The check itself, on small pages: what it must catch and what it must leave alone.
CASES = {
    "plain chapter": ("As chapter 4 showed, ...", ["chapter 4"]),
    "plain section across a line break": ("see section\n5.3 for", ["section 5.3"]),
    "plural": ("chapters 3 to 5", ["chapters 3"]),
    "figure and equation": ("Figure 2 and equation (3)", ["Figure 2", "equation (3"]),
    "exercise": ("Exercise 2 asks", ["Exercise 2"]),
    "inside an answer box": (
        "```{admonition} Answers\n:class: dropdown\n\n1. See chapter 3.\n```\n",
        ["chapter 3"],
    ),
    "links": ("{doc}`chapter 4 <04_numerical_gradient>` and {ref}`section 5.3 <sec-x>`", []),
    "a link with the number outside": ("chapters {doc}`3 <03_loss>` to {doc}`5 <05_backprop>`", []),
    "code cell": ("```{code-cell} ipython3\n# chapter 4 trains\nx = 1\n```\n", []),
    "inline code and math": ("`section 2` and $\\text{chapter } 3$", []),
    "no number": ("This chapter and the next section (5 x 5 filters)", []),
    "heading": ("## Exercises\n\n1. Plot it.", []),
    "assignment paragraph": ("Then do **Assignment 2: Gradients**, prepared by section 3.4.", []),
}


@pytest.mark.parametrize("case", CASES)
def test_the_check_finds_plain_references_only(case: str) -> None:
    text, expected = CASES[case]
    found = plain_references(prose(text))
    assert [
        " ".join(f.split())[: len(e)] for f, e in zip(found, expected, strict=False)
    ] == expected
    assert len(found) == len(expected), found
