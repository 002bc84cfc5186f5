"""A citizen's attachment opened by a logged-in operator in chromium: an HTML page or an
SVG with script must not run in the gateway's origin (it would read the console and act
with the operator's session), even where a browser shows it instead of downloading it;
a real photo still shows."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Error, Page

from tests.browser.conftest import login
from tests.hostile.test_media import keep

# What the attack did: read the console with the operator's cookie and send it away.
STEAL = (
    "fetch('/operator/complaints?q=0812').then(r => r.text())"
    ".then(t => fetch('/stolen', {method: 'POST', body: t}));"
    "document.title = 'ran';"
)
HTML = f"<!doctype html><title>surat</title><script>{STEAL}</script>".encode()
SVG = (
    f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>{STEAL}</script></svg>'
).encode()


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def operator_page(page: Page, console) -> Iterator[tuple[Page, str, list[str]]]:
    """The page of a logged-in operator, and every URL its browser asked for since."""
    url, _ = console
    login(page, url, "ani")
    asked: list[str] = []
    page.context.on("request", lambda request: asked.append(request.url))
    yield page, url, asked


def open_attachment(page: Page, url: str) -> None:
    """Visit an attachment as an operator clicking its link would: a download starts,
    or the browser shows it."""
    try:
        page.goto(url)
    except Error as exc:  # "Download is starting": nothing was rendered
        assert "Download is starting" in str(exc), exc
    page.wait_for_timeout(500)  # time for a script, were one running, to fetch


@pytest.mark.parametrize(
    ("content", "claimed"),
    [(HTML, "text/html"), (SVG, "image/svg+xml"), (HTML, "image/png")],
)
def test_an_attachment_with_script_does_not_run(operator_page, console, content, claimed):
    page, url, asked = operator_page
    _, runtime = console
    media = url + keep(runtime, content, claimed)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    open_attachment(page, media)
    assert not [u for u in asked if "/stolen" in u or "/operator/complaints" in u]
    assert [d.url for d in downloads] == [media]  # saved, not shown


@pytest.mark.parametrize(("content", "claimed"), [(HTML, "text/html"), (SVG, "image/svg+xml")])
def test_rendered_anyway_the_sandbox_stops_the_script(operator_page, console, content, claimed):
    """A browser or proxy that drops Content-Disposition renders the file: the CSP
    sandbox still gives it no script and an origin of its own."""
    page, url, asked = operator_page
    _, runtime = console
    media = url + keep(runtime, content, claimed)

    def inline(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k != "content-disposition"}
        headers["content-type"] = claimed
        route.fulfill(response=response, headers=headers)

    page.route("**/media/*", inline)
    page.goto(media)
    page.wait_for_timeout(500)
    assert page.title() != "ran"
    assert not [u for u in asked if "/stolen" in u or "/operator/complaints" in u]


def test_a_real_photo_still_shows(operator_page, console):
    page, url, _ = operator_page
    _, runtime = console
    media = url + keep(runtime, png_1x1(), "image/png")
    response = page.goto(media)
    assert response is not None and response.status == 200
    assert page.locator("img").evaluate("img => img.naturalWidth") == 1
