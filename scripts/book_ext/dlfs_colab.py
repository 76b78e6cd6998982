"""Sphinx extension: point the theme's Colab launch button at a real notebook.

sphinx-book-theme builds its Colab link from the page's source file, so for a MyST Markdown
chapter it links ``.../blob/<branch>/chapters/01_perceptrons.md``, which Colab cannot open
(Colab opens ``.ipynb`` files only). The book's Pages workflow publishes a Jupyter notebook of
every notebook page (``scripts/colab_notebooks.py``, converted with jupytext) on the branch
named by the ``dlfs_colab_branch`` setting; this extension rewrites the Colab button of each
page to that ``.ipynb``. The Binder button keeps the theme's link: Binder opens the ``.md``
itself, as a notebook, through jupytext (see binder/).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: Label of the theme's launch-button group, and the text of its Colab entry.
LAUNCH_GROUP = "launch-buttons"
COLAB_TEXT = "Colab"


def colab_notebook_url(
    colab_url: str, repository_url: str, branch: str, path_to_docs: str, pagename: str
) -> str:
    """Colab URL that opens ``<pagename>.ipynb`` from ``branch`` of a GitHub repository.

    Parameters
    ----------
    colab_url : str
        Base URL of Colab, e.g. ``https://colab.research.google.com``.
    repository_url : str
        ``https://github.com/<org>/<repo>``.
    branch : str
        Branch that holds the notebooks.
    path_to_docs : str
        Folder of the book inside the repository ("" for the root).
    pagename : str
        Sphinx docname, e.g. ``chapters/01_perceptrons``.
    """
    prefix = "https://github.com/"
    if not repository_url.startswith(prefix):
        raise ValueError(
            f"dlfs_colab: Colab opens notebooks from GitHub only; repository.url is "
            f"{repository_url!r}, expected a URL starting with {prefix!r}"
        )
    org_repo = "/".join(repository_url.removeprefix(prefix).strip("/").split("/")[:2])
    folder = f"{path_to_docs.strip('/')}/" if path_to_docs.strip("/") else ""
    return f"{colab_url.rstrip('/')}/github/{org_repo}/blob/{branch}/{folder}{pagename}.ipynb"


def _retarget_colab_button(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Rewrite the URL of the Colab entry the theme put into this page's launch menu."""
    branch = app.config.dlfs_colab_branch
    options = app.config.html_theme_options
    colab_url = options.get("launch_buttons", {}).get("colab_url", "")
    if not (branch and colab_url):
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != LAUNCH_GROUP:
            continue
        for button in group.get("buttons", []):
            if button.get("text") == COLAB_TEXT:
                button["url"] = colab_notebook_url(
                    colab_url,
                    options.get("repository_url", ""),
                    branch,
                    options.get("path_to_docs", ""),
                    pagename,
                )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("dlfs_colab_branch", "", "html", types=[str])
    # The theme adds its launch buttons at priority 501; run after it.
    app.connect("html-page-context", _retarget_colab_button, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
