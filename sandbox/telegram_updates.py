"""Telegram updates shaped as the Bot API sends them, for the demo and the tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

_update_ids = itertools.count(800_000_001)
_message_ids = itertools.count(1)


def _user(chat_id: int, language: str = "id") -> dict[str, Any]:
    return {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Warga",
        "last_name": str(chat_id)[-3:],
        "username": f"warga{chat_id}",
        "language_code": language,
    }


def _message(
    chat_id: int, language: str = "id", chat_type: str = "private", **content: Any
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat.update(first_name="Warga", username=f"warga{chat_id}")
    else:
        chat["title"] = "Grup RT 05"
    return {
        "message_id": next(_message_ids),
        "from": _user(abs(chat_id), language),
        "chat": chat,
        "date": int(time.time()),
        **content,
    }


def update(**body: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **body}


def text(chat_id: int, value: str, language: str = "id") -> dict[str, Any]:
    entities = (
        [{"offset": 0, "length": len(value.split()[0]), "type": "bot_command"}]
        if value.startswith("/")
        else None
    )
    msg = _message(chat_id, language, text=value)
    if entities:
        msg["entities"] = entities
    return update(message=msg)


def location(chat_id: int, lat: float, lon: float) -> dict[str, Any]:
    return update(message=_message(chat_id, location={"latitude": lat, "longitude": lon}))


def venue(chat_id: int, lat: float, lon: float, title: str, address: str) -> dict[str, Any]:
    loc = {"latitude": lat, "longitude": lon}
    return update(
        message=_message(
            chat_id, location=loc, venue={"location": loc, "title": title, "address": address}
        )
    )


def photo(chat_id: int, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": "t1",
            "width": 90,
            "height": 60,
            "file_size": 1200,
        },
        {
            "file_id": file_id,
            "file_unique_id": "p1",
            "width": 1280,
            "height": 853,
            "file_size": size,
        },
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return update(message=_message(chat_id, **content))


def document(
    chat_id: int,
    file_id: str,
    size: int,
    mime_type: str = "application/pdf",
    name: str = "bukti.pdf",
) -> dict[str, Any]:
    return update(
        message=_message(
            chat_id,
            document={
                "file_id": file_id,
                "file_unique_id": "d1",
                "file_name": name,
                "mime_type": mime_type,
                "file_size": size,
            },
        )
    )


def callback(chat_id: int, data: str, language: str = "id") -> dict[str, Any]:
    return update(
        callback_query={
            "id": f"{next(_update_ids)}",
            "from": _user(chat_id, language),
            "chat_instance": "42",
            "data": data,
            "message": _message(chat_id, language, text="(pertanyaan bot)"),
        }
    )


def sticker(chat_id: int) -> dict[str, Any]:
    return update(
        message=_message(
            chat_id,
            sticker={
                "file_id": "CAACAgIAAxkBAAE",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )
    )


def voice(chat_id: int) -> dict[str, Any]:
    return update(
        message=_message(
            chat_id,
            voice={
                "file_id": "AwACAgIAAxkBAAE",
                "file_unique_id": "v1",
                "duration": 4,
                "mime_type": "audio/ogg",
                "file_size": 9000,
            },
        )
    )


def group_text(chat_id: int, value: str) -> dict[str, Any]:
    return update(message=_message(-abs(chat_id), chat_type="group", text=value))


def edited(chat_id: int, value: str) -> dict[str, Any]:
    msg = _message(chat_id, text=value)
    msg["edit_date"] = int(time.time())
    return update(edited_message=msg)
