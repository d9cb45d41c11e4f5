"""Headless Chromium (Debian's package) driven by Playwright against a live server on 127.0.0.1.

Every page a journey visits is checked the same way: no console errors, no failed
or outside requests, no horizontal scrolling on a phone, and no serious or
critical axe-core violations.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SIZES = {"laptop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}
# The stylesheet has a dark theme too; a test parametrized with `colour_scheme` checks both.
COLOUR_SCHEMES = ["light", "dark"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="needs browser: apt-get install chromium"))


@dataclass
class PageWatch:
    """What went wrong in the browser while a journey ran."""

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        allowed = urlparse(self.base_url).netloc

        def on_console(message):
            if message.type == "error":
                self.console_errors.append(f"{page.url}: {message.text}")

        def on_request(request):
            netloc = urlparse(request.url).netloc
            if request.url.startswith(("http://", "https://")) and netloc != allowed:
                self.outside_requests.append(request.url)

        def on_failed(request):
            # ERR_ABORTED is the browser cancelling on purpose (a download once saved, a favicon or
            # image still loading when the page navigates or its context closes), not a failure.
            if request.failure and "ERR_ABORTED" in request.failure:
                return
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

        def on_response(response):
            # Pages and htmx requests may answer 4xx on purpose (a form error, another organization's case);
            # the files a page loads (CSS, JS, images, fonts) must all be found.
            asset = response.request.resource_type in ("stylesheet", "script", "image", "font")
            if response.status >= 500 or (response.status >= 400 and asset):
                self.failed_requests.append(f"{response.request.method} {response.url}: HTTP {response.status}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: {exc}"))
        page.on("request", on_request)
        page.on("requestfailed", on_failed)
        page.on("response", on_response)

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.failed_requests == [], self.failed_requests
        assert self.outside_requests == [], self.outside_requests


def check_page(page, *, phone: bool, only: list[str] | None = None) -> None:
    """Accessibility and layout checks for the page currently shown (`only`: just these axe rules)."""
    page.wait_for_load_state("load")
    if phone:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a phone"
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async (only) => {
            const options = {resultTypes: ['violations']};
            if (only) options.runOnly = {type: 'rule', values: only};
            const r = await axe.run(document, options);
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                     v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
        }""",
        only,
    )
    assert result == [], f"{page.url}: {result}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture(scope="session")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


def open_page(browser, base_url: str, *, size: str = "laptop", colour_scheme: str = "light"):
    """A fresh browser context and page at `size`, watched, with page.check() and page.phone."""
    context = browser.new_context(
        color_scheme=colour_scheme,
        viewport=SIZES[size],
        base_url=base_url,
        accept_downloads=True,
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = PageWatch(base_url)
    watch.attach(page)
    page.watch = watch
    page.phone = size == "phone"
    page.check = lambda: check_page(page, phone=page.phone)
    return page


@pytest.fixture
def browser_page(request, chromium_browser, live_server, size, tmp_path):
    params = getattr(request.node, "callspec", None)
    colour_scheme = params.params.get("colour_scheme", "light") if params else "light"
    page = open_page(chromium_browser, live_server.url, size=size, colour_scheme=colour_scheme)
    yield page
    if getattr(request.node, "browser_call_failed", False):
        # What the person saw when the journey failed, with any error messages on it.
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        alerts = page.locator("[role=alert], .errorlist").all_inner_texts()
        print(f"\nBrowser at failure: {page.url}\nScreenshot: {shot}\nAlerts on the page: {alerts}")
    page.context.close()
    page.watch.assert_clean()
