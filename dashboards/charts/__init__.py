"""One module per chart: pure `process_data`, `create_figure`, `summarise` and `about`.

Chart modules know a mart's columns and how to draw, describe and tabulate them; they
never touch the warehouse or Dash callbacks, and accept only frames that have been
through suppression (`dashboards.marts`), so they are tested by calling them with a frame.
"""
