"""Sphinx configuration of the course's website (tools/build_site.py stages the sources).

The pages are rendered from notebooks the batch runner has already executed: myst-nb never
executes anything here. Everything the pages load is served from the site itself (no web fonts,
no CDN scripts; tests/test_site.py blocks and records every request beyond 127.0.0.1).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.colab_cell import GITHUB, repository_url  # noqa: E402

project = "KerasNLP 시작하기"
html_title = "KerasNLP 시작하기: 실행하며 배우는 강좌"
language = "ko"
root_doc = "index"

extensions = ["myst_nb", "sphinx_copybutton"]
nb_execution_mode = "off"  # outputs come from the batch run (tools/build_site.py)
nb_merge_streams = True
myst_enable_extensions = []  # no dollarmath: `$KERAS_BACKEND` is text here, and MathJax would come from a CDN
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Copy buttons on every code block (cell inputs, code in the text and in answers), none on outputs.
copybutton_selector = "div:not(.output) > div.highlight > pre"
copybutton_exclude = ".linenos, .gp, .go"

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["site.css"]
templates_path = ["_templates"]
html_show_sourcelink = False
html_last_updated_fmt = None
html_permalinks_icon = "#"
html_use_index = False  # no general index: the pages have no index entries
html_context = {"default_mode": "light"}  # the theme logs an error for an unset mode


def theme_options(url: str) -> dict:
    """The theme's options; Colab launch buttons only once `[project.urls] Repository` names a GitHub repo."""
    options = {
        "home_page_in_toc": True,
        "show_navbar_depth": 1,
        "use_download_button": True,
        "use_fullscreen_button": False,
        "navigation_with_keys": False,
        "footer_content_items": [],  # the theme's "By <author>" footer: the course names no author
    }
    if GITHUB.match(url):
        options.update(
            repository_url=url,
            repository_branch="main",
            path_to_docs="notebooks",
            launch_buttons={"colab_url": "https://colab.research.google.com", "notebook_interface": "classic"},
        )
    return options


html_theme_options = theme_options(repository_url())
