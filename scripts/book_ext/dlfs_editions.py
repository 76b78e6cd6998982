"""Sphinx extension: the book's editions (English, Korean) link to each other.

The English edition is built at the root of ``_build/html`` and the Korean one in its ``ko/``
folder (``scripts/build-book.sh``), from the same sources: the Korean pass sets ``language:
ko`` and reads the catalogs in ``locales/``. This extension puts a language switch in the
header of every page (the template ``dlfs-language-switch.html``, listed in
``html_theme_options.article_header_end`` of ``_config.yml``) that links the same page in the
other edition, and announces that page with ``<link rel="alternate" hreflang>``. The links are
relative, so they work from ``file://`` and on any web server. The page's ``<html lang>``
comes from Sphinx's ``language`` setting itself. It also translates the captions of the
table of contents (``_toc.yml``), which Sphinx's own translation step never sees, and writes
the footer's author line in the page's language (``templates/author.html``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

#: Every edition: language -> (folder under _build/html, name shown in the switch, tooltip).
EDITIONS = {
    "en": ("", "English", "Read this page in English"),
    "ko": ("ko", "한국어", "이 페이지를 한국어로 보기"),
}
DEFAULT = "en"


def edition_of(language: str | None) -> str:
    """The edition a Sphinx ``language`` setting builds ("ko_KR" -> "ko"; none -> English)."""
    code = (language or DEFAULT).split("_")[0].split("-")[0].lower()
    return code if code in EDITIONS else DEFAULT


def counterpart_url(pagename: str, current: str, other: str) -> str:
    """Relative URL of ``pagename`` in edition ``other``, from that page in ``current``.

    >>> counterpart_url("chapters/03_loss", "en", "ko")
    '../ko/chapters/03_loss.html'
    >>> counterpart_url("chapters/03_loss", "ko", "en")
    '../../chapters/03_loss.html'
    """
    up = pagename.count("/") + (1 if EDITIONS[current][0] else 0)
    folder = EDITIONS[other][0]
    return "../" * up + (f"{folder}/" if folder else "") + f"{pagename}.html"


def _add_templates(app: Sphinx, config: Config) -> None:
    # first, so that templates/author.html replaces the theme's footer component of that name
    config.templates_path.insert(0, str(Path(__file__).with_name("templates")))


def _add_switch(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    current = edition_of(app.config.language)
    links = []
    for language, (_folder, label, title) in EDITIONS.items():
        if language == current:
            continue
        url = counterpart_url(pagename, current, language)
        links.append({"lang": language, "label": label, "title": title, "url": url})
        context["metatags"] = (
            context.get("metatags", "")
            + f'<link rel="alternate" hreflang="{language}" href="{url}" />\n'
        )
    context["dlfs_language_switch"] = links


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions ("Foundations", "Learning", ...) of the table of contents.

    jupyter-book inserts the root page's toctrees from ``_toc.yml`` (sphinx-external-toc's
    ``InsertToctrees``, priority 100) after Sphinx's ``Locale`` transform (priority 20) has
    translated the page, so without this the Korean sidebar keeps the English captions. The
    captions are in the root page's catalog, where ``sphinx-build -b gettext`` puts them.
    """

    default_priority = 110

    def apply(self, **kwargs: Any) -> None:
        if edition_of(self.config.language) == DEFAULT:
            return
        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("caption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [os.path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in toctrees:
            toctree.setdefault("rawcaption", toctree["caption"])
            toctree["caption"] = catalog.gettext(toctree["rawcaption"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _add_templates)
    app.add_transform(TranslateTocCaptions)
    app.connect("html-page-context", _add_switch)
    # env_version: a new version makes Sphinx read every page again (the captions' transform)
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
