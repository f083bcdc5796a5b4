"""Every figure is drawn from the data given, has labelled axes, and saves as PNG without a display."""

import numpy as np
import pytest

from course_utils import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _saved(figure, tmp_path, name="figure.png"):
    path = plots.save_png(figure, tmp_path / "sub" / name)
    assert path.read_bytes()[:8] == PNG_MAGIC
    return path


def _labelled(axis):
    assert axis.get_xlabel() and axis.get_ylabel()


def test_training_curves_plot_train_beside_validation(tmp_path):
    history = {
        "loss": [0.7, 0.5, 0.4],
        "val_loss": [0.69, 0.6, 0.55],
        "sparse_categorical_accuracy": [0.5, 0.7, 0.8],
        "val_sparse_categorical_accuracy": [0.5, 0.6, 0.7],
    }
    figure = plots.training_curves(history)
    loss_axis, accuracy_axis = figure.axes
    assert [list(line.get_ydata()) for line in loss_axis.lines] == [history["loss"], history["val_loss"]]
    assert list(accuracy_axis.lines[1].get_ydata()) == history["val_sparse_categorical_accuracy"]
    assert loss_axis.get_ylabel() == "loss"
    for axis in figure.axes:
        _labelled(axis)
    _saved(figure, tmp_path)


def test_confusion_matrix_counts_and_figure(tmp_path):
    labels, predictions = [0, 0, 1, 1, 1], [0, 1, 1, 1, 0]
    assert plots.confusion_matrix(labels, predictions).tolist() == [[1, 1], [1, 2]]
    figure = plots.confusion_figure(labels, predictions)
    axis = figure.axes[0]
    assert np.array_equal(axis.images[0].get_array(), [[1, 1], [1, 2]])
    assert sorted(t.get_text() for t in axis.texts) == ["1", "1", "1", "2"]
    assert axis.get_title() == "accuracy 0.600"
    _labelled(axis)
    _saved(figure, tmp_path)


def test_misclassified_lists_only_the_wrong_ones():
    lines = plots.misclassified([b"good film", "bad film", "fine"], [1, 0, 1], [1, 1, 0], count=5)
    assert lines == ["[true neg, predicted pos] bad film", "[true pos, predicted neg] fine"]


def test_token_view_colours_pieces_special_tokens_and_padding(tmp_path):
    rows = {"preset": ["[CLS]", "the", "act", "##ing", "[SEP]", "[PAD]"], "own": ["[START]", "the", "[END]"]}
    figure = plots.token_view(rows)
    axis = figure.axes[0]
    boxes = {t.get_text(): t.get_bbox_patch().get_facecolor() for t in axis.texts if t.get_bbox_patch()}
    from matplotlib.colors import to_rgba

    assert boxes["##ing"] == to_rgba(plots.PIECE_COLOUR)
    assert boxes["[CLS]"] == boxes["[START]"] == to_rgba(plots.SPECIAL_COLOUR)
    assert boxes["[PAD]"] == to_rgba(plots.PAD_COLOUR)
    assert {"preset", "own"} <= {t.get_text() for t in axis.texts}
    _labelled(axis)
    _saved(figure, tmp_path)


def test_masked_lm_figure_shows_truth_and_predictions(tmp_path):
    figure = plots.masked_lm_figure(
        ["the", "[MASK]", "was", "[MASK]"], ["plot", "dull"], [["plot", "film"], ["great", "dull"]]
    )
    table = figure.axes[1].tables[0]
    cells = {(r, c): cell.get_text().get_text() for (r, c), cell in table.get_celld().items()}
    assert cells[(1, 0)] == "plot" and cells[(1, 2)] == "yes"
    assert cells[(2, 1)] == "great | dull" and cells[(2, 2)] == "no"
    _saved(figure, tmp_path)


def test_level_comparison_bars_hold_guide_and_run_figures(tmp_path):
    figure = plots.level_comparison(["1", "2"], [0.78, 0.86], [0.7, None])
    axis = figure.axes[0]
    guide, run = axis.containers
    assert [bar.get_height() for bar in guide] == pytest.approx([0.78, 0.86])
    assert run[0].get_height() == pytest.approx(0.7) and np.isnan(run[1].get_height())
    _labelled(axis)
    _saved(figure, tmp_path)
