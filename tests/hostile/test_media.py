"""/media/<token> attacked with what a citizen can send as a Telegram or WhatsApp
document: an HTML page or an SVG with script, a "photo" that is HTML inside. Nothing a
citizen sent may run as a page in the gateway's origin: only real JPEG, PNG, GIF and
WebP are shown inline, everything else is a download, and every answer forbids sniffing,
scripts and framing. Real HTTP through the app, SQLite and PostgreSQL."""

from __future__ import annotations

import secrets

import pytest

from gateway.runtime import Runtime
from gateway.store.models import MediaFile

HTML = b"<!doctype html><script>fetch('/operator/complaints').then(r=>r.text())</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def keep(runtime: Runtime, content: bytes, content_type: str | None) -> str:
    """A fetched attachment as the worker keeps it: the bytes in the media folder, the
    type the channel said."""
    token = secrets.token_urlsafe(24)
    runtime.media_dir.mkdir(parents=True, exist_ok=True)
    path = runtime.media_dir / token
    path.write_bytes(content)
    with runtime.sessions() as s:
        s.add(
            MediaFile(
                token=token,
                channel="telegram",
                ref="file-id",
                content_type=content_type,
                size=len(content),
                path=str(path),
            )
        )
        s.commit()
    return f"/media/{token}"


def assert_inert(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("content", "claimed"),
    [
        (HTML, "text/html"),
        (HTML, "text/html; charset=utf-8"),
        (HTML, "application/xhtml+xml"),
        (SVG, "image/svg+xml"),
        (HTML, "image/png"),  # a "photo" that is a page
        (HTML, "IMAGE/JPEG"),
        (SVG, "image/gif"),
        (b"GIF89a" + HTML, "image/svg+xml"),  # an image's magic cannot make an SVG inline
        (HTML, "application/pdf"),
        (HTML, None),
        (HTML, "text/plain"),
        (HTML, "application/octet-stream"),
        (b"", "image/png"),
    ],
)
def test_what_could_run_as_a_page_is_a_download(runtime, client, content, claimed):
    url = keep(runtime, content, claimed)
    for response in (client.get(url), client.head(url)):
        assert response.status_code == 200
        assert response.mimetype == "application/octet-stream", claimed
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename=" in disposition
        assert_inert(response)
    assert client.get(url).data == content  # the bytes themselves are kept whole


@pytest.mark.parametrize(
    ("content", "claimed"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_a_real_photo_is_shown_inline(runtime, client, content, claimed):
    url = keep(runtime, content, claimed)
    response = client.get(url)
    assert response.status_code == 200 and response.data == content
    assert response.mimetype == claimed
    assert not response.headers.get("Content-Disposition", "").startswith("attachment")
    assert_inert(response)


def test_a_real_document_keeps_its_type_but_is_a_download(runtime, client):
    response = client.get(keep(runtime, PDF, "application/pdf"))
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert_inert(response)


def test_an_unknown_or_unfetched_token_is_404_with_the_same_headers(runtime, client):
    with runtime.sessions() as s:
        s.add(MediaFile(token="not-fetched", channel="telegram", ref="x", content_type="image/png"))
        s.commit()
    for url in ("/media/nothing-here", "/media/not-fetched"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
