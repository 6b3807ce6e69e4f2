"""Training in the app against training on the command line, on the same table, in the same run.

    python benchmarks/browser.py [--repeat 2]

For each table (the 500-row sample with its R; a 5,000-row survey-like table from
tests/survey_table.py with its R), alternately:
- `python -m core fit TABLE --semantics R --out ...` with defaults: wall seconds, process start
  included;
- the app in Debian's chromium (Playwright), on a `streamlit run app.py` started here: the table
  and R are uploaded on the Data page, then the clock runs from the click on Train to the first
  live curve point and to "Training finished".
Target: app <= 1.5x the command line; first curve point <= 1 s. Needs Debian's chromium and
Playwright (requirements-dev.txt). Writes benchmarks/BROWSER.md. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine as benchmark_machine  # noqa: E402

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402


def tables(folder: Path) -> list[tuple[str, Path, Path]]:
    """(name, table, R) for each benchmarked table, written to `folder`."""
    survey = survey_frame(5000, seed=3)
    survey.to_csv(folder / "survey_5000.csv", index=False)
    survey_semantics(survey.columns).to_csv(folder / "survey_5000_R.csv", index=False)
    return [("buildings_500", ROOT / "sample_data" / "buildings_500.csv", ROOT / "sample_data" / "semantics.csv"),
            ("survey_5000", folder / "survey_5000.csv", folder / "survey_5000_R.csv")]


def cli_seconds(table: Path, semantics: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "fit", str(table), "--semantics", str(semantics),
                    "--out", str(out)], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def app_seconds(url: str, table: Path, semantics: Path) -> tuple[float, float]:
    """(click to the first live curve point, click to "Training finished") in a fresh browser."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1100})
        tab.set_default_timeout(120_000)
        tab.goto(url)
        expect(tab.get_by_role("heading", name="1 · Data").first).to_be_visible(timeout=120_000)
        uploads = tab.get_by_test_id("stFileUploaderDropzoneInput")
        uploads.nth(1).set_input_files(str(table))            # 0 is the project file, in the sidebar
        expect(tab.get_by_text(f"Loaded {table.name}")).to_be_visible()
        tab.wait_for_timeout(1000)
        uploads = tab.get_by_test_id("stFileUploaderDropzoneInput")
        if uploads.count() > 2:                               # the table did not fit the current R
            uploads.nth(2).set_input_files(str(semantics))
            expect(tab.get_by_text("Imported R from")).to_be_visible()
        tab.get_by_test_id("stSidebar").get_by_role("link", name="3 · Train").click()
        expect(tab.get_by_role("heading", name="3 · Train").first).to_be_visible()
        tab.wait_for_timeout(2000)
        started = time.perf_counter()
        tab.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        tab.locator(".st-key-live_curves").wait_for(state="visible")
        first = time.perf_counter() - started
        expect(tab.get_by_text("Training finished")).to_be_visible(timeout=1_800_000)
        done = time.perf_counter() - started
        browser.close()
        return first, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    machine = benchmark_machine()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, streamlit_server() as url:
        folder = Path(tmp)
        for name, table, semantics in tables(folder):
            cli, first, app = [], [], []
            for _ in range(args.repeat):
                cli.append(cli_seconds(table, semantics, folder / "project.zip"))
                seconds_first, seconds_app = app_seconds(url, table, semantics)
                first.append(seconds_first)
                app.append(seconds_app)
                print(f"{name}: command line {cli[-1]:.1f} s, app {app[-1]:.1f} s "
                      f"(first curve point {first[-1]:.2f} s)", flush=True)
            ratio = statistics.median(app) / statistics.median(cli)
            rows.append(f"| {name} | {' / '.join(f'{s:.1f}' for s in cli)} | {' / '.join(f'{s:.1f}' for s in app)} "
                        f"| {ratio:.2f} | {' / '.join(f'{s:.2f}' for s in first)} |")
    lines = ["# Training in the app against the command line", "",
             f"`python benchmarks/browser.py --repeat {args.repeat}` on {machine}; wall seconds, runs "
             "alternated (command line, then app). Command line: `python -m core fit` with defaults, process "
             "start included. App: Debian's chromium through Playwright, from the click on Train to "
             "\"Training finished\"; first point: to the first live curve point. Target: ratio <= 1.5, "
             "first point <= 1 s.", "",
             "| table | command line s | app s | app / command line (medians) | first curve point s |",
             "|---|---|---|---|---|", *rows]
    (ROOT / "benchmarks" / "BROWSER.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
