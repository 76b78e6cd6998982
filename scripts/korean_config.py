"""Write the jupyter-book configuration of the Korean edition, derived from ``_config.yml``.

The Korean edition is the English book built a second time with Sphinx's ``language: ko``:
Sphinx replaces every paragraph, heading and caption by its translation from the catalogs in
``locales/ko/LC_MESSAGES`` (one per page, ``gettext_compact: false``), and keeps the English
for a message that is untranslated or fuzzy. Everything else comes from ``_config.yml``; this
script changes only what must differ:

- ``language: ko``, the catalogs of ``locales/`` (a copy whose glue roles name their page,
  see :func:`catalogs_for_build`), ``gettext_compact: false``;
- the title, author and footer, in Korean;
- MathJax: the edition is published in ``_build/html/ko/``, so it uses the English edition's
  copy (``_build/html/mathjax/``) instead of copying it again;
- the local extensions' folders, relative to where the new file is written.

Usage: ``python scripts/korean_config.py OUT.yml`` (``scripts/build-book.sh`` writes
``_build/.ko/_config.yml`` and builds with ``jupyter-book build . --config`` that file).

``python scripts/korean_config.py --gettext OUT.yml`` writes instead the configuration that
extracts the English messages (``scripts/update-catalogs.sh``): one catalog per page, no
source locations, chapters taken from the English edition's execution cache (their outputs are
not translated, but the values they glue into the text must exist).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: The book's title: the same words as the Korean title of its first page (intro.po).
TITLE = "NumPy로 밑바닥부터 구현하는 딥러닝"
#: Who wrote it, as the footer says ("{author} 지음": templates/author.html).
AUTHOR = "dlfs 강의"
FOOTER = "이 책의 모든 코드 셀은 책을 빌드할 때 실행되었습니다."


#: A glue role of MyST-NB: {glue}`key`, {glue:text}`key:format`, {glue:md}`key` ...
_GLUE = re.compile(r"(\{glue(?::[a-z]+)?\}`)(?![^`]*::)([^`]+`)")


#: The start of a translation that Markdown would read as a numbered list ("3. ...").
_NUMBERED = re.compile(r'^(msgstr "\d+)\.(?= )')


def catalogs_for_build(source: Path, target: Path) -> None:
    """Copy the catalogs, naming each glue role's page: ``{glue:text}`03_loss.md::key```.

    Sphinx parses a translated paragraph as a document of its own, which has none of the
    page's glue data, so a bare ``{glue:text}`key``` would come out empty; with the page
    named, MyST-NB takes the value from the page's stored outputs. Translators keep writing
    the bare form of the English. A catalog is rewritten only when its text changed, so that
    Sphinx rereads only the pages whose translations did.
    """
    for po in sorted(source.rglob("*.po")):
        page = po.relative_to(source).with_suffix(".md").name
        lines, in_msgstr = [], False
        for line in po.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.startswith('"'):  # a continuation line belongs to what it continues
                in_msgstr = line.startswith("msgstr")
            if in_msgstr:  # only the translation: the msgid must stay the English text
                line = _GLUE.sub(rf"\g<1>{page}::\g<2>", line)
                # "3. 손실 함수와 미니배치" alone would parse as a list starting at 3, and Sphinx
                # drops a title whose translation is not plain text: escape the period
                line = _NUMBERED.sub(r"\1\\\\.", line)
            lines.append(line)
        text = "".join(lines)
        out = target / po.relative_to(source)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")


def korean_config(config: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The Korean edition's configuration, from the English one (which is not modified).

    Parameters
    ----------
    config : dict
        ``_config.yml`` as loaded.
    out_dir : Path
        Folder the new configuration file goes to (jupyter-book resolves the local
        extensions' folders relative to it).
    """
    new = yaml.safe_load(yaml.safe_dump(config))  # a deep copy
    new["title"] = TITLE
    new["author"] = AUTHOR
    new.setdefault("html", {})["extra_footer"] = FOOTER
    sphinx = new.setdefault("sphinx", {})
    sphinx["local_extensions"] = {
        name: os.path.relpath(ROOT / folder, out_dir)
        for name, folder in sphinx.get("local_extensions", {}).items()
    }
    settings = sphinx.setdefault("config", {})
    settings.update(
        language="ko",
        # the catalogs of locales/, copied by catalogs_for_build (relative to the book's root)
        locale_dirs=[os.path.relpath(out_dir / "locales", ROOT)],
        gettext_compact=False,
        # One MathJax for both editions: ko/_static/../../mathjax is the English edition's.
        html_extra_path=[],
        mathjax_path="../../mathjax/tex-chtml.js",
    )
    return new


def gettext_config(config: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The configuration that extracts the English messages into one catalog per page.

    Parameters
    ----------
    config : dict
        ``_config.yml`` as loaded.
    out_dir : Path
        Folder the new configuration file goes to.
    """
    new = korean_config(config, out_dir)
    new["title"] = config.get("title", "")
    new["author"] = config.get("author", "")
    new["html"]["extra_footer"] = config.get("html", {}).get("extra_footer", "")
    # The English edition's execution cache: nothing runs when the English book is built.
    new.setdefault("execute", {})["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    settings = new["sphinx"]["config"]
    del settings["language"], settings["locale_dirs"]
    settings.update(gettext_location=False, gettext_uuid=False)
    # myst-nb renders outputs as text for the gettext builder, so the alt texts of figures
    # (their cells' mystnb.image.alt) would never reach the catalogs: render images here too
    settings["nb_mime_priority_overrides"] = [
        ["gettext", mime, 1 + i] for i, mime in enumerate(("image/svg+xml", "image/png"))
    ]
    return new


def main(argv: list[str]) -> int:
    make = korean_config
    if argv[:1] == ["--gettext"]:
        make, argv = gettext_config, argv[1:]
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if make is korean_config:
        language = "ko/LC_MESSAGES"
        catalogs_for_build(ROOT / "locales" / language, out.parent / "locales" / language)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(make(config, out.parent), allow_unicode=True, sort_keys=False)
    header = "# Generated by scripts/korean_config.py from _config.yml: edit that file instead.\n"
    # Rewritten only when it changed, so that Sphinx sees an unchanged configuration.
    if not out.exists() or out.read_text(encoding="utf-8") != header + text:
        out.write_text(header + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
