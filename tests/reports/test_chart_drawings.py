"""A chart is drawn once per content: the same figures reuse the drawing, a changed one is drawn anew."""

from __future__ import annotations

from flask_babel import force_locale

from core.reports import charts
from core.reports.engine import RenderedChart


def _chart(values: list[float | None], title: str = "Mødre pr. kommune") -> RenderedChart:
    return RenderedChart(
        key="c", title=title, table_key="t", table_title="T", kind="bar", categories=["Alfa", "Beta"], series=[("Mødre", values)]
    )


def test_the_same_figures_reuse_the_drawing_and_a_changed_one_is_drawn_anew(app, monkeypatch):
    drawn: list[str] = []
    draw = charts._draw
    monkeypatch.setattr(charts, "_draw", lambda chart: drawn.append(chart.title) or draw(chart))
    monkeypatch.setattr(charts, "_DRAWINGS", {})
    with app.test_request_context(), force_locale("da"):
        first = charts.svg(_chart([7.0, 12.0]))
        assert charts.svg(_chart([7.0, 12.0])) == first and len(drawn) == 1
        changed = charts.svg(_chart([7.0, 13.0]))
        assert changed != first and "13" in changed and len(drawn) == 2
        assert charts.svg(_chart([7.0, None])) != first  # a hidden figure is a gap, another drawing
    with app.test_request_context(), force_locale("en"):
        charts.svg(_chart([7.0, 12.0]))
    assert len(drawn) == 4  # another language, another drawing (its number forms)


def test_only_the_latest_drawings_are_kept(app, monkeypatch):
    monkeypatch.setattr(charts, "_DRAWINGS", {})
    monkeypatch.setattr(charts, "DRAWINGS_KEPT", 3)
    with app.test_request_context():
        for n in range(5):
            charts.svg(_chart([float(n), 1.0], title=f"Diagram {n}"))
    assert len(charts._DRAWINGS) == 3
