"""Insert the live widget demos (rnn_course/demos.py) into notebooks 03, 05, 07 and 08.

For each demo three cells, all tagged ``demo``:

1. a markdown sentence saying what to do with the sliders;
2. a static-figure code cell (what nbval compares, and what the HTML book and the offline
   slides show): it prints only claims that hold on every machine, then draws the figure;
3. the live widget cell, first line ``# NBVAL_IGNORE_OUTPUT``, also tagged ``demo-live``
   (the student handout keeps it; the offline slides drop it, since it needs a kernel).

The cells go next to an anchor found by content (a heading or a code pattern). A missing or
ambiguous anchor is an error naming the notebook and the pattern, so a renamed heading cannot
make a demo land in the wrong place silently. Idempotent: a notebook whose demo cells already
match is not touched (their outputs are kept); otherwise the old ``demo`` cells are removed and
the new ones inserted (without outputs: execute the notebook afterwards).

Usage::

    python tools/insert_demos.py                      # notebooks/03, 05, 07, 08 in place
    python tools/insert_demos.py --check              # exit 1 if any would change
    python tools/insert_demos.py path/to/03_bptt.ipynb  # only these (matched by their NN_ prefix)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402
import nbformat  # noqa: E402

DEMO_TAG = "demo"
LIVE_TAG = "demo-live"


class AnchorError(LookupError):
    """The anchor cell of a demo is missing or matches more than one cell."""


@dataclass(frozen=True)
class Demo:
    name: str                 # used in the cell ids: demo-<name>-text / -figure / -live
    prefix: str               # the notebook's number, "03"
    anchor: str               # a regular expression searched in each cell's source (MULTILINE)
    anchor_type: str          # "markdown" or "code"
    place: str                # "before" or "after" the anchor cell
    text: str
    figure: str
    live: str


DEMOS = (
    Demo(
        name="clipping", prefix="03",
        anchor=r"^## Summary\b", anchor_type="markdown", place="before",
        text=("**Live demo: the direction of a clipped gradient (section 7).** Drag $g_1$, $g_2$ and the "
              "threshold $c$: by value (4.4) the gradient turns whenever one coordinate is cut more than the "
              "other; by norm (4.5) it only shortens. Below: $g = (8, 2)$ at $c = 5$."),
        figure='''from rnn_course import demos

clipped = demos.clip_2d((8.0, 2.0), 5.0)
print(f"by value: {clipped.by_value}, turned by {clipped.turn_by_value:.1f}°")
print(f"by norm:  {clipped.by_norm.round(3)}, turned by less than 1e-9°: {clipped.turn_by_norm < 1e-9}")
fig = demos.clipping_figure((8.0, 2.0), 5.0)
plt.show()''',
        live='''# NBVAL_IGNORE_OUTPUT
# Live (JupyterLab, RISE): move the sliders; the figure follows.
demos.show_clipping(gradient=(8.0, 2.0), threshold=5.0)''',
    ),
    Demo(
        name="temperature", prefix="05",
        anchor=r"^def sample_words\(", anchor_type="code", place="after",
        text=(r"**Live demo: the temperature.** The logits $z$ after `^ca` once more. Drag $\tau$: towards "
              r"0 the mass moves onto the favourite (greedy decoding), towards large $\tau$ it spreads "
              r"towards uniform. Each panel's title gives the entropy $-\sum_c p_c \ln p_c$ in nats: 0 for a "
              r"sure choice, $\ln K$ for $K$ equally likely symbols."),
        figure='''from rnn_course import demos

entropies = [demos.temperature_distribution(logits, tau).entropy for tau in (0.25, 1.0, 4.0)]
print("the entropy rises with τ = 0.25, 1, 4:", entropies[0] < entropies[1] < entropies[2])
print("τ = 0.001 puts more than 0.99 on the favourite:",
      demos.temperature_distribution(logits, 0.001).probabilities.max() > 0.99)
fig = demos.temperature_figure(logits, idx_to_char, taus=(0.25, 1.0, 4.0))
plt.show()''',
        live='''# NBVAL_IGNORE_OUTPUT
# Live (JupyterLab, RISE): drag τ; the bars and the entropy follow.
demos.show_temperature(logits, idx_to_char)''',
    ),
    Demo(
        name="hidden-states", prefix="07",
        anchor=r"^##\s.*Single hidden units", anchor_type="markdown", place="before",
        text=(r"**Live demo: the hidden state explorer.** Type any text made of the Zen's characters. "
              r"The left heatmap shows $h_t$ (the first 32 of the 64 units) after each character, the "
              r"right one $\hat y_t$, the trained model's distribution of the next character. Try a line "
              r"of the Zen, then the same line with a typo."),
        figure='''from rnn_course import demos

trace = demos.hidden_state_trace(trained, "Beautiful is better", char_to_idx)
print(f"h_t: {trace.hidden.shape}, ŷ_t: {trace.predictions.shape}")
print("every ŷ_t sums to 1 within 1e-12:", bool(np.all(np.abs(trace.predictions.sum(axis=1) - 1) < 1e-12)))
fig = demos.hidden_state_figure(trained, "Beautiful is better", char_to_idx, idx_to_char)
plt.show()''',
        live='''# NBVAL_IGNORE_OUTPUT
# Live (JupyterLab, RISE): type in the box; the heatmaps follow.
demos.show_hidden_states(trained, char_to_idx, idx_to_char, text="Beautiful is better")''',
    ),
    Demo(
        name="spectral-radius", prefix="08",
        anchor=r"^##\s.*A task that needs memory", anchor_type="markdown", place="before",
        text=(r"**Live demo: the spectral radius.** Drag $\rho$ and switch between small and large inputs: "
              r"the solid curve is (8.2) for $W_{hh} = \rho Q$, the dotted line $\rho^{T-t}$. Below: the five "
              r"radii of section 1, small inputs."),
        figure='''from rnn_course import demos

for rho in (0.5, 0.9, 1.0, 1.1, 1.5):
    curve = demos.gradient_decay(rho, steps=60, input_scale=0.01)
    at_most_linear = bool(np.all(curve.ratio <= curve.linear * (1 + 1e-9)))   # 1 − h² ≤ 1 only shrinks
    print(f"ρ = {rho}: never above ρ^(T−t) (within 1e-9): {at_most_linear}, "
          f"ratio at distance 59 {'below' if curve.ratio[-1] < 1 else 'above'} 1")
fig = demos.spectral_radius_figure((0.5, 0.9, 1.0, 1.1, 1.5), steps=60, input_scale=0.01)
plt.show()''',
        live='''# NBVAL_IGNORE_OUTPUT
# Live (JupyterLab, RISE): drag ρ, switch the inputs; the curve follows.
demos.show_spectral_radius(rho=0.9)''',
    ),
)


def demo_cells(demo: Demo) -> list:
    """The three new cells of ``demo`` (no outputs)."""
    text = nbformat.v4.new_markdown_cell(demo.text, id=f"demo-{demo.name}-text")
    figure = nbformat.v4.new_code_cell(demo.figure, id=f"demo-{demo.name}-figure")
    live = nbformat.v4.new_code_cell(demo.live, id=f"demo-{demo.name}-live")
    text.metadata["tags"] = [DEMO_TAG]
    figure.metadata["tags"] = [DEMO_TAG]
    live.metadata["tags"] = [DEMO_TAG, LIVE_TAG]
    return [text, figure, live]


def find_anchor(cells, demo: Demo, notebook: str) -> int:
    pattern = re.compile(demo.anchor, re.MULTILINE)
    hits = [i for i, cell in enumerate(cells)
            if cell.cell_type == demo.anchor_type and pattern.search("".join(cell.source))]
    if len(hits) != 1:
        found = "no cell" if not hits else f"{len(hits)} cells ({', '.join(map(str, hits))})"
        raise AnchorError(f"{notebook}: the {demo.name} demo goes {demo.place} the {demo.anchor_type} cell "
                          f"matching {demo.anchor!r}, but {found} match: update DEMOS in tools/insert_demos.py")
    return hits[0] if demo.place == "before" else hits[0] + 1


def insert(nb, demo: Demo, notebook: str = "notebook") -> bool:
    """Put ``demo``'s cells at their anchor in ``nb``; return False when they are already there."""
    kept = [cell for cell in nb.cells if DEMO_TAG not in _nbio.cell_tags(cell)]
    position = find_anchor(kept, demo, notebook)
    new = demo_cells(demo)
    old = [cell for cell in nb.cells if DEMO_TAG in _nbio.cell_tags(cell)]
    in_place = nb.cells[position:position + len(new)] if len(old) == len(new) else []
    if len(in_place) == len(new) and all(
            a.cell_type == b.cell_type and "".join(a.source) == b.source
            and sorted(_nbio.cell_tags(a)) == sorted(b.metadata["tags"]) for a, b in zip(in_place, new)):
        return False
    nb.cells = kept[:position] + new + kept[position:]
    return True


def demos_for(path: Path) -> list[Demo]:
    return [demo for demo in DEMOS if path.name.startswith(demo.prefix + "_")]


def default_paths(root: Path) -> list[Path]:
    paths = []
    for demo in DEMOS:
        matches = sorted(_nbio.notebooks_dir(root).glob(f"{demo.prefix}_*.ipynb"))
        if len(matches) != 1:
            raise AnchorError(f"expected one notebooks/{demo.prefix}_*.ipynb, found {len(matches)}")
        paths.append(matches[0])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="insert_demos.py", description=__doc__.split("\n\n")[0])
    _nbio.add_root_argument(parser)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if a notebook would change")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/03, 05, 07, 08)")
    args = parser.parse_args(argv)
    root = _nbio.resolve_root(args.root)
    try:
        paths = args.notebooks or default_paths(root)
        stale = []
        for path in paths:
            demos = demos_for(path)
            if not demos:
                print(f"error: no demo belongs to {path.name} (demos go into "
                      f"{', '.join(d.prefix for d in DEMOS)})", file=sys.stderr)
                return 2
            nb = _nbio.read_notebook(path)
            changed = False
            for demo in demos:
                changed |= insert(nb, demo, path.name)
            if changed:
                stale.append(path)
                if not args.check:
                    _nbio.write_if_changed(path, _nbio.notebook_text(nb))
                    print(f"demo cells inserted: {_nbio.display_path(path, root)} (execute it to fill their outputs)")
            else:
                print(f"demo cells current: {_nbio.display_path(path, root)}")
    except AnchorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check and stale:
        print("run `python tools/insert_demos.py` to insert the demos", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
