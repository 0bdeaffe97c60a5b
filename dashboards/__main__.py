"""`python -m dashboards`: serve the dashboard for the settings in the environment."""

from __future__ import annotations

import argparse

from dashboards.app import serve
from pipelines.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the outcomes observatory dashboard.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and reloading")
    parser.add_argument("--demo", action="store_true", help="no sign-in (127.0.0.1 only)")
    args = parser.parse_args()
    serve(Settings.from_env(), host=args.host, port=args.port, debug=args.debug, demo=args.demo)


if __name__ == "__main__":
    main()
