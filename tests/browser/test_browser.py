"""The stakeholder demo in a real browser: sample -> train -> tick R -> slider -> CSV -> report.

Starts `streamlit run app.py` on a free port, waits for /_stcore/health, and drives
Debian's chromium through Playwright. Screenshots of every step go to a temporary
folder (the README's pictures come from tests/browser/screenshots.py).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")]

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


@pytest.fixture(scope="module")
def server():
    try:
        with streamlit_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(server, tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        tab = context.new_page()
        tab.requested = []                                   # every URL the page asks for (offline demos)
        tab.on("request", lambda request: tab.requested.append(request.url))
        tab.set_default_timeout(30_000)
        try:
            yield tab
        finally:
            browser.close()


def idle(tab) -> None:
    """Wait until Streamlit has finished running the script."""
    tab.wait_for_timeout(500)
    expect(tab.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    tab.wait_for_timeout(500)


def go(tab, title: str) -> None:
    tab.get_by_test_id("stSidebar").get_by_role("link", name=title).click()
    idle(tab)
    expect(tab.get_by_role("heading", name=title).first).to_be_visible()


def metric(tab, label: str) -> str:
    box = tab.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text()


def test_demo_from_sample_to_downloaded_rows(server, page, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    tab = page

    # 1-2. The app starts with the 30-building sample already loaded.
    tab.goto(server)
    idle(tab)
    # a cold server needs a while before its first page (longer while other tests run beside it)
    expect(tab.get_by_role("heading", name="1 · Data").first).to_be_visible(timeout=90_000)
    expect(tab.get_by_text("Table: buildings_30.csv")).to_be_visible()
    assert metric(tab, "Rows × columns") == "30 × 46"
    tab.screenshot(path=shots / "1_data.png")

    # 3. Train with few epochs; the result replaces "no model".
    go(tab, "3 · Train")
    tab.locator('input[aria-label="Training epochs"]').fill("40")
    tab.locator('input[aria-label="Fine-tuning epochs (0 = none)"]').fill("10")
    tab.keyboard.press("Tab")
    tab.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(tab.get_by_text("Training finished")).to_be_visible(timeout=120_000)
    idle(tab)
    expect(tab.get_by_text("MI after fine-tuning")).to_be_visible()
    tab.screenshot(path=shots / "3_train.png")

    # 4. Tick a box in the R grid: MI changes at once, without retraining.
    go(tab, "2 · Semantics")
    before = metric(tab, "Clarity MI (greedy)")
    grid = tab.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # first data row (结构体系), last column (连接关系): a box that is not ticked in the preset
    tab.mouse.click(box["x"] + box["width"] - 45, box["y"] + 35 + 17)
    idle(tab)
    expect(tab.get_by_test_id("stMetric").filter(has_text="Clarity MI (greedy)")
           .get_by_test_id("stMetricValue")).not_to_have_text(before, timeout=20_000)
    tab.screenshot(path=shots / "2_semantics.png")

    # 5. Move a slider on the Generate page.
    go(tab, "5 · Generate")
    preview = tab.get_by_test_id("stDataFrame").first
    expect(preview).to_be_visible()
    thumb = tab.get_by_test_id("stSlider").first.get_by_role("slider")
    thumb.focus()
    for _ in range(10):
        tab.keyboard.press("ArrowRight")
    expect(thumb).to_have_value("1")
    idle(tab)
    # every slider has an accessible name a screen reader can read: the semantic's own, no escapes
    names = tab.get_by_role("slider").evaluate_all("thumbs => thumbs.map(t => t.getAttribute('aria-label'))")
    semantics = pd.read_csv(ROOT / "sample_data" / "semantics.csv", encoding="utf-8-sig")["semantic"]
    assert len(names) >= len(semantics) and all(name and "\\" not in name for name in names), names
    assert {name.split(" (z")[0] for name in names} >= set(semantics)
    tab.screenshot(path=shots / "5_generate.png")

    # 6. Download the CSV and check its columns against the sample's.
    target = tmp_path / "generated.csv"
    for attempt in range(3):   # a rerun that lands mid-click replaces the file's URL: retry
        try:
            with tab.expect_download(timeout=20_000) as download:
                tab.get_by_test_id("stDownloadButton").filter(has_text="Download CSV").click()
            download.value.save_as(target)
            break
        except playwright.Error:
            if attempt == 2:
                raise
            idle(tab)
    rows = pd.read_csv(target, encoding="utf-8-sig")
    sample = pd.read_csv(ROOT / "sample_data" / "buildings_30.csv", encoding="utf-8-sig", nrows=1)
    assert list(rows.columns) == list(sample.columns)
    assert len(rows) == 100
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    # 7. Nothing left the server's own host (rooms without internet): no fonts, icons or scripts.
    host = urlparse(server).netloc
    assert [url for url in tab.requested if urlparse(url).netloc not in (host, "")] == []

    # 8. The report to keep: downloaded from the sidebar, opened from disk with no server and no network.
    report = tmp_path / "report.html"
    with tab.expect_download(timeout=60_000) as download:
        tab.get_by_test_id("stSidebar").get_by_test_id("stDownloadButton").filter(has_text="Download report").click()
    download.value.save_as(report)
    assert download.value.suggested_filename == "buildings_30__report__en.html"
    handout = tab.context.new_page()
    errors, requested = [], []
    handout.on("console", lambda message: message.type == "error" and errors.append(message.text))
    handout.on("pageerror", lambda error: errors.append(str(error)))
    handout.on("request", lambda request: requested.append(request.url))
    handout.goto(report.as_uri())
    expect(handout.locator(".js-plotly-plot")).to_have_count(7, timeout=30_000)   # each figure drawn
    text = handout.locator("body").inner_text()
    assert [name for name in semantics if name not in text] == []
    assert errors == [] and requested == [report.as_uri()]


def test_a_cold_start_never_lists_modules_as_pages(tmp_path):
    """From the first request after `streamlit run`, polled every 0.2 s: the sidebar never shows a
    module of pages/ as a page, and the real steps appear."""
    import time

    routed = {"data", "semantics", "train", "analysis", "generate", "evaluate"}
    modules = {path.stem.replace("_", " ") for path in (ROOT / "pages").glob("*.py")} - routed - {"  init  "}
    seen, shown = [], None
    with streamlit_server() as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(url, wait_until="commit")
        started = time.monotonic()
        while shown is None and time.monotonic() - started < 90:
            sidebar = tab.get_by_test_id("stSidebar")
            lines = {line.strip() for line in sidebar.inner_text(timeout=1000).splitlines()} \
                if sidebar.count() else set()
            seen.extend(lines & modules)
            if "1 · Data" in lines and "6 · Evaluate" in lines:
                shown = time.monotonic() - started
            tab.wait_for_timeout(200)
        browser.close()
    assert modules and seen == [] and shown is not None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cores_busy(pid: int, seconds: float = 1.0) -> float:
    import time
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def test_training_stops_when_its_session_is_dropped():
    """A long run is started in a browser, then the browser goes away. Once Streamlit gives the
    session up (server.disconnectedSessionTTL, 2 s here), the training thread stops: the
    server, busy on it before, goes idle."""
    import time

    with streamlit_server(options=("--server.disconnectedSessionTTL", "2")) as url, \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.set_default_timeout(90_000)
        tab.goto(url)
        expect(tab.get_by_role("heading", name="1 · Data").first).to_be_visible(timeout=90_000)
        go(tab, "3 · Train")
        tab.locator('input[aria-label="Training epochs"]').fill("5000")   # over a minute of work on this
        tab.locator('input[aria-label="Fine-tuning epochs (0 = none)"]').fill("5000")   # machine: if the CPU
        tab.keyboard.press("Tab")
        tab.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        expect(tab.get_by_text(re.compile(r"^Epoch \d+ of at most"))).to_be_visible(timeout=60_000)
        assert cores_busy(url.pid) > 0.5                  # the run is training
        browser.close()                                    # the user closes the tab: the session drops
        deadline = time.monotonic() + 30                   # goes idle sooner, the run was stopped
        while cores_busy(url.pid) > 0.2:
            assert time.monotonic() < deadline, "the training thread outlived its session"
