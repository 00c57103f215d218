"""Debian's Chromium driven by Playwright, as the web console's browser tests use it: the flags for a
machine with no display and no network to the outside, generous waits, and the two checks every page gets
(every field labelled, nothing wider than the screen)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium calls home at every start and each call fails slowly.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
WAIT_MS = 120_000  # generous: a busy CI machine
PHONE = {"width": 360, "height": 740}
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => el.labels.length === 0 && !el.closest('label')).map(el => el.name)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is missing (.ci/run installs it)")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright's Browser), closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=WAIT_MS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, *, viewport: dict[str, int] = PHONE, downloads: bool = False) -> Any:
    """A page in a fresh context (its own cookies) of `viewport` size, Vietnamese, with the long waits."""
    context = browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=downloads)
    context.set_default_timeout(WAIT_MS)
    return context.new_page()


@contextmanager
def phone_page() -> Iterator[Any]:
    """A page on a 360-px phone screen, in its own browser."""
    with chromium() as browser:
        yield new_page(browser)


def sign_in(page: Any, address: str, target: str, key: str, code: Callable[[], str]) -> None:
    """Open `target`, sign in on the page it leads to as `key` with the code `code()` gives once it was sent
    (read from the outbox or from the fake bot's chat), and wait to be back on `target`."""
    page.goto(address + target)
    page.get_by_label("Khóa người dùng").first.fill(key)
    page.get_by_role("button", name="Gửi mã đăng nhập").click()
    page.get_by_label("Mã đăng nhập").wait_for()  # the code was queued once this page answers
    page.get_by_label("Mã đăng nhập").fill(code())
    page.keyboard.press("Enter")
    page.wait_for_url(address + target)
