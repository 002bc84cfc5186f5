"""Webhook payloads shaped as Meta and X document them, for the demo and the tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

PAGE_ID = "104512345678901"
IG_ACCOUNT_ID = "17841400000000001"
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "6221555010"
X_ACCOUNT_ID = "2244994945"
_seq = itertools.count(1)


def _ms() -> int:
    return int(time.time() * 1000)


def messenger(
    psid: str,
    text: str | None = None,
    *,
    quick_reply: str | None = None,
    image_url: str | None = None,
    location: tuple[float, float] | None = None,
    instagram: bool = False,
) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": f"m_{'ig' if instagram else 'fb'}{next(_seq):012d}"}
    if text is not None:
        message["text"] = text
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
        message.setdefault("text", quick_reply)
    attachments = []
    if image_url:
        attachments.append({"type": "image", "payload": {"url": image_url}})
    if location:
        attachments.append(
            {
                "type": "location",
                "title": "Lokasi saya",
                "payload": {"coordinates": {"lat": location[0], "long": location[1]}},
            }
        )
    if attachments:
        message["attachments"] = attachments
    own = IG_ACCOUNT_ID if instagram else PAGE_ID
    return {
        "object": "instagram" if instagram else "page",
        "entry": [
            {
                "id": own,
                "time": _ms(),
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": own},
                        "timestamp": _ms(),
                        "message": message,
                    }
                ],
            }
        ],
    }


def batch(*payloads: dict[str, Any]) -> dict[str, Any]:
    """Several deliveries in one POST, as Meta batches them."""
    return {
        "object": payloads[0]["object"],
        "entry": [entry for p in payloads for entry in p["entry"]],
    }


def messenger_echo(psid: str) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": _ms(),
                "messaging": [
                    {
                        "sender": {"id": PAGE_ID},
                        "recipient": {"id": psid},
                        "timestamp": _ms(),
                        "message": {
                            "mid": f"m_echo{next(_seq)}",
                            "is_echo": True,
                            "text": "balasan kami",
                        },
                    }
                ],
            }
        ],
    }


def _whatsapp(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def whatsapp(wa_id: str, kind: str = "text", name: str = "Warga", **content: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": wa_id,
        "id": f"wamid.HBgM{next(_seq):020d}",
        "timestamp": str(int(time.time())),
        "type": kind,
    }
    if kind == "text":
        message["text"] = {"body": content["body"]}
    elif kind == "location":
        message["location"] = {
            "latitude": content["lat"],
            "longitude": content["lon"],
            "name": content.get("place"),
            "address": content.get("address"),
        }
    elif kind in ("image", "document"):
        message[kind] = {
            "id": content["media_id"],
            "mime_type": content["mime_type"],
            "sha256": content.get("sha256", "x"),
            "caption": content.get("caption"),
        }
    elif kind == "interactive":
        message["interactive"] = {
            "type": "button_reply",
            "button_reply": {"id": content["id"], "title": content["id"]},
        }
    elif kind == "sticker":
        message["sticker"] = {"id": "777", "mime_type": "image/webp", "animated": False}
    return _whatsapp(
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
    )


def whatsapp_status(wamid: str, status: str, recipient: str) -> dict[str, Any]:
    return _whatsapp(
        {
            "statuses": [
                {
                    "id": wamid,
                    "status": status,
                    "timestamp": str(int(time.time())),
                    "recipient_id": recipient,
                }
            ]
        }
    )


def x_dm(sender_id: str, text: str, *, for_user: str = X_ACCOUNT_ID) -> dict[str, Any]:
    return {
        "for_user_id": for_user,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": f"{1_800_000_000_000_000_000 + next(_seq)}",
                "created_timestamp": str(_ms()),
                "message_create": {
                    "target": {"recipient_id": for_user if sender_id != for_user else "1"},
                    "sender_id": sender_id,
                    "message_data": {
                        "text": text,
                        "entities": {
                            "hashtags": [],
                            "symbols": [],
                            "user_mentions": [],
                            "urls": [],
                        },
                    },
                },
            }
        ],
        "users": {
            sender_id: {
                "id": sender_id,
                "name": "Warga X",
                "screen_name": "wargax",
                "created_timestamp": "1422556069340",
            }
        },
    }


def x_mention(author_id: str, text: str, *, screen_name: str = "wargax") -> dict[str, Any]:
    tweet_id = 1_800_000_000_000_000_000 + next(_seq)
    return {
        "for_user_id": X_ACCOUNT_ID,
        "tweet_create_events": [
            {
                "created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime()),
                "id": tweet_id,
                "id_str": str(tweet_id),
                "text": f"@lapor1708 {text}",
                "user": {
                    "id": int(author_id),
                    "id_str": author_id,
                    "name": "Warga X",
                    "screen_name": screen_name,
                },
                "entities": {
                    "hashtags": [{"text": "lapor"}],
                    "urls": [],
                    "symbols": [],
                    "user_mentions": [
                        {
                            "screen_name": "lapor1708",
                            "name": "LAPOR!",
                            "id": int(X_ACCOUNT_ID),
                            "id_str": X_ACCOUNT_ID,
                            "indices": [0, 10],
                        }
                    ],
                },
            }
        ],
    }
