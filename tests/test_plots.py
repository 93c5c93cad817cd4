"""Tests for course.plots: each helper returns the Axes, draws what it claims, validates input."""
from __future__ import annotations

import io
import subprocess
import sys
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from course import plots  # noqa: E402
from course.data import load_digits, make_moons, make_spirals  # noqa: E402


def _rc_snapshot() -> dict[str, str]:
    return {key: repr(value) for key, value in matplotlib.rcParams.items()}


@pytest.fixture(autouse=True)
def _close_figures_and_check_rcparams():
    before = _rc_snapshot()
    yield
    plt.close("all")
    assert _rc_snapshot() == before, "a plot helper changed matplotlib.rcParams"


def render(ax: Axes) -> None:
    """Draw the whole figure (layout, text, colorbars) the way savefig would."""
    ax.figure.savefig(io.BytesIO(), format="png", dpi=40)


def star_points(ax: Axes) -> dict[str, tuple[float, float]]:
    """The 'best h' markers of plot_step_error, keyed by colour index (0 forward, 1 central)."""
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    return {line.get_label(): (line.get_xdata()[0], line.get_ydata()[0]) for line in stars}


# ---------------------------------------------------------------- common contract
CALLS = {
    "plot_loss": lambda ax: plots.plot_loss([1.0, 0.5, 0.25], ax),
    "plot_dataset": lambda ax: plots.plot_dataset(np.array([[0.0, 1.0], [1.0, 0.0]]), [0, 1], ax),
    "plot_decision_boundary": lambda ax: plots.plot_decision_boundary(
        lambda G: (G[0] > 0.5).astype(int), np.array([[0.0, 1.0], [1.0, 0.0]]), [0, 1], ax, resolution=20),
    "plot_step_error": lambda ax: plots.plot_step_error(np.sin, np.cos, 1.0, ax),
    "plot_jacobian": lambda ax: plots.plot_jacobian(np.eye(3), ax),
    "plot_grad_norms": lambda ax: plots.plot_grad_norms({"0.W": [1.0, 0.1]}, ax),
    "plot_digits": lambda ax: plots.plot_digits(np.zeros((64, 3)), [0, 1, 2], ax),
}


@pytest.mark.parametrize("name", CALLS)
def test_uses_the_given_axes_and_returns_it(name):
    fig, ax = plt.subplots()
    before = len(ax.get_children())
    out = CALLS[name](ax)
    assert out is ax
    assert len(ax.get_children()) > before      # something was drawn on it
    assert plt.get_fignums() == [fig.number]    # and no other figure was made
    render(ax)


@pytest.mark.parametrize("name", CALLS)
def test_makes_a_new_figure_when_ax_is_none(name):
    ax = CALLS[name](None)
    assert isinstance(ax, Axes)
    assert plt.get_fignums() == [ax.figure.number]
    render(ax)


@pytest.mark.parametrize("name", CALLS)
def test_rejects_something_that_is_not_an_axes(name):
    with pytest.raises(TypeError, match="ax: expected a matplotlib Axes"):
        CALLS[name]("not an axes")


def test_no_global_state_changes_and_no_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    with matplotlib.rc_context():
        matplotlib.rcdefaults()                 # a known starting point, restored afterwards
        before = _rc_snapshot()
        for call in CALLS.values():
            render(call(None))
        assert _rc_snapshot() == before


@pytest.mark.parametrize("module", ["course.plots", "course.plots.training", "course.plots.calculus",
                                    "course.plots.axes"])
def test_importing_plots_does_not_import_pyplot(module):
    code = f"import sys, {module}; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_facade_exports_every_helper_from_its_concept_module():
    from course.plots import calculus as plots_calculus, training as plots_training

    assert set(plots.__all__) == set(CALLS) | {"plot_graph"}
    for module in (plots_training, plots_calculus):
        for name in module.__all__:
            assert getattr(plots, name) is getattr(module, name), name
    assert set(plots_training.__all__) | set(plots_calculus.__all__) == set(CALLS)


# ---------------------------------------------------------------- plot_loss
def test_plot_loss_draws_the_values_on_a_log_axis():
    ax = plots.plot_loss([4.0, 2.0, 1.0, 0.5])
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), [4.0, 2.0, 1.0, 0.5])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and "loss" in ax.get_ylabel() and ax.get_title()


def test_plot_loss_accepts_a_history_and_overlays_labelled_runs():
    history = types.SimpleNamespace(loss=[1.0, 0.8, 0.7])
    ax = plots.plot_loss(history, label="lr 0.1", log=False)
    plots.plot_loss([1.0, 0.5, 0.2], ax, label="lr 1.0", log=False)
    assert ax.get_yscale() == "linear"
    assert [line.get_label() for line in ax.lines] == ["lr 0.1", "lr 1.0"]
    assert ax.lines[0].get_color() != ax.lines[1].get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr 0.1", "lr 1.0"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history.loss)


def test_plot_loss_shows_a_diverged_run_with_gaps():
    ax = plots.plot_loss([1.0, 10.0, np.inf, np.nan])
    render(ax)
    assert np.isnan(ax.lines[0].get_ydata()[2:]).all()


@pytest.mark.parametrize(("losses", "kwargs", "error", "message"), [
    ([1.0, 0.0], {}, ValueError, "log=True needs losses > 0"),
    ([], {}, ValueError, "non-empty 1-D"),
    ([[1.0, 2.0]], {}, ValueError, "non-empty 1-D"),
    (["a", "b"], {}, TypeError, "history_or_losses: expected a 1-D sequence of numbers"),
])
def test_plot_loss_rejects_bad_input(losses, kwargs, error, message):
    with pytest.raises(error, match=message):
        plots.plot_loss(losses, **kwargs)


def test_plot_loss_zero_is_fine_on_a_linear_axis():
    ax = plots.plot_loss([1.0, 0.0], log=False)
    render(ax)


# ---------------------------------------------------------------- plot_dataset / plot_decision_boundary
def test_plot_dataset_one_scatter_per_class():
    X, y = make_spirals(90, rng=np.random.default_rng(0))
    ax = plots.plot_dataset(X, y)
    assert len(ax.collections) == 3
    for c, coll in enumerate(ax.collections):
        np.testing.assert_array_equal(coll.get_offsets(), X[:, y == c].T)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]


def test_decision_boundary_calls_predict_once_on_a_grid_covering_the_data():
    X, y = make_moons(60, rng=np.random.default_rng(0))
    seen = []

    def predict(G):
        seen.append(G.copy())
        return (G[1] > 0).astype(int)

    ax = plots.plot_decision_boundary(predict, X, y, resolution=30)
    (G,) = seen
    assert G.shape == (2, 900)
    assert np.all(G.min(axis=1) < X.min(axis=1)) and np.all(G.max(axis=1) > X.max(axis=1))
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    assert xlim[0] < X[0].min() and xlim[1] > X[0].max() and ylim[0] < X[1].min() and ylim[1] > X[1].max()
    assert ax.get_title() == "Decision boundary" and ax.get_xlabel() and ax.get_ylabel()
    render(ax)


def test_decision_boundary_with_labels_fills_regions_by_class():
    X, y = make_moons(40, rng=np.random.default_rng(1))
    ax = plots.plot_decision_boundary(lambda G: (G[0] > 0).astype(int), X, y, resolution=25)
    filled = [c for c in ax.collections if getattr(c, "filled", False)]
    assert len(filled) == 1
    np.testing.assert_array_equal(filled[0].levels, [-0.5, 0.5, 1.5])
    scatters = [c for c in ax.collections if c not in filled and c.get_offsets().shape[0] > 2]
    assert sum(s.get_offsets().shape[0] for s in scatters) == 40
    assert len(ax.figure.axes) == 1             # labels need no colorbar


def test_decision_boundary_with_scores_has_a_colorbar_and_the_boundary_at_half():
    X, y = make_moons(40, rng=np.random.default_rng(2))
    ax = plots.plot_decision_boundary(lambda G: 1 / (1 + np.exp(-G[1:2])), X, y, resolution=25)  # (1, k)
    assert len(ax.figure.axes) == 2             # the colorbar
    lines = [c for c in ax.collections if hasattr(c, "levels") and not c.filled]
    assert [list(c.levels) for c in lines] == [[0.5]]
    render(ax)


def test_decision_boundary_with_class_scores_uses_argmax():
    X, y = make_spirals(60, rng=np.random.default_rng(3))
    grids = []

    def scores(G):
        grids.append(G)
        return np.vstack([G[0], G[1], -G[0] - G[1]])          # (3, k)

    ax = plots.plot_decision_boundary(scores, X, y, resolution=20)
    filled = [c for c in ax.collections if getattr(c, "filled", False)]
    np.testing.assert_array_equal(filled[0].levels, [-0.5, 0.5, 1.5, 2.5])


@pytest.mark.parametrize(("predict", "X", "y", "error", "message"), [
    ("predict", np.zeros((2, 3)), [0, 1, 0], TypeError, "predict: expected a callable"),
    (lambda G: G[0], np.zeros((3, 2)), [0, 1], ValueError, r"X: expected a 2-D float array of shape \(2, m\)"),
    (lambda G: G[0], np.zeros((5, 2)), [0] * 5, ValueError, r"X: expected .* shape \(2, m\)"),
    (lambda G: G[0], np.array([[0.0, np.nan], [0.0, 1.0]]), [0, 1], ValueError, "X: expected finite values"),
    (lambda G: G[0], np.zeros((2, 3)), [0, 1], ValueError, r"y: expected integer labels of shape \(3,\)"),
    (lambda G: G[0], np.zeros((2, 2)), [0.5, 1], ValueError, "y: expected integer class labels"),
    (lambda G: G.T, np.zeros((2, 2)), [0, 1], ValueError, r"predict: expected an array of shape \(400,\)"),
    (lambda G: G[0][:10], np.zeros((2, 2)), [0, 1], ValueError, "predict: expected an array of shape"),
    (lambda G: G[0] / 0.0, np.ones((2, 2)), [0, 1], ValueError, "predict: returned .* NaN/inf"),
])
def test_decision_boundary_rejects_bad_input(predict, X, y, error, message):
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(error, match=message):
        plots.plot_decision_boundary(predict, X, y, resolution=20)


@pytest.mark.parametrize("resolution, error", [(1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_decision_boundary_rejects_bad_resolution(resolution, error):
    with pytest.raises(error, match="resolution: expected an int >= 2"):
        plots.plot_decision_boundary(lambda G: G[0], np.zeros((2, 2)), [0, 1], resolution=resolution)


# ---------------------------------------------------------------- plot_step_error
def test_step_error_v_curve_for_sin_at_one():
    ax = plots.plot_step_error(np.sin, np.cos, 1.0)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    curves = {line.get_label(): line for line in ax.lines}
    h = curves["forward difference"].get_xdata()
    np.testing.assert_allclose(h, np.logspace(-16, 0, 81))
    fwd = curves["forward difference"].get_ydata()
    cen = curves["central difference"].get_ydata()
    # truncation: forward ~ |f''| h / 2, central ~ |f'''| h^2 / 6
    i = np.argmin(np.abs(h - 1e-3))
    assert fwd[i] == pytest.approx(np.sin(1.0) / 2 * h[i], rel=0.01)
    assert cen[i] == pytest.approx(np.cos(1.0) / 6 * h[i] ** 2, rel=0.01)
    # round-off at tiny h: far worse than at the optimum
    assert fwd[h < 1e-14].min() > 1e-4
    # the marked minima: forward near sqrt(eps), central near eps^(1/3), and central is better
    (h_fwd, e_fwd), (h_cen, e_cen) = star_points(ax).values()
    assert 1e-9 <= h_fwd <= 1e-7 and 1e-6 <= h_cen <= 1e-4
    assert e_cen < e_fwd / 100
    assert e_fwd == pytest.approx(fwd[np.argmin(np.abs(h - h_fwd))])


def test_step_error_draws_curves_minima_guides_and_region_labels():
    ax = plots.plot_step_error(np.exp, np.exp, 0.5)
    labels = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labels[0] == "forward difference" and labels[2] == "central difference"
    assert labels[1].startswith("best h ≈ ") and labels[3].startswith("best h ≈ ")
    assert "round-off" in labels[4]
    assert len(ax.lines) == 7                   # 2 curves, 2 minima, 2 slope guides, 1 round-off line
    texts = " ".join(t.get_text() for t in ax.texts)
    for needed in ("slope 1", "slope 2", "round-off", "truncation"):
        assert needed in texts
    assert len(ax.get_legend().get_texts()) == 5
    assert ax.get_title() and ax.get_xlabel() == "step h" and ax.get_ylabel()
    render(ax)


def test_step_error_guides_have_slopes_one_and_two():
    ax = plots.plot_step_error(np.sin, np.cos, 1.0)
    guides = [line for line in ax.lines if line.get_linestyle() == "--"]
    slopes = []
    for line in guides:
        x, y = np.log10(line.get_xdata()), np.log10(line.get_ydata())
        slopes.append((y[-1] - y[0]) / (x[-1] - x[0]))
    np.testing.assert_allclose(slopes, [1.0, 2.0])


def test_step_error_wrong_derivative_shows_no_v():
    ax = plots.plot_step_error(np.sin, np.sin, 1.0)   # "exact" derivative is wrong
    cen = next(line for line in ax.lines if line.get_label() == "central difference").get_ydata()
    h = ax.lines[0].get_xdata()
    # the error no longer falls like h^2: it levels off at |cos 1 - sin 1|
    assert cen[np.argmin(np.abs(h - 1e-4))] == pytest.approx(abs(np.cos(1.0) - np.sin(1.0)), rel=1e-3)


def test_step_error_custom_steps_and_zero_function_value():
    ax = plots.plot_step_error(np.sin, np.cos, 0.0, steps=[1e-1, 1e-3, 1e-2, 1e-4])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1e-4, 1e-3, 1e-2, 1e-1])
    render(ax)


@pytest.mark.parametrize(("args", "kwargs", "error", "message"), [
    ((1.0, np.cos, 1.0), {}, TypeError, "f: expected a callable"),
    ((np.sin, None, 1.0), {}, TypeError, "df: expected a callable"),
    ((np.sin, np.cos, "1"), {}, TypeError, "x: expected a finite real number"),
    ((np.sin, np.cos, np.nan), {}, TypeError, "x: expected a finite real number"),
    ((np.sin, np.cos, 1.0), {"steps": [1e-3, -1e-3, 1e-2]}, ValueError, "steps: expected at least 3"),
    ((np.sin, np.cos, 1.0), {"steps": [1e-3, 1e-2]}, ValueError, "steps: expected at least 3"),
    ((lambda x: np.array([x, x]), np.cos, 1.0), {}, TypeError, "f: expected a function of one float"),
    ((np.sin, lambda x: "cos", 1.0), {}, TypeError, "df: expected a function of one float"),
])
def test_step_error_rejects_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plots.plot_step_error(*args, **kwargs)


# ---------------------------------------------------------------- plot_jacobian
def test_jacobian_heatmap_is_centred_at_zero_with_a_colorbar():
    J = np.array([[1.0, -3.0, 0.0, 2.0], [0.5, 0.0, 0.0, -1.0], [0.0, 0.0, 2.5, 0.0]])
    ax = plots.plot_jacobian(J, title="dy/dx")
    (im,) = ax.images
    np.testing.assert_array_equal(im.get_array(), J)
    assert im.get_clim() == (-3.0, 3.0)                       # symmetric: 0 is the middle colour
    assert im.cmap(0.5)[:3] == pytest.approx((0.97, 0.97, 0.97), abs=0.03)   # near-white centre
    assert im.colorbar is not None and len(ax.figure.axes) == 2
    assert "3 × 4" in ax.get_title() and "dy/dx" in ax.get_title() and "outputs × inputs" in ax.get_title()
    assert ax.get_xlabel() == "input j" and ax.get_ylabel() == "output i"
    assert len(ax.texts) == 12                                # small: every entry is written
    assert list(ax.get_xticks()) == [0, 1, 2, 3] and list(ax.get_yticks()) == [0, 1, 2]
    render(ax)


def test_jacobian_large_and_thin_shapes():
    ax = plots.plot_jacobian(np.random.default_rng(0).standard_normal((100, 3)), xlabel="x", ylabel="y")
    assert len(ax.texts) == 0 and "100 × 3" in ax.get_title()
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    render(ax)
    ax = plots.plot_jacobian(np.zeros((2, 2)))               # all zeros: still a valid colour scale
    assert ax.images[0].get_clim() == (-1.0, 1.0)


@pytest.mark.parametrize(("J", "message"), [
    (np.ones(3), r"J: expected a 2-D float array of shape \(n_out, n_in\), got shape \(3,\)"),
    (np.ones((2, 2, 2)), "J: expected a 2-D float array"),
    (np.zeros((0, 3)), "J: expected a 2-D float array"),
    (np.array([[1.0, np.nan]]), "J: expected finite values, got 1 NaN/inf"),
    (np.array([["a", "b"]]), "J: expected a 2-D float array"),
])
def test_jacobian_rejects_bad_input(J, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_jacobian(J)


# ---------------------------------------------------------------- plot_grad_norms
def test_grad_norms_one_line_per_parameter_on_a_log_axis():
    norms = {"0.W": [1e-3, 1e-4, 1e-5], "0.b": [1e-4, 1e-5, 1e-6], "2.W": [0.5, 0.3, 0.2]}
    ax = plots.plot_grad_norms(norms)
    assert [line.get_label() for line in ax.lines] == list(norms)
    for line, values in zip(ax.lines, norms.values()):
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert ax.get_yscale() == "log"
    assert len({line.get_color() for line in ax.lines}) == 3
    assert ax.get_legend() is not None and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_grad_norms_accepts_a_history():
    history = types.SimpleNamespace(loss=[1.0, 0.5], grad_norms={"0.W": [0.3, 0.2], "0.b": [0.1, 0.05]})
    ax = plots.plot_grad_norms(history)
    assert [line.get_label() for line in ax.lines] == ["0.W", "0.b"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.1, 0.05])


def test_grad_norms_keeps_a_dead_layer_visible():
    ax = plots.plot_grad_norms({"0.W": [0.0, 0.0, 0.0], "2.W": [0.5, 0.1, 0.01]})
    assert ax.get_yscale() == "symlog"
    render(ax)
    assert plots.plot_grad_norms({"a": [1.0, 2.0]}, log=False).get_yscale() == "linear"


@pytest.mark.parametrize(("norms", "error", "message"), [
    ({}, TypeError, "norms: expected a non-empty dict"),
    ([1.0, 2.0], TypeError, "norms: expected a non-empty dict"),
    ({"0.W": [1.0, -1.0]}, ValueError, r"norms\['0.W'\]: expected norms >= 0"),
    ({"0.W": []}, ValueError, r"norms\['0.W'\]: expected a non-empty 1-D"),
])
def test_grad_norms_rejects_bad_input(norms, error, message):
    with pytest.raises(error, match=message):
        plots.plot_grad_norms(norms)


# ---------------------------------------------------------------- plot_digits
def test_digits_grid_with_labels_and_wrong_predictions_in_colour():
    X, y = load_digits()
    pred = y.copy()
    pred[[1, 4]] = 7
    ax = plots.plot_digits(X, y, y_pred=pred, n=12, per_row=6)
    (im,) = ax.images
    assert im.get_array().shape == (2 * 12, 6 * 10)          # 2 rows x 6 tiles
    np.testing.assert_array_equal(im.get_array()[1:9, 1:9], X[:, 0].reshape(8, 8))
    assert [t.get_text() for t in ax.texts[:3]] == ["0→0", "1→7", "2→2"]
    colours = [t.get_color() for t in ax.texts]
    assert len(colours) == 12 and sum(c != "black" for c in colours) == 2
    assert "prediction" in ax.get_title()
    render(ax)


def test_digits_without_labels_and_bad_input():
    ax = plots.plot_digits(np.random.default_rng(0).random((64, 5)))
    assert len(ax.texts) == 0 and "5 digits" in ax.get_title()
    with pytest.raises(ValueError, match=r"X: expected finite values of shape \(64, m\)"):
        plots.plot_digits(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"y: expected shape \(5,\)"):
        plots.plot_digits(np.zeros((64, 5)), [1, 2])
    with pytest.raises(ValueError, match=r"n: expected a positive int \(>= 1\), got 0"):
        plots.plot_digits(np.zeros((64, 5)), n=0)


# ---------------------------------------------------------------- plot_graph
def test_plot_graph_delegates_to_graph_plot(monkeypatch):
    calls = []
    fake = types.ModuleType("course.plots.graph")
    fake.plot_graph = lambda root, ax=None, *, show_grad=True: calls.append((root, ax, show_grad)) or "axes"
    monkeypatch.setitem(sys.modules, "course.plots.graph", fake)
    assert plots.plot_graph("root", "ax", show_grad=False) == "axes"
    assert calls == [("root", "ax", False)]


# ---------------------------------------------------------------- with the course's own objects
def test_works_with_course_history_and_mlp():
    from course.reference.mlp import MLP
    from course.reference.training import History

    history = History(loss=[0.7, 0.4, 0.2], grad_norms={"0.W": [0.5, 0.2, 0.1], "0.b": [0.1, 0.0, 0.0]})
    assert plots.plot_loss(history).lines[0].get_ydata().tolist() == [0.7, 0.4, 0.2]
    assert plots.plot_grad_norms(history).get_yscale() == "symlog"
    X, y = make_moons(30, rng=np.random.default_rng(0))
    for sizes in ([2, 4, 2], [2, 4, 1]):                     # class scores (2, k) and one score (1, k)
        model = MLP(sizes, activation="tanh", rng=np.random.default_rng(1))
        render(plots.plot_decision_boundary(model.forward, X, y, resolution=15))
