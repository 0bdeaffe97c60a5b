"""One visual language for every chart: a colour-blind-safe palette and a Plotly template.

Colours come from Okabe & Ito ("Color Universal Design", 2008), which stay distinct under
the common colour-vision deficiencies. Each delivery mode also gets its own marker shape,
so a chart never relies on colour alone (WCAG 1.4.1). The template is registered once by
`register_template()` from `create_app`; chart modules never set a template themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "observatory"

# Same stack as Bootstrap 5's --bs-font-sans-serif: no web font is downloaded.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

# Yellow and sky blue are too light for thin marks on white, so they come last.
COLORWAY = [
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish_green",
        "vermillion",
        "reddish_purple",
        "sky_blue",
        "black",
        "yellow",
    )
]

TEXT_COLOUR = "#212529"
GRID_COLOUR = "#DEE2E6"


@dataclass(frozen=True)
class ModeStyle:
    label: str
    colour: str
    symbol: str


# Contract enum `programs.delivery_mode`, in order of increasing therapist involvement.
DELIVERY_MODES: dict[str, ModeStyle] = {
    "self_guided": ModeStyle("Self-guided", OKABE_ITO["orange"], "circle"),
    "guided_asynchronous": ModeStyle("Guided (asynchronous)", OKABE_ITO["blue"], "square"),
    "therapist_realtime": ModeStyle("Therapist (real time)", OKABE_ITO["bluish_green"], "diamond"),
    "in_person": ModeStyle("In-person CBT", OKABE_ITO["vermillion"], "triangle-up"),
}


def mode_label(mode: str) -> str:
    """Readable name of a delivery mode; unknown codes are shown as they are."""
    style = DELIVERY_MODES.get(mode)
    return style.label if style else mode


def mode_style(mode: str) -> ModeStyle:
    """Style of a delivery mode; a mode the contract does not list is drawn in black."""
    return DELIVERY_MODES.get(mode, ModeStyle(mode, OKABE_ITO["black"], "x"))


def _template() -> go.layout.Template:
    axis = {
        "gridcolor": GRID_COLOUR,
        "linecolor": TEXT_COLOUR,
        "zerolinecolor": TEXT_COLOUR,
        "ticks": "outside",
        "automargin": True,
    }
    return go.layout.Template(
        layout={
            "font": {"family": FONT_STACK, "size": 14, "color": TEXT_COLOUR},
            "colorway": COLORWAY,
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "hoverlabel": {"font": {"family": FONT_STACK}},
            "margin": {"l": 16, "r": 16, "t": 72, "b": 16},
        }
    )


def register_template() -> None:
    """Make the observatory template Plotly's default for this process (idempotent).

    It is merged onto plotly_white once, here: a default named "plotly_white+..." is
    merged again for every figure, which cost 150 ms of CPU per chart.
    """
    pio.templates[TEMPLATE_NAME] = pio.templates.merge_templates(
        pio.templates["plotly_white"], _template()
    )
    pio.templates.default = TEMPLATE_NAME
