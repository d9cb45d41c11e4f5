"""What the journeys share: logging in as a person would, small real files, mail links, keyboard focus."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

from django.core import mail
from PIL import Image

PASSWORD = "correct-horse-battery"


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/inbox/$"))


def png_bytes(size: tuple[int, int] = (320, 200), colour: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text_colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small valid one-page PDF (Pillow writes a real PDF with the image on the page)."""
    out = io.BytesIO()
    Image.new("RGB", (200, 120), text_colour).save(out, "PDF", resolution=72)
    return out.getvalue()


def link_in_last_email(to: str, pattern: str) -> str:
    """Path of the first link matching `pattern` in the newest email to `to` (the live server is in-process)."""
    for message in reversed(mail.outbox):
        if to in message.to:
            match = re.search(rf"https?://\S*{pattern}\S*", message.body)
            assert match, f"no link matching {pattern!r} in: {message.body}"
            url = urlparse(match.group(0).rstrip(".,)>"))
            return url.path + (f"?{url.query}" if url.query else "")
    raise AssertionError(f"no email to {to}; sent: {[m.to for m in mail.outbox]}")


def tab_to(page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has focus, and check the focus ring shows on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{selector} never got focus by Tab")


def assert_focus_visible(page) -> None:
    """The focused element matches :focus-visible and draws a visible outline (or ring) around itself."""
    style = page.evaluate(
        """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return {visible: el.matches(':focus-visible'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                    shadow: s.boxShadow, tag: el.tagName + '#' + el.id};
        }"""
    )
    assert style["visible"], style
    assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", style


def ignore_expected_status(page, status: int) -> None:
    """Invalid forms answer 400/422 on purpose; Chromium logs any such status as a console error."""
    page.watch.console_errors = [e for e in page.watch.console_errors if f"status of {status}" not in e]


def nav_to(page, name: str) -> None:
    """Follow a main-menu link the way a person would: on a phone the menu opens first."""
    menu = page.locator("details.nav-menu > summary")
    if menu.is_visible() and not page.evaluate("() => document.querySelector('details.nav-menu').open"):
        menu.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state("load")


def check(page) -> None:
    """page.check() for a page opened outside the browser_page fixture (a second person's browser)."""
    from tests.browser.conftest import check_page

    check_page(page, phone=page.phone)
