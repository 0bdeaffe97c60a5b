"""One module per chart, each with pure `process_data(df, filters)` and `create_figure(data)`.

Chart modules know a mart's columns and how to draw them; they never touch the warehouse
or Dash callbacks, so they are tested by calling them with a frame.
"""
