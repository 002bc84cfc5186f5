"""The conversations inbox end to end: a WhatsApp citizen (the real Twilio webhook and
dialog) starts a complaint and asks for a person; an operator finds them in the inbox,
reads the conversation, answers through the outbox and files the draft as a complaint
(on its timeline by name), whose public page the citizen can open; and closes another."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.store.models import Complaint, Conversation, OutboundMessage
from tests.browser.conftest import login
from tests.browser.test_pages import AXE, _check, page  # noqa: F401 (the axe-ready page)


def test_operator_answers_a_citizen_who_asked_for_a_person(page: Page, console, sms):  # noqa: F811
    url, runtime = console
    citizen = sms("+6281355500011", whatsapp=True)
    citizen.say("Jalan di depan SDN 2 Sukamaju rusak parah, berlubang besar sudah sebulan")
    told = citizen.say("bisa bicara dengan petugas?")
    assert told, "the dialog answers a request for a person"
    with runtime.sessions() as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.draft.get("human") is True

    login(page, url, "ani")
    page.click("header >> text=Kotak masuk")
    page.select_option("select[name=keadaan]", "human")
    page.click("#inbox-filter button")
    item = page.locator("#inbox li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("WhatsApp")
    expect(item).to_contain_text("Minta bicara dengan petugas")
    _check(page, "kotak-masuk", AXE.read_text(), logged_in=True, times=True)
    item.locator("a").click()
    expect(page.locator("#thread")).to_contain_text("SDN 2 Sukamaju")
    expect(page.locator("#thread")).to_contain_text("bicara dengan petugas")
    expect(page.locator("#draft")).to_contain_text("berlubang")
    page.fill("#reply-text", "Selamat siang, saya Ani dari call center. Lokasinya di desa mana?")
    page.click("#reply-form button")
    expect(page.locator(".flash")).to_contain_text("antrean pengiriman")
    expect(page.locator("#thread li.out").last).to_contain_text("Petugas ani")
    expect(page.locator("#thread li.out").last).to_contain_text("menunggu dikirim")
    _check(page, "percakapan", AXE.read_text(), logged_in=True, times=True)
    with runtime.sessions() as s:
        sent = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert sent.channel == "whatsapp" and sent.options["operator"] == "ani"
        assert sent.text.startswith("Selamat siang, saya Ani")

    # the operator finishes the draft in the call form: a complaint, and the dialog over
    page.click("#file-draft")
    expect(page.locator("#from-conversation")).to_be_visible()
    expect(page.locator("#description")).to_have_value(re.compile("SDN 2 Sukamaju"))
    expect(page.locator("#phone")).to_have_value("+6281355500011")
    page.fill("#location_text", "Desa Sukamaju, Kabupaten Cianjur")
    page.click("button[name=submit]")
    expect(page.locator("h1")).to_have_text(re.compile("Laporan terkirim"))
    _check(page, "panggilan-tercatat", AXE.read_text(), logged_in=True, times=False)
    with runtime.sessions() as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.step == "idle" and "human" not in conv.draft and "d" not in conv.draft
        code = s.scalars(select(Complaint.tracking_code)).one()
    # on the complaint's timeline, who made it from the chat
    page.goto(f"{url}/operator/complaints/{code}")
    expect(page.locator("#timeline .operator-action")).to_contain_text(
        "Petugas ani menjadikan draf percakapan laporan"
    )
    # the citizen's own page for the code: status and dates, nothing of them or of us
    answer = " ".join(citizen.say(f"STATUS {code}"))
    assert code in answer, answer  # the chat tells the same code the page takes
    page.goto(f"{url}/lapor/{code}")
    expect(page.locator("#status")).to_have_text(re.compile("Diterima"))
    public = page.locator("body").inner_text()
    assert "1355500011" not in public and "ani" not in public.split()
    assert page.locator("script").count() == 0

    # another citizen, misunderstood and asking for a person: the operator closes it
    other = sms("+6281355500012")
    other.say("Sampah menumpuk di pasar sudah seminggu tidak diangkut petugas kebersihan")
    other.say("mau bicara dengan petugas")
    page.goto(f"{url}/operator/inbox?keadaan=human")
    page.locator("#inbox li a").first.click()
    expect(page.locator("h1")).to_contain_text("SMS")
    page.click("#close-conversation")
    expect(page.locator(".flash")).to_contain_text("Percakapan ditutup")
    with runtime.sessions() as s:
        conv = s.scalars(select(Conversation).where(Conversation.channel == "sms")).one()
        assert conv.step == "idle" and "human" not in conv.draft and "d" not in conv.draft
