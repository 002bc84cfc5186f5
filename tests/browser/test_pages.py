"""Every console page and the public status page, at a call-center desktop (1366 px) and
a phone (390 px): no sideways scroll, a visible log-out button, no English code and no
decimal point on an Indonesian page, one time zone (WIB) and no serious axe-core
violation; at 360 px too, the narrowest phone. With UPDATE_SCREENSHOTS=1 each page's
screenshot at the first two widths is written to docs/screenshots/ (linked from the
README)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gateway.complaints.calls import log_call
from tests.browser.conftest import PASSWORD
from tests.gateway.monev_data import seed
from tests.gateway.test_central_events import push

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests/browser/vendor/node_modules/axe-core/axe.min.js"
SHOTS = ROOT / "docs/screenshots"
# the two widths of the screenshots, and the narrowest phone the console must still fit
WIDTHS = {"desktop": (1366, 800), "phone": (390, 800), "narrow": (360, 740)}
# Codes that must never reach an Indonesian page (as words, in lower case: a label such
# as "Infrastruktur / Jalan" is fine, the code "infrastruktur" alone is not).
ENGLISH = re.compile(
    r"\b(received|queued|submitted|verified|dispositioned|in_progress|awaiting_feedback|"
    r"closed|on_hold|failed|resolved|not_authority|confidential|anonymous|public|"
    r"needs_review|ready|discarded|callcenter|bantuan_sosial|sent|delivered|undelivered|"
    r"open311|UTC|WITA|WIT|Dari api)\b"
)
# A decimal point where Indonesian writes a comma ("4.5", "75.0 %"); a dot between
# thousands ("1.234") is Indonesian and has three digits after it.
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])")


def _check(page: Page, name: str, axe: str, logged_in: bool, times: bool) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state()
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} at {width}px is {wide}px wide"
        if logged_in:
            logout = page.locator("header .logout button")
            expect(logout).to_be_visible()
            expect(logout).to_be_in_viewport()
            colour, background = logout.evaluate(
                "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
            )
            assert colour != background, f"Keluar is {colour} on {background} on {name}"
        text = page.locator("body").inner_text()
        found = ENGLISH.findall(text)
        assert not found, f"English codes on {name}: {found}"
        points = DECIMAL_POINT.findall(text)
        assert not points, f"decimal points on {name}: {points}"
        if times:
            assert "WIB" in text, f"no time zone on {name}"
        if label != "narrow" and os.environ.get("UPDATE_SCREENSHOTS"):  # opt-in
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
    page.add_script_tag(content=axe)
    violations = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']});
          return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    assert not violations, f"axe on {name}: {violations}"
    page.set_viewport_size({"width": 1366, "height": 800})


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """As conftest's, with axe-core allowed in past the pages' CSP (the test's own script)."""
    context = browser.new_context(locale="id-ID", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_every_page_at_desktop_and_phone_width(page: Page, console, make_settings, central):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: npm ci --prefix tests/browser/vendor")
    axe = AXE.read_text()
    url, runtime = console
    codes = seed(make_settings, central.url)
    # a public complaint with an agency's note, closed as resolved
    with runtime.sessions() as s:
        record = log_call(
            s,
            runtime,
            {"description": "Halo pak, mau lapor jalan.", "privacy": "confidential"},
            by="ani",
            submit=False,
        )
        s.commit()
        draft = record.id
    from gateway.web.app import create_app
    from tests.gateway.test_central_events import SECRET

    events = create_app(make_settings(central_events_secret=SECRET)).test_client()
    push(
        events,
        {
            "event_id": "note-1",
            "tracking_code": codes[0],
            "status": "closed",
            "resolution": "resolved",
            "note": "Jalan sudah diaspal ulang oleh Dinas PUPR.",
        },
    )

    # the public page first, logged out: what a citizen with a code sees
    page.goto(f"{url}/lapor")
    _check(page, "publik-cari", axe, logged_in=False, times=False)
    page.fill("#kode", codes[1].lower().replace("-", " "))
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{url}/lapor/{codes[1]}")
    expect(page.locator("#status")).to_have_text("Sedang ditindaklanjuti")
    assert page.locator("script").count() == 0  # a feature-phone browser runs none
    _check(page, "publik-status", axe, logged_in=False, times=True)
    page.goto(f"{url}/operator/login")
    _check(page, "masuk", axe, logged_in=False, times=False)

    page.fill("#username", "sari")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/operator/calls/new")
    _check(page, "catat-panggilan", axe, logged_in=True, times=False)
    page.goto(f"{url}/operator/review")
    _check(page, "antrean-tinjauan", axe, logged_in=True, times=True)
    page.goto(f"{url}/operator/review/{draft}")
    expect(page.locator(".meta")).to_contain_text("perlu ditinjau")
    _check(page, "tinjau-draf", axe, logged_in=True, times=True)
    page.goto(f"{url}/operator/complaints?q={codes[0]}")
    expect(page.locator("#results")).to_contain_text("Selesai (tuntas)")
    _check(page, "cari-laporan", axe, logged_in=True, times=True)
    page.goto(f"{url}/operator/complaints/{codes[0]}")
    expect(page.locator("#timeline")).to_contain_text("Didisposisikan ke instansi")
    expect(page.locator("#timeline")).to_contain_text("nomor di sistem pusat")
    _check(page, "laporan", axe, logged_in=True, times=True)
    page.goto(f"{url}/operator/dashboard?start=2026-11-01&end=2026-11-30&by=category")
    expect(page.locator("#monev")).to_contain_text("Infrastruktur / Jalan")
    # the weekly trend, in SQL: the four complaints came in the week of Monday 2 November
    expect(page.locator("#trend tbody tr")).to_have_count(1)
    cells = page.locator("#trend tbody td").all_inner_texts()
    assert cells == ["2 November 2026", "4", "2", "1", "4,5"], cells
    expect(page.locator("svg#trend-counts polyline")).to_have_count(3)
    _check(page, "monev", axe, logged_in=True, times=False)
    # each figure leads to the complaints it counts
    page.click("#totals a:has(#total-overdue)")
    expect(page.locator("#drill tbody tr")).to_have_count(2)
    expect(page.locator("#drill-scope")).to_contain_text("1 November 2026 – 30 November 2026")
    _check(page, "monev-laporan", axe, logged_in=True, times=True)
    page.go_back()
    page.locator("#monev tr", has_text="Kesehatan").locator(".followed a").click()
    expect(page.locator("#drill tbody tr")).to_have_count(1)
    expect(page.locator("#drill-scope")).to_contain_text("Kategori: Kesehatan")
    # per agency, the two figures agencies are judged on with their rank
    page.goto(f"{url}/operator/dashboard?start=2026-11-01&end=2026-11-30&by=agency")
    pupr = page.locator("#monev tr", has_text="Dinas PUPR")
    expect(pupr.locator(".days")).to_have_text("3,0 / 3,0")
    expect(pupr.locator(".rank")).to_have_text("1 / 1")
    _check(page, "monev-instansi", axe, logged_in=True, times=False)
    page.goto(f"{url}/operator/dead-letters")
    _check(page, "pengiriman-gagal", axe, logged_in=True, times=False)
    assert page.goto(f"{url}/operator/complaints/LPR-00000000").status == 404
    _check(page, "tidak-ditemukan", axe, logged_in=True, times=False)

    # the public page of a confidential complaint: no title, no note; of a public one:
    page.goto(f"{url}/lapor/{codes[0]}")
    expect(page.locator("#status")).to_have_text("Selesai (tuntas)")
    expect(page.locator("#title")).to_have_count(0)
    expect(page.locator("#timeline")).not_to_contain_text("diaspal")
    assert page.goto(f"{url}/lapor/LPR-00000000").status == 404
    _check(page, "publik-tidak-ditemukan", axe, logged_in=False, times=False)
