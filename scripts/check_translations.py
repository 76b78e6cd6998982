"""Check the Korean catalogs of the book (locales/ko/LC_MESSAGES/**/*.po).

For every translated entry, the parts a translation must carry over unchanged are compared with
the English: inline code, math, the targets of cross-references and glue values, and link
addresses. Then the share of translated, non-fuzzy messages is printed per catalog and in all.

    python scripts/check_translations.py [--min-share 95] [CATALOG ...]

Exits 1 when an entry breaks its markup, or when the overall share is below --min-share.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales" / "ko" / "LC_MESSAGES"

ROLE = re.compile(r"\{([a-z:]+)\}`([^`]*)`")
CODE = re.compile(r"(?<![}`])`([^`]+)`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _shown(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when it lies inside, else as it is (a catalog elsewhere)."""
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _role_target(content: str) -> str:
    match = re.search(r"<([^<>]+)>\s*$", content)
    return (match.group(1) if match else content).strip()


def kept_parts(text: str) -> Counter[str]:
    """The pieces of ``text`` a translation must keep exactly, with how often each occurs."""
    parts: Counter[str] = Counter()
    for name, content in ROLE.findall(text):
        parts[f"{{{name}}}{_role_target(content)}"] += 1
    rest = ROLE.sub(" ", text)
    parts.update(f"code:{c}" for c in CODE.findall(rest))
    rest = CODE.sub(" ", rest)
    parts.update(f"math:{m}" for m in MATH.findall(rest))
    parts.update(f"link:{u}" for u in LINK.findall(rest))
    return parts


def check(path: Path) -> tuple[int, int, list[str]]:
    """Translated non-fuzzy messages, all messages, and the problems of one catalog."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    done = total = 0
    problems = []
    for message in catalog:
        if not message.id:
            continue
        total += 1
        if not message.string or message.fuzzy:
            continue
        done += 1
        want, got = kept_parts(str(message.id)), kept_parts(str(message.string))
        if want != got:
            lost = ", ".join(sorted((want - got).elements())) or "-"
            added = ", ".join(sorted((got - want).elements())) or "-"
            first = str(message.id)[:70].replace("\n", " ")
            problems.append(f"{_shown(path, ROOT)}: {first!r}: lost {lost}; added {added}")
    return done, total, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogs", nargs="*", type=Path)
    parser.add_argument("--min-share", type=float, default=0.0, help="percent, e.g. 95")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.catalogs] or sorted(LOCALES.rglob("*.po"))
    if not paths:
        print(f"no catalogs under {LOCALES.relative_to(ROOT)}", file=sys.stderr)
        return 1
    all_done = all_total = 0
    problems: list[str] = []
    for path in paths:
        done, total, found = check(path)
        all_done, all_total = all_done + done, all_total + total
        problems += found
        share = 100 * done / total if total else 100.0
        print(f"{_shown(path, LOCALES)}: {done}/{total} translated ({share:.1f} %)")
    share = 100 * all_done / all_total if all_total else 100.0
    print(f"Korean edition: {all_done}/{all_total} translated and not fuzzy ({share:.1f} %)")
    for problem in problems:
        print(f"markup changed: {problem}", file=sys.stderr)
    if share < args.min_share:
        print(f"below the required {args.min_share:g} %: translate what is left", file=sys.stderr)
    return 1 if problems or share < args.min_share else 0


if __name__ == "__main__":
    sys.exit(main())
