"""Open the HTML report in headless Chromium, check what a person would see, and take a screenshot.

Uses playwright's Python API driving the system's Chromium (Debian's ``chromium`` package), so no
browser is downloaded: ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ENV = "SEGMENTATION_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# No network, no background services: the report must render from the file alone.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class BrowserUnavailableError(RuntimeError):
    """No Chromium executable or no playwright package."""


@dataclass
class BrowserCheck:
    """What the browser saw: sections with a visible heading and content, plots that decoded, and
    every console error, page error or request that left the file."""

    sections_rendered: list[str] = field(default_factory=list)
    sections_missing: list[str] = field(default_factory=list)
    images_loaded: int = 0
    images_broken: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return not (
            self.sections_missing or self.images_broken or self.console_errors or self.external_requests
        )

    def problems(self) -> list[str]:
        return [
            *(f"section not rendered: {s}" for s in self.sections_missing),
            *(f"image did not load: {i}" for i in self.images_broken),
            *(f"console error: {e}" for e in self.console_errors),
            *(f"request outside the file: {r}" for r in self.external_requests),
        ]


def find_chromium() -> str:
    """The Chromium executable: env SEGMENTATION_CHROMIUM, else the first of CHROMIUM_NAMES on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailableError(
        f"no Chromium found (tried {', '.join(CHROMIUM_NAMES)}; or set {CHROMIUM_ENV}); "
        "on Debian: apt-get install chromium"
    )


_INSPECT_SECTIONS = """
(ids) => ids.map((id) => {
  const section = document.getElementById(id);
  if (!section) return [id, false];
  const box = section.getBoundingClientRect();
  const heading = section.querySelector('h2');
  const visible = box.width > 0 && box.height > 0 && getComputedStyle(section).display !== 'none';
  const hasContent = section.querySelectorAll('img, table, p').length > 0;
  return [id, visible && !!heading && heading.innerText.trim().length > 0 && hasContent];
})
"""
_INSPECT_IMAGES = """
() => Array.from(document.images).map((img) => [img.id || img.alt, img.complete && img.naturalWidth > 0])
"""


def check_report(
    html_path: str | Path,
    section_ids: Sequence[str],
    screenshot: str | Path | None = None,
    width: int = 1400,
    executable: str | None = None,
) -> BrowserCheck:
    """Load ``html_path`` in headless Chromium and check every section in ``section_ids`` renders with
    its plots and no console errors; with ``screenshot``, save a full-page PNG there."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserUnavailableError(
            "the browser check needs playwright: pip install 'customer-segmentation[dev]'"
        ) from error
    executable = executable or find_chromium()
    page_url = Path(html_path).resolve().as_uri()
    check = BrowserCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: check.console_errors.append(str(error)))

            def route(request_route) -> None:
                url = request_route.request.url
                if url.startswith(("file:", "data:")):
                    request_route.continue_()
                else:
                    check.external_requests.append(url)
                    request_route.abort()

            page.route("**/*", route)
            page.goto(page_url, wait_until="load")
            for section_id, rendered in page.evaluate(_INSPECT_SECTIONS, list(section_ids)):
                (check.sections_rendered if rendered else check.sections_missing).append(section_id)
            for name, loaded in page.evaluate(_INSPECT_IMAGES):
                if loaded:
                    check.images_loaded += 1
                else:
                    check.images_broken.append(name)
            if screenshot is not None:
                path = Path(screenshot)
                path.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), full_page=True)
                check.screenshot = path
        finally:
            browser.close()
    return check
