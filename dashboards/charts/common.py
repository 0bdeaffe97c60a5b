"""Pieces every chart shares: the empty-state figure and the graph's modebar settings."""

from __future__ import annotations

import plotly.graph_objects as go


def no_data_figure(message: str) -> go.Figure:
    """A blank figure that states why there is nothing to draw, instead of empty axes."""
    figure = go.Figure()
    figure.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 16},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(height=240, margin={"t": 24, "b": 24})
    return figure


def graph_config(filename: str) -> dict[str, object]:
    """dcc.Graph config: the modebar's "download as image" saves `<filename>.png`."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }
