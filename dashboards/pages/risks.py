"""Confirmed risks: what the safety review concluded, for everyone signed in.

A signal is a prompt for analysts (the Safety page is theirs); once an analyst confirms
a risk after validation and assessment (EU GVP Module IX), the risk and the action
recommended are what viewers may see: program, indicators, status (action under way, or
closed once done), the action and the date decided. Rationales, assignees, the queue and
the register stay on the Safety page. Read from the application database at each
request, so a decision shows at once; no counts of people are shown.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import review_queue
from dashboards.components import page_header, published_line, unavailable_page
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import Id
from dashboards.runtime import current

PATH = "/confirmed-risks"
TITLE = "Confirmed risks"

dash.register_page(
    __name__,
    path=PATH,
    name=TITLE,
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Safety risks the review confirmed, and the actions recommended.",
    order=4.5,
    publish=True,
)


def layout(**_query: Any) -> html.Div:
    try:
        marts = current().snapshot()
        names = dict(marts.programs().select("program_id", "program_name").rows())
        built_at = marts.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    frame = review_queue.confirmed_frame(review_queue.current_store().items(), names)
    return html.Div(
        [
            *page_header(
                TITLE,
                "Safety risks that analysts confirmed after validating and assessing a "
                "signal, with the action recommended for each.",
            ),
            html.Div(review_queue.confirmed_table(frame), id=Id.RISKS_TABLE),
            published_line(built_at),
        ]
    )
