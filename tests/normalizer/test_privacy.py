"""Identity values in free text: found, and masked for anonymous complaints and logs."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from normalizer.build import build_complaint
from normalizer.complaint import outbound_document
from normalizer.privacy import NO_PERSONAL_DATA, identity_values, log_filter, mask_identity

TEXT = (
    "Pungli di kantor kelurahan, diminta Rp 50.000. Hubungi saya 0812-3456-7890 atau "
    "budi.santoso@gmail.com, NIK 3201011508950001, rek BCA 1234567890. Bus B 1234 XYZ."
)
SECRETS = ("0812-3456-7890", "budi.santoso@gmail.com", "3201011508950001", "1234567890")


def test_identity_values_are_found():
    found = dict(identity_values(TEXT))
    assert found["PHONE"] == "0812-3456-7890" and found["NIK"] == "3201011508950001"
    assert found["EMAIL"] == "budi.santoso@gmail.com" and found["BANK_ACCOUNT"] == "1234567890"


def test_masking_keeps_what_the_complaint_is_about():
    masked = mask_identity(TEXT)
    for secret in SECRETS:
        assert secret not in masked
    assert "Rp 50.000" in masked and "B 1234 XYZ" in masked and "[PHONE_1]" in masked
    plain = "Jalan berlubang sejak 3 bulan, 100 meter, 2 motor jatuh tanggal 12-11-2026"
    assert mask_identity(plain) == plain


def _doc(privacy: str) -> dict:
    return build_complaint(
        id="c1",
        tracking_code="LPR-7K3M9Q2X",
        channel="sms",
        received_at=datetime.now(UTC),
        description=TEXT,
        privacy=privacy,
        phone="+6281299999999",
        location_text="rumah saya, HP 0812-3456-7890",
    ).to_document()


def test_anonymous_complaint_leaves_without_identity_in_its_text():
    doc = json.dumps(outbound_document(_doc("anonymous")))
    for secret in (*SECRETS, "6281299999999"):
        assert secret not in doc


def test_confidential_complaint_keeps_its_text_for_the_agency():
    doc = outbound_document(_doc("confidential"))
    assert doc["description"] == TEXT and doc["reporter"]["phone"] == "+6281299999999"


def test_log_lines_carry_no_identity():
    import io

    from gateway.logs import configure_logging

    configure_logging()
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "_lapor", False)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("lapor.test").warning(
            "citizen %s wrote NIK %s", "0812-3456-7890", "3201011508950001"
        )
    finally:
        handler.setStream(previous)
    line = stream.getvalue()
    assert "citizen" in line and "0812-3456-7890" not in line and "3201011508950001" not in line


# The same NIK as people write it on forms: dots, spaces or dashes between the groups.
NIK_FORMS = (
    "3201011508950001",
    "3201.0115.0895.0001",
    "3201 0115 0895 0001",
    "3201-0115-0895-0001",
    "32.01.01.150895.0001",
    "3201.01.150895.0001",
)
# A number whose date part is no date: a NIK only where "NIK" or "KTP" stands before it.
CONTEXT_FORMS = (
    "3273012345670001",
    "3273.0123.4567.0001",
    "3273 0123 4567 0001",
    "3273-0123-4567-0001",
)


def test_a_nik_written_with_separators_is_masked_like_the_plain_form():
    for nik in NIK_FORMS:
        text = f"Saya warga sini, {nik}, mohon ditindak."
        assert mask_identity(text) == "Saya warga sini, [NIK_1], mohon ditindak.", nik
        assert identity_values(text) == [("NIK", nik)], nik
    for nik in CONTEXT_FORMS:
        assert mask_identity(f"NIK saya {nik} ya") == "NIK saya [NIK_1] ya", nik
        assert mask_identity(f"no KTP: {nik}.") == "no KTP: [NIK_1].", nik
    # the same person written two ways is one placeholder
    both = mask_identity("NIK 3201011508950001 (di KTP: 3201.0115.0895.0001)")
    assert both == "NIK [NIK_1] (di KTP: [NIK_1])"


def test_dotted_numbers_that_are_no_nik_stay():
    for text in (
        "Dana desa Rp 1.500.000.000.000.000 tidak jelas, transfer Rp 2.500.000 kemarin",
        "tanggal 12.11.2026 jam 10.30, versi 3.2.1, koordinat -6.9147, 107.6098",
        "Nomor surat 3273.0123.4567.0001 dari dinas",  # no date inside and no NIK word
    ):
        assert mask_identity(text) == text
        assert identity_values(text) == []


def test_log_lines_mask_a_dotted_nik():
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "KTP %s", ("3201.0115.0895.0001",), None
    )
    log_filter().filter(record)
    assert "0115.0895" not in record.getMessage() and "3201" in record.getMessage()


def test_a_line_of_issued_ids_is_left_as_it_is_and_its_exception_still_masked():
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "complaint %s delivered as %s", ("LPR-7K2M", "1234"), None
    )
    record.__dict__.update(NO_PERSONAL_DATA)
    try:
        raise ValueError("citizen 0812-3456-7890")
    except ValueError:
        record.exc_info = sys.exc_info()
    log_filter().filter(record)
    assert record.getMessage() == "complaint LPR-7K2M delivered as 1234"
    assert "0812-3456-7890" not in (record.exc_text or "") and "citizen" in record.exc_text
