"""The operator console in headless chromium: what an operator and a supervisor do with
it, and what it refuses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from forwarder.outbox import JobStatus, OutboxJob
from gateway.complaints.calls import log_call
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import CallRecord, Complaint
from tests.browser.conftest import login

CODE = re.compile(r"^LPR-[0-9A-HJKMNP-TV-Z]{8}$")


def test_logged_out_visitors_are_sent_to_login(page: Page, console):
    url, _ = console
    page.goto(f"{url}/operator/review")
    expect(page).to_have_url(re.compile(r"/operator/login\?next=/operator/review$"))
    expect(page.locator("h1")).to_have_text("Masuk")
    page.fill("#username", "ani")
    page.fill("#password", "salah-salah-salah")
    page.click("button[type=submit]")
    expect(page.locator(".flash.error")).to_contain_text("kata sandi salah")


def test_operator_logs_a_call_and_reads_out_the_tracking_code(page: Page, console):
    url, runtime = console
    login(page, url, "ani")
    page.fill("#phone", "0812-3456-7890")
    page.fill("#description", "Lampu")
    expect(page.locator("#field-description .error.live")).to_contain_text("minimal 15")
    page.fill(
        "#description",
        "Lampu penerangan jalan di depan pasar mati sejak Senin, gelap dan rawan kejahatan.",
    )
    expect(page.locator("#field-description")).to_have_class(re.compile(r"\bvalid\b"))
    expect(page.locator("#field-phone")).to_have_class(re.compile(r"\bvalid\b"))  # on blur
    page.locator("#location_text").press_sequentially("lohbe", delay=30)
    expect(page.locator("#region-options option")).to_have_count(1)
    option = page.locator("#region-options option").first.get_attribute("value")
    assert option == "Lohbener, Kabupaten Indramayu, Jawa Barat"
    page.fill("#location_text", f"Pasar Lohbener, {option}")
    page.select_option("#category", "infrastruktur")
    page.check("input[name=privacy][value=public]")
    page.fill("#incident_date", "2026-11-16")
    page.click("button[name=submit]")
    expect(page.locator("h1")).to_have_text("Laporan terkirim")
    code = page.locator("#tracking-code").inner_text()
    assert CODE.match(code)
    expect(page.locator(".spelled")).to_have_text(f"LPR - {code[4:8]} - {code[8:]}")
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        assert complaint.channel == "callcenter" and complaint.status == "queued"
        assert complaint.document["reporter"]["phone"] == "+6281234567890"
        assert complaint.document["category"]["code"] == "infrastruktur"
        assert complaint.document["incident_date"] == "2026-11-16"
        assert s.scalars(select(CallRecord.agent_id)).one() == "ani"
    # the complaint page, found by the code an operator reads out
    page.goto(f"{url}/operator/complaints?q={code.lower()}")
    page.click(f"text={code}")
    # received, queued (and delivered, when the worker was quick), who logged the call
    expect(page.locator("#timeline li").first).to_contain_text("Diterima")
    expect(page.locator("#timeline .operator-action")).to_have_text(
        re.compile("Petugas ani mencatat panggilan")
    )


def test_invalid_phone_is_flagged_while_typing(page: Page, console):
    url, _ = console
    login(page, url, "ani")
    page.fill("#phone", "12")
    page.locator("#description").focus()
    expect(page.locator("#field-phone .error.live")).to_contain_text("tidak valid")
    page.fill("#description", "Jalan berlubang besar di depan balai desa sejak bulan lalu.")
    page.click("button[name=submit]")
    # the server says the same, and keeps what was typed
    expect(page.locator("#field-phone .error").first).to_contain_text("tidak valid")
    expect(page.locator("#description")).to_have_value(re.compile("balai desa"))


def test_saving_an_incomplete_call_puts_it_in_the_review_queue(page: Page, console):
    url, runtime = console
    login(page, url, "ani")
    page.fill("#phone", "081298765432")
    page.fill("#description", "Penelepon terputus sebelum menyebut lokasi banjir.")
    page.click("button[name=save]")
    expect(page.locator("h1")).to_have_text("Draf disimpan")
    code = page.locator("#tracking-code").inner_text()
    page.click("text=Antrean tinjauan")
    row = page.locator("#review-table tr", has_text=code)
    expect(row).to_contain_text("Disimpan belum lengkap oleh operator")
    row.locator("a").click()
    page.fill("#location_text", "Desa Cangkuang, Kabupaten Bandung")
    page.click("button[name=submit]")
    expect(page.locator("#tracking-code")).to_have_text(code)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1


def dead_letter(runtime: Runtime) -> int:
    """A complaint whose delivery gave up: nothing listens on the forward URL and the
    retry budget is one attempt."""
    with runtime.sessions() as s:
        log_call(
            s,
            runtime,
            {
                "description": "Pungutan liar saat mengurus KTP di kantor kecamatan.",
                "privacy": "confidential",
                "location_text": "Kecamatan Sukajadi, Kota Bandung",
            },
            by="ani",
            submit=True,
        )
        s.execute(OutboxJob.__table__.update().values(max_attempts=1))
        s.commit()
    make_worker(runtime, poll_seconds=0.01).run(max_idle_polls=1)
    with runtime.sessions() as s:
        job = s.scalars(select(OutboxJob)).one()
        assert job.status == JobStatus.DEAD
        return job.id


def test_supervisor_retries_a_dead_letter(page: Page, console):
    url, runtime = console
    job_id = dead_letter(runtime)
    login(page, url, "sari")
    page.click("text=Pengiriman gagal")
    row = page.locator(f"#job-{job_id}")
    expect(row).to_contain_text("laporan ke pusat")
    expect(row.locator(".error-text")).not_to_be_empty()
    row.locator("button").click()
    expect(page.locator(".flash")).to_contain_text(f"Pengiriman #{job_id} dijadwalkan ulang")
    expect(page.locator("#no-dead-letters")).to_be_visible()
    with runtime.sessions() as s:
        job = s.get(OutboxJob, job_id)
        assert job.status == JobStatus.PENDING and job.attempts == 0


def test_operator_cannot_reach_supervisor_pages(page: Page, console):
    url, _ = console
    login(page, url, "ani")
    expect(page.locator("nav")).not_to_contain_text("Pengiriman gagal")
    response = page.goto(f"{url}/operator/dead-letters")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Tidak diizinkan")


def test_a_form_without_its_csrf_token_is_rejected(page: Page, console):
    url, runtime = console
    login(page, url, "ani")
    page.evaluate("document.querySelector('#call-form input[name=csrf_token]').remove()")
    page.fill("#description", "Sampah menumpuk di pinggir jalan sudah seminggu.")
    with page.expect_response(re.compile(r"/operator/calls/new$")) as answer:
        page.click("button[name=submit]")
    assert answer.value.status == 400
    expect(page.locator("h1")).to_have_text("Formulir kedaluwarsa")
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CallRecord)) == 0


def test_logging_out_ends_the_session(page: Page, console):
    url, _ = console
    login(page, url, "ani")
    page.click("text=Keluar")
    expect(page.locator(".flash")).to_contain_text("Anda sudah keluar")
    page.goto(f"{url}/operator/review")
    expect(page).to_have_url(re.compile(r"/operator/login"))
