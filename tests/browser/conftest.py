"""A real headless chromium (Debian's, never a downloaded one) driven by Playwright
against the gateway on a loopback HTTP server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from gateway.console.accounts import save_operator
from gateway.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "kata-sandi-panjang"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:  # .ci/run installs it; say so rather than skip
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--headless", "--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def console(live_gateway: tuple[str, Runtime]) -> tuple[str, Runtime]:
    """The gateway with an operator "ani" and a supervisor "sari"."""
    url, runtime = live_gateway
    with runtime.sessions() as s:
        save_operator(s, "ani", PASSWORD, "operator")
        save_operator(s, "sari", PASSWORD, "supervisor")
        s.commit()
    return url, runtime


def login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/operator/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/operator/calls/new")
