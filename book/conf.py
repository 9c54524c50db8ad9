"""Sphinx configuration of the HTML book (`make book`, tools/build_book.py).

tools/build_book.py copies this file, index.md and a prepared copy of every notebook into
build/book/src and runs Sphinx there. The book shows the stored, nbval-checked outputs
(nothing is re-executed), keeps the worked solutions behind a "Show solution" control and
loads nothing from the network: MathJax 3 is served from _static/mathjax.
"""
project = "Recurrent neural networks from scratch"
author = "the rnn-course authors"
copyright = f"2026, {author}"   # as in LICENSE
language = "en"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
root_doc = "index"

# The notebooks' stored outputs are the ones nbval checks; never re-run them here.
nb_execution_mode = "off"
# The label of the collapsed cells. build_book.py gives only the worked solutions (tag
# `solution`) MyST-NB's `hide-input` tag, so this is the only collapsed kind of cell.
nb_code_prompt_show = "Show solution"
nb_code_prompt_hide = "Hide solution"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# MathJax 3 from the book's own files (vendored by build_book.py from npm's mathjax package).
mathjax_path = "mathjax/tex-chtml-full.js"

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": True,
    "extra_footer": (
        "Text and figures: "
        '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>; '
        'code: <a href="https://opensource.org/license/mit">MIT</a> '
        "(see the files LICENSE-CC-BY-4.0 and LICENSE)."
    ),
}
html_context = {"default_mode": "light"}


def _image_alt_from_output(renderer_class):
    """Give each notebook image the alt text stored in its output's metadata.

    rnn_course.plots.setup_notebook stores it as ``{"image/png": {"alt": ...}}``; MyST-NB reads
    only width and height from there, so the alt text is copied onto the image node here.
    """
    render_image = renderer_class.render_image

    def render_image_with_alt(self, data):
        nodes = render_image(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        for node in nodes:
            if alt and not node.get("alt"):
                node["alt"] = str(alt)
        return nodes

    renderer_class.render_image = render_image_with_alt


def _keep_own_environments(app, doctree):
    """Typeset ``$$ \\begin{aligned} ... \\end{aligned} \\tag{4.2} $$`` as the notebooks write it.

    Sphinx wraps display maths that contains ``\\\\`` in ``\\begin{split}``, which breaks a
    block that brings its own environment (MathJax refuses ``\\tag`` inside ``split``). Such a
    block is passed to MathJax unchanged, between ``\\[`` and ``\\]``, as JupyterLab shows it.
    """
    from docutils import nodes

    for block in doctree.findall(nodes.math_block):
        latex = block.astext()
        if block.get("nowrap") or block.get("number") or "\\\\" not in latex \
                or "\\begin{" not in latex or "\n\n" in latex.strip():
            continue
        block["nowrap"] = True
        block.children = [nodes.Text(f"\\[{latex}\\]")]


def setup(app):
    from myst_nb.core.render import NbElementRenderer

    _image_alt_from_output(NbElementRenderer)
    app.connect("doctree-read", _keep_own_environments)
