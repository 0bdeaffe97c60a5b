"""Dash Pages: one module per page, each calling `dash.register_page` and exposing `layout`.

Dash imports these modules itself when the app is created (`create_app`); other code
must not import them, or their callbacks would be registered twice.
"""
