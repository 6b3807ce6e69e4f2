"""The README's pictures: every page of the demo path at 1280 and at 768 px, in a real browser.

    python -m tests.browser.screenshots            # writes assets/screenshots/<page>_<width>.png

Starts `streamlit run app.py`, trains the sample with the default settings, then opens each
page at both widths. tests/test_repo.py checks that every picture the README shows exists.
"""
from __future__ import annotations

import sys

from playwright.sync_api import expect, sync_playwright

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server

OUT = ROOT / "assets" / "screenshots"
WIDTHS = (1280, 768)
PAGES = [("data", "1 · Data"), ("semantics", "2 · Semantics"), ("train", "3 · Train"),
         ("analysis", "4 · Analysis"), ("generate", "5 · Generate"), ("evaluate", "6 · Evaluate")]


CONTENT = ("stMetric", "stPlotlyChart", "stDataFrame", "stSlider")   # each page shows one of these


def idle(tab) -> None:
    tab.wait_for_timeout(500)
    expect(tab.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
    tab.wait_for_timeout(800)


def open_page(tab, title: str) -> None:
    """Through our own menu; at 768 px the sidebar starts collapsed: open it, then close it again
    for the picture, as a narrow window shows the page."""
    link = tab.get_by_test_id("stSidebar").get_by_role("link", name=title)
    expect(link).to_be_attached(timeout=120_000)
    expand = tab.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():
        expand.click()
        tab.wait_for_timeout(500)
    link.click()
    idle(tab)
    if tab.viewport_size["width"] < 1000 and not expand.is_visible():
        tab.get_by_test_id("stSidebarCollapseButton").locator("button").click(force=True)
        idle(tab)
    expect(tab.get_by_role("heading", name=title).first).to_be_visible()
    content = tab.get_by_test_id("stMain").locator(", ".join(f'[data-testid="{kind}"]' for kind in CONTENT))
    expect(content.first).to_be_visible(timeout=120_000)   # a slow first visit (Evaluate) has drawn
    idle(tab)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        tab = context.new_page()
        tab.goto(url)
        idle(tab)
        open_page(tab, "3 · Train")
        tab.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        expect(tab.get_by_text("Training finished")).to_be_visible(timeout=300_000)
        idle(tab)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            for name, title in PAGES:
                open_page(tab, title)
                path = OUT / f"{name}_{width}.png"
                tab.screenshot(path=path)
                print(path.relative_to(ROOT), flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
