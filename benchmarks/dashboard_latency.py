"""Benchmark: latency of every dashboard callback, and first page render in Chromium.

Serves the dashboard (`icbt serve --demo`, the entry point an operator runs)
over a published warehouse, then:

1. Callbacks. Reads Dash's callback graph (`/_dash-dependencies`) and each page's layout
   (the Pages router callback, as the browser asks for it), and calls every server
   callback of every page through `/_dash-update-component` with the inputs the layout
   holds: once to warm the snapshot's caches (not counted), then `--requests` times with
   realistic filter changes (a random option of each select, a random subset of each
   checklist, a click for a download), seeded so runs are comparable. Each request is
   timed from the client, one at a time. The layout request itself is timed as the
   page's `layout` callback.
2. First render, in Debian's /usr/bin/chromium through Playwright (never a downloaded
   browser), timed from navigation to the first chart drawn and to every chart drawn.
   First visit: a new browser context (empty HTTP cache) per page, against a server that
   has not drawn that page yet. Warm: what a returning analyst has, one browser context
   kept for the whole run (its HTTP cache holds the scripts of an earlier visit to the
   app), whose tab navigates to the page three times after the first visits.

Goals (issue #11, at one million episodes, warm, in Chromium on this machine): every
callback's p95 under 100 ms, every page's first chart drawn under 1 s after navigation
and all its charts under 1.5 s. Prints a Markdown section ("## Dashboard latency") with
every figure beside its goal, writes it to `--out`, and with `--results FILE` replaces
the section between the dashboard markers of benchmarks/RESULTS.md (figures are never
edited by hand). The exit code is 0 whether or not the goals are met (the section
says), and 1 when the dashboard cannot be served, a callback fails or a page does not
draw.

    .venv/bin/python benchmarks/dashboard_latency.py --warehouse PATH [--requests N]
        [--out FILE] [--results benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
CALLBACK_GOAL_MS = 100.0
FIRST_CHART_GOAL_MS = 1000.0
ALL_CHARTS_GOAL_MS = 1500.0
RESULTS_BEGIN = "<!-- BEGIN DASHBOARD LATENCY -->"
RESULTS_END = "<!-- END DASHBOARD LATENCY -->"
RENDER_TIMEOUT_MS = 60_000
WARM_RENDERS = 3
SEED = 20261125
ROUTER_OUTPUT = "_pages_content"
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class Timing:
    """Latencies of one callback (or render), in milliseconds."""

    page: str
    name: str
    samples: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]


@dataclass(frozen=True)
class Render:
    page: str
    cold_first_chart_ms: float
    cold_all_charts_ms: float
    warm_first_chart_ms: float
    warm_all_charts_ms: float
    charts: int
    failed_visits: int


# --- serving ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(warehouse: Path) -> Iterator[str]:
    """The dashboard in demo mode over `warehouse`, in a data directory of its own."""
    with tempfile.TemporaryDirectory(prefix="dashboard-latency-") as tmp:
        data_dir = Path(tmp)
        (data_dir / "warehouse").mkdir()
        (data_dir / "warehouse" / "observatory.duckdb").symlink_to(warehouse.resolve())
        reports = warehouse.resolve().parent.parent / "reports"
        if reports.is_dir():
            (data_dir / "reports").symlink_to(reports)
        port = _free_port()
        env = {**os.environ, "ICBT_DATA_DIR": str(data_dir), "ICBT_DASHBOARD_AUTH": "off"}
        # The server logs every request: to a file, since an unread pipe fills and stalls it.
        log = data_dir / "dashboard.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("icbt")),
                    "serve",
                    "--demo",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url, process, log)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited:\n{log.read_text(errors='replace')}")
        try:
            # Any answer means serving; /health reads only the snapshot's metadata.
            urllib.request.urlopen(f"{url}/health", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the dashboard did not start within {timeout:.0f} s")


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any, float]:
    """Status, JSON body and round-trip milliseconds of one callback request."""
    request = urllib.request.Request(
        f"{url}/_dash-update-component",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        payload, status = error.read(), error.code
    elapsed = (time.perf_counter() - start) * 1000
    return status, (json.loads(payload) if status == 200 and payload else None), elapsed


# --- callbacks -------------------------------------------------------------------------


def _outputs(spec: str) -> list[dict[str, str]]:
    """Dash's output string (`id.prop` or `..a.prop...b.prop..`) as id/property pairs;
    none for a callback without outputs (Dash names those by a hash)."""
    if "." not in spec:
        return []
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]


def _page_of(component_id: str) -> str:
    return component_id.partition("-")[0]


def _props(tree: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every component with an id in a layout tree: its props."""
    if isinstance(tree, list):
        for item in tree:
            _props(item, found)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            for value in props.values():
                _props(value, found)
    return found


def _layout(url: str, router: dict[str, Any], path: str) -> tuple[dict[str, Any], float]:
    body = {
        "output": router["output"],
        "outputs": _outputs(router["output"]),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    status, payload, elapsed = _post(url, body)
    if status != 200:
        raise RuntimeError(f"layout of {path} failed with HTTP {status}")
    return _props(payload["response"][ROUTER_OUTPUT]["children"], {}), elapsed


def _value(props: dict[str, Any], prop: str, path: str, rng: random.Random | None) -> Any:
    """The layout's value of a prop, or a realistic change of it when `rng` is given."""
    if prop == "pathname":
        return path
    value = props.get(prop)
    options = [o["value"] if isinstance(o, dict) else o for o in props.get("options") or []]
    if rng is None or prop != "value" or not options:
        return value
    if isinstance(value, list):
        if rng.random() < 0.3:
            return options
        return sorted(rng.sample(options, rng.randint(1, len(options))), key=options.index)
    return rng.choice(options)


def _body(
    dependency: dict[str, Any],
    props: dict[str, dict[str, Any]],
    path: str,
    rng: random.Random | None,
) -> dict[str, Any]:
    inputs = []
    for item in dependency["inputs"]:
        component = props.get(item["id"], {})
        value = (
            1 if item["property"] == "n_clicks" else _value(component, item["property"], path, rng)
        )
        inputs.append({**item, "value": value})
    outputs = _outputs(dependency["output"])
    return {
        "output": dependency["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": [
            {**item, "value": _value(props.get(item["id"], {}), item["property"], path, rng)}
            for item in dependency["state"]
        ],
    }


def _name(dependency: dict[str, Any]) -> str:
    outputs = _outputs(dependency["output"])
    first = outputs[0]["id"].partition("-")[2] + "." + outputs[0]["property"]
    return first if len(outputs) == 1 else f"{first} (+{len(outputs) - 1})"


def _hrefs(tree: Any, found: list[str]) -> list[str]:
    """Local link targets in a layout tree, in order."""
    if isinstance(tree, list):
        for item in tree:
            _hrefs(item, found)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            href = props.get("href")
            if isinstance(href, str) and href.startswith("/") and href not in found:
                found.append(href)
            for value in props.values():
                _hrefs(value, found)
    return found


def page_paths(url: str) -> list[str]:
    """The pages the navigation bar links to (every page, in demo mode)."""
    return _hrefs(_get(f"{url}/_dash-layout"), [])


def time_callbacks(url: str, requests: int) -> list[Timing]:
    """Every page's server callbacks, warmed once, then timed `requests` times each.

    A page's callbacks are those whose outputs carry the prefix of the ids in its layout
    (`dashboards.ids`: ids start with the page module's name).
    """
    dependencies = _get(f"{url}/_dash-dependencies")
    router = next(d for d in dependencies if ROUTER_OUTPUT in d["output"])
    rng = random.Random(SEED)
    timings: list[Timing] = []
    for path in page_paths(url):
        props, _ = _layout(url, router, path)  # warms the snapshot's caches
        prefixes = {_page_of(i) for i in props if "-" in i}
        page = path
        layout_timing = Timing(page, "layout")
        for _ in range(requests):
            props, elapsed = _layout(url, router, path)
            layout_timing.samples.append(elapsed)
        timings.append(layout_timing)
        for dependency in dependencies:
            outputs = _outputs(dependency["output"])
            if (
                dependency["clientside_function"]
                or not outputs
                or _page_of(outputs[0]["id"]) not in prefixes
            ):
                continue
            if outputs[0]["id"] not in props:
                continue
            timing = Timing(page, _name(dependency))
            _post(url, _body(dependency, props, path, None))
            for _ in range(requests):
                status, _, elapsed = _post(url, _body(dependency, props, path, rng))
                if status == 200:
                    timing.samples.append(elapsed)
                else:
                    timing.errors += 1
            timings.append(timing)
    return timings


# --- first render ----------------------------------------------------------------------

# A chart counts as drawn when it holds a trace or an annotation (a chart with nothing to
# show says why in one): an empty dcc.Graph, before its callback returns, has neither. A
# page without charts (the warehouse lacks its marts) counts once its heading is there.
FIRST_DRAWN = """() => {
    const content = document.getElementById('_pages_content');
    if (!content || !content.querySelector('h1')) return false;
    return !content.querySelector('.dash-graph')
        || !!content.querySelector('.js-plotly-plot g.trace, .js-plotly-plot g.annotation');
}"""
ALL_DRAWN = """() => [...document.querySelectorAll('.dash-graph')].every(
    g => g.querySelector('.js-plotly-plot g.trace, .js-plotly-plot g.annotation'))"""


def _render_once(page: Any, url: str) -> tuple[float, float, int] | None:
    """Milliseconds from navigation to the first drawn chart and to every chart drawn;
    None when the page did not draw within RENDER_TIMEOUT_MS (counted, not hidden)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_function(FIRST_DRAWN, timeout=RENDER_TIMEOUT_MS)
        first = (time.perf_counter() - start) * 1000
        page.wait_for_function(ALL_DRAWN, timeout=RENDER_TIMEOUT_MS)
        every = (time.perf_counter() - start) * 1000
        charts = page.locator(".dash-graph").count()
    except PlaywrightTimeout:
        print(f"{url}: not drawn within {RENDER_TIMEOUT_MS / 1000:.0f} s", file=sys.stderr)
        return None
    return first, every, charts


def _first_visit(browser: Any, url: str) -> tuple[float, float, int] | None:
    """A visit in a new browser context: nothing cached, every script downloaded."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        return _render_once(context.new_page(), url)
    finally:
        context.close()


def time_renders(url: str, paths: list[str]) -> list[Render]:
    """Each page's first visit (new context, its charts not drawn by the server yet),
    then `WARM_RENDERS` visits by a returning analyst: one context, kept for the run, whose
    tab has opened the app before and navigates to the page."""
    from playwright.sync_api import sync_playwright

    renders = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            first_visits = {path: _first_visit(browser, url + path) for path in paths}
            returning = browser.new_context(viewport=VIEWPORT)
            tab = returning.new_page()
            # The earlier visit whose scripts the returning analyst's cache holds.
            _render_once(tab, url + paths[0])
            warm_visits = {
                path: [_render_once(tab, url + path) for _ in range(WARM_RENDERS)] for path in paths
            }
            returning.close()
        finally:
            browser.close()
    nan = float("nan")
    for path in paths:
        cold = first_visits[path]
        warm = [v for v in warm_visits[path] if v is not None]
        renders.append(
            Render(
                path,
                cold[0] if cold is not None else nan,
                cold[1] if cold is not None else nan,
                statistics.median(w[0] for w in warm) if warm else nan,
                statistics.median(w[1] for w in warm) if warm else nan,
                warm[-1][2] if warm else 0,
                (cold is None) + sum(v is None for v in warm_visits[path]),
            )
        )
    return renders


# --- report ----------------------------------------------------------------------------


def describe(warehouse: Path) -> dict[str, Any]:
    """Size, episodes and publication time of the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        episodes = con.execute("SELECT count(*) FROM staging_episodes").fetchone()[0]
        published = con.execute("SELECT max(published_at) FROM meta_publication").fetchone()[0]
    return {
        "path": str(warehouse),
        "megabytes": warehouse.stat().st_size / 1e6,
        "episodes": int(episodes),
        "published_at": published,
    }


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _met(met: bool) -> str:
    return "met" if met else "**not met**"


def _within(value: float, goal: float, render: Render) -> bool:
    return render.failed_visits == 0 and value < goal


def write_results(path: Path, section: str) -> None:
    """Replace the measured dashboard section of RESULTS.md between its markers."""
    text = path.read_text()
    if RESULTS_BEGIN not in text or RESULTS_END not in text:
        raise SystemExit(f"{path} has no {RESULTS_BEGIN} ... {RESULTS_END} markers")
    before, rest = text.split(RESULTS_BEGIN, 1)
    _, after = rest.split(RESULTS_END, 1)
    path.write_text(f"{before}{RESULTS_BEGIN}\n{section}{RESULTS_END}{after}")


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.1f}" for value in load)


def report(
    info: dict[str, Any],
    timings: list[Timing],
    renders: list[Render],
    requests: int,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> str:
    worst = max(timings, key=lambda t: t.percentile(95))
    lines = [
        "## Dashboard latency",
        "",
        f"Warehouse: `{info['path']}`, {info['episodes']:,} episodes, "
        f"{info['megabytes']:,.0f} MB, published {info['published_at']}. Measured "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs "
        f"({platform.machine()}, Python {platform.python_version()}) by "
        "`benchmarks/dashboard_latency.py`: the demo server (`icbt serve --demo`, "
        f"waitress, 8 threads), {requests} requests per callback after one warm-up, "
        "one at a time, with seeded random filter changes; timed from the client. Load "
        f"average (1/5/15 min) {_load(load[0])} at the start and {_load(load[1])} at the "
        f"end, on {os.cpu_count()} CPUs"
        + (
            ": above the CPU count, other processes shared the machine and every figure "
            "includes waiting for a CPU."
            if max(*load[0], *load[1]) > (os.cpu_count() or 1)
            else "."
        ),
        "",
        f"- p95 callback latency: worst {_ms(worst.percentile(95))} ms "
        f"({worst.page} {worst.name}); goal under {CALLBACK_GOAL_MS:.0f} ms for every "
        f"callback: {_met(all(t.percentile(95) < CALLBACK_GOAL_MS for t in timings))}; "
        f"{sum(t.percentile(95) < CALLBACK_GOAL_MS for t in timings)} of {len(timings)} "
        "callbacks under it.",
    ]
    if renders:
        first = max(renders, key=lambda r: (r.failed_visits > 0, r.warm_first_chart_ms))
        every = max(renders, key=lambda r: (r.failed_visits > 0, r.warm_all_charts_ms))
        lines += [
            f"- First chart drawn after navigation (warm): worst "
            f"{_ms(first.warm_first_chart_ms)} ms ({first.page}); goal under "
            f"{FIRST_CHART_GOAL_MS:.0f} ms on every page: "
            + _met(all(_within(r.warm_first_chart_ms, FIRST_CHART_GOAL_MS, r) for r in renders))
            + ".",
            f"- All charts drawn (warm): worst {_ms(every.warm_all_charts_ms)} ms "
            f"({every.page}); goal under {ALL_CHARTS_GOAL_MS:.0f} ms on every page: "
            + _met(all(_within(r.warm_all_charts_ms, ALL_CHARTS_GOAL_MS, r) for r in renders))
            + ".",
        ]
    else:
        lines.append("- First render: not measured (no Chromium at /usr/bin/chromium).")
    lines += [
        "",
        "| Page | Callback | Requests | p50 ms | p95 ms | max ms | "
        f"p95 under {CALLBACK_GOAL_MS:.0f} ms |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        errors = f" ({t.errors} failed)" if t.errors else ""
        lines.append(
            f"| `{t.page}` | {t.name} | {len(t.samples)}{errors} | {_ms(t.percentile(50))} | "
            f"{_ms(t.percentile(95))} | {_ms(max(t.samples, default=float('nan')))} | "
            f"{_met(t.percentile(95) < CALLBACK_GOAL_MS)} |"
        )
    if renders:
        lines += [
            "",
            "First render in Chromium, timed from navigation (`page.goto`) to the first "
            "chart with data (a trace, or the note of a chart with nothing to show) and to "
            "every chart drawn. First visit: a new browser context per page (empty HTTP "
            "cache: every script is downloaded and compiled) against a server that has not "
            "drawn the page yet. Warm: a returning analyst, one browser context kept for the "
            "run, whose cache holds the scripts of an earlier visit to the app; its tab "
            f"navigates to the page, median of {WARM_RENDERS} visits made after the first "
            "visits (so the server has drawn the page before).",
            "",
            "| Page | Charts | First visit: first chart ms | First visit: all charts ms | "
            f"Warm: first chart ms | under {FIRST_CHART_GOAL_MS:.0f} ms | Warm: all charts ms | "
            f"under {ALL_CHARTS_GOAL_MS:.0f} ms |",
            "|---|---:|---:|---:|---:|---|---:|---|",
        ]
        for r in renders:
            failed = f" ({r.failed_visits} visits not drawn in time)" if r.failed_visits else ""
            lines.append(
                f"| `{r.page}`{failed} | {r.charts} | {_ms(r.cold_first_chart_ms)} | "
                f"{_ms(r.cold_all_charts_ms)} | {_ms(r.warm_first_chart_ms)} | "
                f"{_met(_within(r.warm_first_chart_ms, FIRST_CHART_GOAL_MS, r))} | "
                f"{_ms(r.warm_all_charts_ms)} | "
                f"{_met(_within(r.warm_all_charts_ms, ALL_CHARTS_GOAL_MS, r))} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="published .duckdb file")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per callback")
    parser.add_argument("--out", type=Path, help="write the Markdown section to this file")
    parser.add_argument(
        "--results", type=Path, help="replace the dashboard section of this RESULTS.md"
    )
    args = parser.parse_args(argv)
    if not args.warehouse.is_file():
        parser.error(f"no warehouse at {args.warehouse}")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    info = describe(args.warehouse)
    start_load = os.getloadavg()
    with served(args.warehouse) as url:
        paths = page_paths(url)
        renders = time_renders(url, paths) if CHROMIUM.exists() else []
        timings = time_callbacks(url, args.requests)
    text = report(info, timings, renders, args.requests, (start_load, os.getloadavg()))
    print(text)
    if args.out:
        args.out.write_text(text)
    if args.results:
        write_results(args.results, text)
    failed = any(t.errors for t in timings) or any(r.failed_visits for r in renders)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
