"""The monev dashboard in headless chromium, over the seeded month."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.gateway.monev_data import seed


def test_supervisor_reads_the_month_and_exports_it(page: Page, console, make_settings, central):
    url, _ = console
    seed(make_settings, central.url)
    login(page, url, "sari")
    page.click("text=Monev")
    page.fill("input[name=start]", "2026-11-01")
    page.fill("input[name=end]", "2026-11-30")
    page.click("button:has-text('Tampilkan')")
    expect(page.locator("#total-received")).to_have_text("4")
    expect(page.locator("#total-completed")).to_have_text("25,0 %")
    expect(page.locator("#total-mean")).to_have_text("4,5")
    expect(page.locator("#total-overdue")).to_have_text("2")
    sms = page.locator("#monev tr[data-group=sms]")
    expect(sms.locator(".received .n")).to_have_text("2")
    expect(sms.locator("svg")).to_have_count(5)  # received and four shares, as bars
    page.select_option("select[name=by]", "agency")
    page.click("button:has-text('Tampilkan')")
    expect(page.locator("#monev tbody tr")).to_have_count(3)
    expect(page.locator("#monev tr[data-group='Dinas PUPR'] .completed")).to_contain_text("100,0 %")
    with page.expect_download() as download:
        page.click("#csv-link")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [r["Kelompok"] for r in rows][-1] == "Semua" and rows[-1]["Diterima"] == "4"


def test_operators_do_not_see_the_dashboard(page: Page, console):
    url, _ = console
    login(page, url, "ani")
    expect(page.locator("nav")).not_to_contain_text("Monev")
    assert page.goto(f"{url}/operator/dashboard").status == 403
