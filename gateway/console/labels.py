"""Bahasa Indonesia for every code the console and the public status page show: complaint
statuses and resolutions, channels, categories, privacy, call-draft statuses and reasons,
outbound message states, dialog steps; and times in the deployment's one time zone
(``GATEWAY_TIMEZONE``, Asia/Jakarta by default) with its abbreviation (WIB, WITA, WIT),
dates with Indonesian month names. Registered as Jinja filters by :func:`register`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

from forwarder.targets.registry import TARGETS
from normalizer.categories import load_taxonomy

DEFAULT_ZONE = "Asia/Jakarta"

STATUS = {
    "received": "Diterima",
    "queued": "Dalam antrean pengiriman",
    "submitted": "Terkirim ke SP4N-LAPOR!",
    "verified": "Diverifikasi",
    "dispositioned": "Didisposisikan ke instansi",
    "in_progress": "Sedang ditindaklanjuti",
    "awaiting_feedback": "Ditindaklanjuti, menunggu tanggapan pelapor",
    "closed": "Selesai",
    "on_hold": "Ditunda",
    "failed": "Gagal dikirim",
}
# What the citizen reads on the public page: addressed to them.
PUBLIC_STATUS = {
    **STATUS,
    "queued": "Diterima",
    "submitted": "Diterima SP4N-LAPOR!, menunggu verifikasi",
    "awaiting_feedback": "Sudah ditindaklanjuti, menunggu tanggapan Anda",
    "failed": "Diterima, sedang ditangani petugas",
}
RESOLUTION = {
    "resolved": "tuntas",
    "duplicate": "laporan ganda",
    "not_authority": "bukan kewenangan instansi",
    "archived": "diarsipkan",
    "withdrawn": "dicabut pelapor",
}
CHANNEL = {
    "telegram": "Telegram",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "x": "X (Twitter)",
    "callcenter": "Call center",
    "api": "Aplikasi mitra (API)",
    "import": "Impor berkas",
}
PRIVACY = {
    "public": "Publik",
    "confidential": "Rahasia",
    "anonymous": "Anonim",
}
CALL_STATUS = {
    "needs_review": "perlu ditinjau",
    "ready": "siap dikirim",
    "submitted": "sudah dikirim",
    "discarded": "dibuang",
}
# Where a call draft came from (call_records.source).
CALL_SOURCE = {
    "api": "sistem call center (API)",
    "import": "impor berkas rekaman",
    "console": "konsol operator",
}
REASON = {
    "no_caller_words": "Tidak ada kata-kata penelepon",
    "too_short": "Laporan terlalu singkat",
    "no_location": "Lokasi belum ada",
    "several_issues": "Beberapa masalah berbeda dalam satu panggilan",
    "incomplete": "Disimpan belum lengkap oleh operator",
    "not_a_complaint_yet": "Draf belum dapat menjadi laporan (mis. terlalu panjang)",
}
OUTBOUND = {
    "queued": "menunggu dikirim",
    "sent": "terkirim ke penyedia",
    "delivered": "sampai",
    "read": "dibaca",
    "failed": "gagal",
    "undelivered": "tidak sampai",
}
STEP = {
    "idle": "tidak ada draf",
    "description": "menulis isi laporan",
    "category": "memilih kategori",
    "date": "tanggal kejadian",
    "location": "lokasi",
    "region": "memilih wilayah",
    "media": "mengirim foto",
    "privacy": "memilih kerahasiaan",
    "confirm": "konfirmasi kirim",
}
UNKNOWN_GROUP = "(belum diketahui)"
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")

# Notes the gateway itself writes on the timeline (gateway.jobs.handlers), in Indonesian.
_CENTRAL_ID = re.compile(
    r"^(?P<target>\w+) id (?P<id>\S+?)(?:, (?:token|transaksi) (?P<tok>\S+))?$"
)
_NOTES = {"retried by operator": "dikirim ulang oleh operator"}


@cache
def _categories() -> dict[str, str]:
    return {c.code: c.label for c in load_taxonomy()}


def category(code: str | None) -> str:
    if not code:
        return "-"
    return _categories().get(code, code)


def status(code: str | None, resolution: str | None = None) -> str:
    text = STATUS.get(code or "", code or "-")
    if resolution:
        text += f" ({RESOLUTION.get(resolution, resolution)})"
    return text


def public_status(code: str | None, resolution: str | None = None) -> str:
    text = PUBLIC_STATUS.get(code or "", code or "-")
    if resolution:
        text += f" ({RESOLUTION.get(resolution, resolution)})"
    return text


def group(by: str, key: str) -> str:
    """A dashboard group's name: channels and categories by their label."""
    if key == UNKNOWN_GROUP:
        return key
    if by == "channel":
        return CHANNEL.get(key, key)
    if by == "category":
        return category(key)
    return key


def event_note(note: str | None) -> str:
    """The gateway's own English notes read in Indonesian; an agency's notes as written."""
    if not note:
        return ""
    if note in _NOTES:
        return _NOTES[note]
    found = _CENTRAL_ID.match(note)
    if found:
        text = f"nomor di sistem pusat: {found['id']}"
        if found["tok"]:
            text += f", {_receipt_token(found['target'])} {found['tok']}"
        return text
    return note


def number(value: float | int | None, digits: int = 1) -> str:
    """``4,5``: Indonesian writes the decimal comma (and a dot between thousands)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def zone() -> ZoneInfo:
    name = DEFAULT_ZONE
    if has_app_context():
        runtime = current_app.extensions.get("lapor")
        if runtime is not None:
            name = runtime.settings.timezone
    return ZoneInfo(name)


def zone_abbreviation(tz: ZoneInfo | None = None) -> str:
    """WIB, WITA or WIT (the zone's own abbreviation elsewhere)."""
    return datetime.now(tz or zone()).tzname() or str(tz or zone())


def local(moment: datetime | str) -> datetime:
    """A stored moment (aware, or naive UTC, or ISO text) in the deployment's zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def when(moment: datetime | str | None, short: bool = False) -> str:
    """``2 Des 2026 12:05 WIB`` (``short``: ``2 Des 12:05``, for tables)."""
    if moment is None:
        return "—"
    at = local(moment)
    if short:
        return f"{at.day} {SHORT_MONTHS[at.month - 1]} {at:%H:%M}"
    return f"{at.day} {SHORT_MONTHS[at.month - 1]} {at.year} {at:%H:%M} {at.tzname()}"


def day(value: date | datetime | str | None) -> str:
    """``2 Desember 2026``; a moment is first taken to the deployment's zone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if len(value) <= 10 else local(value)
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def register(app: Flask) -> None:
    app.add_template_filter(lambda c, r=None: status(c, r), "status_id")
    app.add_template_filter(lambda c, r=None: public_status(c, r), "public_status")
    app.add_template_filter(lambda c: CHANNEL.get(c or "", c or "-"), "channel_id")
    app.add_template_filter(lambda c: PRIVACY.get(c or "", c or "-"), "privacy_id")
    app.add_template_filter(lambda c: CALL_STATUS.get(c or "", c or "-"), "call_status")
    app.add_template_filter(lambda c: CALL_SOURCE.get(c or "", c or "-"), "call_source")
    app.add_template_filter(lambda c: OUTBOUND.get(c or "", c or "-"), "outbound_id")
    app.add_template_filter(lambda c: STEP.get(c or "", c or "-"), "step_id")
    app.add_template_filter(category, "category_id")
    app.add_template_filter(event_note, "event_note")
    app.add_template_filter(number, "num")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
    app.add_template_global(zone_abbreviation, "zone_abbreviation")


def _receipt_token(target: str) -> str:
    known = TARGETS.get(target)
    return known.capabilities.receipt_token if known else "token"
