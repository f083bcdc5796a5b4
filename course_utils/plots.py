"""Figures for the lessons and the report, drawn on matplotlib `Figure` objects.

No pyplot state and no display are needed: every function returns a Figure that
Jupyter shows inline (as PNG, registered on import inside a kernel) and `save_png`
writes to disk, so it also runs headless.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .config import CLASS_NAMES


def _show_figures_inline() -> None:
    """In a Jupyter kernel, display Figure objects as PNG (pyplot would do this, but is not used here)."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"})


_show_figures_inline()

SPECIAL_COLOUR = "#f4a261"
PAD_COLOUR = "#d9d9d9"
PIECE_COLOUR = "#a8dadc"


def save_png(figure: Figure, path: Path) -> Path:
    """Write the figure as PNG (creating the folder) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100, bbox_inches="tight")
    return path


def training_curves(history) -> Figure:
    """Loss and each metric per epoch, training beside validation, from a History or its dict."""
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_")]
    figure = Figure(figsize=(5 * len(names), 3.5))
    for axis, name in zip(figure.subplots(1, len(names), squeeze=False)[0], names, strict=True):
        epochs = np.arange(1, len(logs[name]) + 1)
        axis.plot(epochs, logs[name], marker="o", label="train")
        if f"val_{name}" in logs:
            axis.plot(epochs, logs[f"val_{name}"], marker="s", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.set_xticks(epochs)
        axis.set_title(name)
        axis.legend()
    figure.tight_layout()
    return figure


def confusion_matrix(labels, predictions, num_classes: int = 2) -> np.ndarray:
    """Counts[true, predicted]."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (np.asarray(labels, dtype=int), np.asarray(predictions, dtype=int)), 1)
    return counts


def confusion_figure(labels, predictions, class_names=CLASS_NAMES) -> Figure:
    """The test split's confusion matrix with the count in every cell."""
    counts = confusion_matrix(labels, predictions, len(class_names))
    figure = Figure(figsize=(4, 3.5))
    axis = figure.subplots()
    image = axis.imshow(counts, cmap="Blues")
    for (row, column), value in np.ndenumerate(counts):
        axis.text(
            column, row, str(value), ha="center", va="center", color="white" if value > counts.max() / 2 else "black"
        )
    axis.set_xticks(range(len(class_names)), class_names)
    axis.set_yticks(range(len(class_names)), class_names)
    axis.set_xlabel("predicted label")
    axis.set_ylabel("true label")
    axis.set_title(f"accuracy {np.trace(counts) / counts.sum():.3f}")
    figure.colorbar(image, ax=axis)
    figure.tight_layout()
    return figure


def misclassified(texts, labels, predictions, count: int = 3, width: int = 300) -> list[str]:
    """Up to `count` reviews the model got wrong, shortened to `width` characters."""
    wrong = [i for i, (y, p) in enumerate(zip(labels, predictions, strict=True)) if int(y) != int(p)]
    lines = []
    for index in wrong[:count]:
        text = texts[index].decode() if isinstance(texts[index], bytes) else str(texts[index])
        lines.append(
            f"[true {CLASS_NAMES[int(labels[index])]}, predicted {CLASS_NAMES[int(predictions[index])]}] {text[:width]}"
        )
    return lines


def token_view(
    rows: dict[str, list[str]],
    special=("[CLS]", "[SEP]", "[START]", "[END]", "[MASK]", "[UNK]"),
    pad: str = "[PAD]",
    per_line: int = 16,
) -> Figure:
    """Each named row of tokens as coloured boxes: pieces, special tokens and padding apart.

    `rows` maps a label (e.g. "preset vocabulary") to the tokens of one text. Every token is
    drawn: long rows wrap every `per_line` tokens, and the grey number left of each line is the
    position of its first token, so a packed sequence can be read to its last [SEP] or [PAD].
    """
    lines = []
    for label, tokens in rows.items():
        chunks = [tokens[i : i + per_line] for i in range(0, len(tokens), per_line)] or [[]]
        lines.extend((label if n == 0 else "", n * per_line, chunk) for n, chunk in enumerate(chunks))
    figure = Figure(figsize=(per_line * 0.9 + 2, 0.45 * len(lines) + 0.9))
    axis = figure.subplots()
    for y, (label, start, chunk) in enumerate(lines):
        axis.text(-1.0, -y, label, ha="right", va="center", fontsize=9, weight="bold")
        axis.text(-0.45, -y, str(start), ha="right", va="center", fontsize=7, color="grey")
        for x, token in enumerate(chunk):
            colour = PAD_COLOUR if token == pad else SPECIAL_COLOUR if token in special else PIECE_COLOUR
            axis.text(
                x,
                -y,
                token,
                ha="center",
                va="center",
                fontsize=8,
                bbox=dict(boxstyle="round,pad=0.25", facecolor=colour, edgecolor="none"),
            )
    axis.set_xlim(-0.6, per_line)
    axis.set_ylim(-len(lines) + 0.4, 0.8)
    axis.set_xlabel("token position = grey number at the line start + column")
    axis.set_ylabel("text")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title("blue: word pieces   orange: special tokens   grey: padding", fontsize=9)
    return figure


def masked_lm_figure(masked_tokens: list[str], original: list[str], top_predictions: list[list[str]]) -> Figure:
    """Every masked position: the hidden original token beside the model's top predictions."""
    text = textwrap.fill(" ".join(masked_tokens), width=95, max_lines=3, placeholder=" ...")
    figure = Figure(figsize=(9, 0.3 * len(original) + 1.4))
    axes = figure.subplots(2, 1, height_ratios=[1, max(2, len(original))])
    axes[0].axis("off")
    axes[0].set_title("masked input", fontsize=9)
    axes[0].text(0, 0.5, text, fontsize=8, va="center", family="monospace")
    cells = [
        [truth, " | ".join(guesses), "yes" if guesses and guesses[0] == truth else "no"]
        for truth, guesses in zip(original, top_predictions, strict=True)
    ]
    axes[1].axis("off")
    table = axes[1].table(
        cellText=cells, colLabels=["hidden token", "top predictions", "top-1 correct"], loc="center", cellLoc="left"
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    axes[1].set_title("masked positions: truth and predictions", fontsize=9)
    return figure


def level_comparison(
    levels: list[str],
    guide: list[float | None],
    observed: list[float | None],
    metric: str = "final validation accuracy",
    run_label: str = "this run",
) -> Figure:
    """Bars per level: the guide's reported figure beside this run's."""
    figure = Figure(figsize=(8, 3.8))
    axis = figure.subplots()
    x = np.arange(len(levels))

    def nan(values):
        return [np.nan if v is None else v for v in values]

    axis.bar(x - 0.2, nan(guide), width=0.4, label="guide (GPU, real IMDB)")
    axis.bar(x + 0.2, nan(observed), width=0.4, label=run_label)
    axis.set_xticks(x, levels)
    axis.set_xlabel("level")
    axis.set_ylabel(metric)
    axis.set_ylim(0, 1)
    axis.legend()
    figure.tight_layout()
    return figure


# --- Level 1: how long the reviews are in tokens ---


def length_histogram(lengths, sequence_length: int) -> Figure:
    """Histogram of review lengths in tokens, with the preprocessor's sequence length marked."""
    lengths = np.asarray(lengths)
    longer = float(np.mean(lengths > sequence_length)) if lengths.size else 0.0
    figure = Figure(figsize=(6, 3.5))
    axis = figure.subplots()
    axis.hist(lengths, bins=40, color=PIECE_COLOUR, edgecolor="grey")
    axis.axvline(sequence_length, color=SPECIAL_COLOUR, linewidth=2, label=f"sequence_length = {sequence_length}")
    axis.set_xlabel("tokens per review ([CLS] and [SEP] included)")
    axis.set_ylabel("reviews")
    axis.set_title(f"{lengths.size:,} reviews, {longer:.0%} longer than sequence_length")
    axis.legend()
    figure.tight_layout()
    return figure
