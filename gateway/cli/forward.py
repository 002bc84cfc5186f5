"""``forward``: the delivery target, previewed."""

from __future__ import annotations

import click

from gateway.cli.common import open_runtime
from gateway.config import load_settings


@click.group()
def forward() -> None:
    """The delivery target."""


@forward.command("preview")
@click.option(
    "--privacy",
    type=click.Choice(["public", "confidential", "anonymous"]),
    default="confidential",
    show_default=True,
)
def forward_preview(privacy: str) -> None:
    """Print the exact request the configured target would receive for a sample
    complaint (nothing is sent; secrets are masked)."""
    import uuid
    from datetime import UTC, datetime

    from normalizer.build import build_complaint
    from normalizer.complaint import outbound_document
    from normalizer.message import MediaRef
    from normalizer.tracking import new_tracking_code

    settings = load_settings()
    doc = build_complaint(
        id=str(uuid.uuid4()),
        tracking_code=new_tracking_code(),
        channel="sms",
        received_at=datetime.now(UTC),
        privacy=privacy,
        name="Siti Nurhaliza",
        phone="+6281234567890",
        channel_user_id="+6281234567890",
        description="Jalan di depan SDN 3 Sukamaju berlubang besar sejak tiga bulan.",
        location_text="Jl. Raya Sukamaju km 4, Kab. Bandung Barat",
        media=[MediaRef("https://gateway.example/a/foto.jpg", "image/jpeg")],
    )
    with open_runtime(settings) as runtime:
        outgoing = runtime.target.encode(outbound_document(doc.to_document()), doc.id)
    secret = settings.forward_api_key.get_secret_value()
    text = f"POST {outgoing.url}\n"
    text += "".join(f"{k}: {v}\n" for k, v in outgoing.headers.items())
    text += "\n" + outgoing.body.decode("utf-8")
    click.echo(text.replace(secret, "***") if secret else text)
