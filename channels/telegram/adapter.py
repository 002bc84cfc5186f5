"""Telegram.

Inbound: ``POST /webhooks/telegram`` with ``X-Telegram-Bot-Api-Secret-Token`` (checked
in constant time before anything is parsed), one Update per request, parsed with
python-telegram-bot's ``Update.de_json``; or the same updates from ``getUpdates``
(``lapor-gateway telegram poll``). Only private chats run the dialog; groups, channels,
edits and other update kinds are acknowledged and ignored.

Outbound messages: ``sendMessage`` and ``answerCallbackQuery`` posted as the Bot API's
JSON over kept-alive connections of forwarder.httpclient (python-telegram-bot's send,
its rate limiter and the hop to its event loop cost four times the request's own CPU),
choices as inline buttons and a "share location" reply keyboard; paced within about one
message a second per chat and 30 a second for the bot, across processes when the pacing
storage is shared (channels.telegram.pacing). A 429's ``retry_after`` and a "blocked by
the user" 403 come back as SendError for the outbox to act on. Everything else (files,
``setWebhook``, ``getUpdates``) goes through python-telegram-bot's ``Bot`` with
``base_url``/``base_file_url`` from ``GATEWAY_TELEGRAM_API_URL``, imported when first
used: it is a fifth of a second of every process's start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import warnings
from collections.abc import Coroutine, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar

from channels.base import (
    BadPayload,
    OutboundRequest,
    SendError,
    SendResult,
    Unsupported,
    WebhookRequest,
    WebhookResult,
    checked_id,
)
from channels.http import same_secret
from channels.telegram.pacing import BOT_LIMIT, CHAT_LIMIT, SendPacing
from channels.telegram.settings import TelegramSettings
from forwarder.httpclient import HttpClient, Unreachable
from normalizer.complaint import Channel
from normalizer.message import Choice, InboundMessage, MediaRef, Reply, SharedLocation

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)
T = TypeVar("T")
SEND_TIMEOUT = (5.0, 15.0)  # connect, read: as the python-telegram-bot client had

MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
UNSUPPORTED_KINDS = (
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "contact",
    "poll",
    "dice",
    "game",
)
BUTTONS: dict[Choice, tuple[str, str]] = {
    Choice.SKIP: ("Lewati", "Skip"),
    Choice.PUBLIC: ("1 Publik", "1 Public"),
    Choice.CONFIDENTIAL: ("2 Rahasia", "2 Confidential"),
    Choice.ANONYMOUS: ("3 Anonim", "3 Anonymous"),
    Choice.SEND: ("Kirim", "Send"),
    Choice.CANCEL: ("Batal", "Cancel"),
    Choice.KOTA: ("Kota", "City (kota)"),
    Choice.KABUPATEN: ("Kabupaten", "Regency (kabupaten)"),
}
SHARE_LOCATION = ("📍 Bagikan lokasi", "📍 Share location")
# Chat and user ids: integers of at most 52 significant bits (update_id: positive).
MAX_ID = 2**53
CHAT_ID = re.compile(r"-?[0-9]{1,16}")
# file_id and callback query ids: base64url-ish text.
FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
QUERY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# What getFile answers as file_path ("photos/file_3.jpg"): relative, no dot segments.
FILE_PATH = re.compile(r"(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}")


class _Loop:
    """python-telegram-bot is asyncio; the gateway is not. One event loop per process,
    in a daemon thread, runs every Bot call."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True, name="telegram").start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


class TelegramAdapter:
    settings_model = TelegramSettings
    name = "telegram"
    channels = (Channel.TELEGRAM,)
    hooks = ("",)
    replies_inline = False

    def __init__(
        self,
        token: str,
        secret_token: str,
        api_url: str,
        *,
        pacing_url: str = "memory://",
        send_limit: str = BOT_LIMIT,
        chat_send_limit: str = CHAT_LIMIT,
    ) -> None:
        self.token = token
        self.secret_token = secret_token
        self.api_url = api_url.rstrip("/")
        self._bot: Bot | None = None
        self._loop: _Loop | None = None
        self._lock = threading.Lock()
        self._http = HttpClient(self.api_url)
        # the bot's id is the token's first part; the token itself stays out of the store
        self.pacing = SendPacing(
            pacing_url,
            token.partition(":")[0] or "bot",
            bot_limit=send_limit,
            chat_limit=chat_send_limit,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        s = TelegramSettings.of(config)
        return cls(
            s.telegram_bot_token.get_secret_value(),
            s.telegram_secret_token.get_secret_value(),
            s.telegram_api_url,
            pacing_url=config.get("ratelimit_storage_url", "memory://"),
            send_limit=s.telegram_send_limit,
            chat_send_limit=s.telegram_chat_send_limit,
        )

    # -- inbound -----------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> bool:
        return same_secret(request.headers.get(SECRET_HEADER, ""), self.secret_token)

    def parse(self, request: WebhookRequest) -> WebhookResult:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BadPayload("body is not JSON") from None
        return WebhookResult(messages=[self.parse_update(data)])

    def parse_update(self, data: Any) -> InboundMessage:
        if not isinstance(data, dict) or not _int_id(data.get("update_id"), positive=True):
            raise BadPayload("not a Telegram update (no update_id)")
        from telegram import Update  # see the module's docstring: imported when used

        try:
            update = Update.de_json(data, None)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise BadPayload(f"unreadable update: {type(exc).__name__}") from None
        external_id = str(update.update_id)
        if (query := update.callback_query) is not None:
            chat = query.message.chat if query.message else None
            if chat is not None and chat.type != "private":
                raise Unsupported("callback from a group chat")
            return InboundMessage(
                channel=Channel.TELEGRAM,
                external_id=external_id,
                sender=_chat_id(chat.id if chat else query.from_user.id),
                text=query.data or "",
                name=query.from_user.full_name,
                language_hint=(query.from_user.language_code or "")[:2] or None,
                ack=checked_id(query.id, QUERY_ID, "callback query id"),
                raw=data,
            )
        message = update.message
        if message is None:
            kind = next((k for k in data if k != "update_id"), "unknown")
            raise Unsupported(f"update kind {kind}")
        if message.chat.type != "private":
            raise Unsupported(f"{message.chat.type} chat")
        text = message.text or message.caption or ""
        if text.startswith("/"):  # "/start@lapor_bot payload" -> "/start payload"
            command, _, rest = text.partition(" ")
            text = f"{command.split('@', 1)[0]} {rest}".strip()
        location = None
        if message.venue is not None:
            venue = message.venue
            location = SharedLocation(
                venue.location.latitude, venue.location.longitude, f"{venue.title}, {venue.address}"
            )
        elif message.location is not None:
            location = SharedLocation(message.location.latitude, message.location.longitude)
        media: list[MediaRef] = []
        unsupported = next((k for k in UNSUPPORTED_KINDS if data["message"].get(k)), None)
        files = []
        if message.photo:
            largest = message.photo[-1]
            files.append((largest.file_id, "image/jpeg", largest.file_size))
        if message.document is not None:
            doc = message.document
            files.append((doc.file_id, doc.mime_type or "application/octet-stream", doc.file_size))
        for file_id, content_type, size in files:
            file_id = checked_id(file_id, FILE_ID, "file_id")
            if size and size > MAX_FILE_BYTES:
                unsupported = "large_file"
                continue
            media.append(MediaRef(url="", content_type=content_type, size=size, fetch_ref=file_id))
        if not (text or location or media or unsupported):
            raise Unsupported("message without content")
        user = message.from_user
        return InboundMessage(
            channel=Channel.TELEGRAM,
            external_id=external_id,
            sender=_chat_id(message.chat.id),
            text=text,
            name=user.full_name if user else None,
            language_hint=((user.language_code or "")[:2] or None) if user else None,
            location=location,
            media=tuple(media),
            unsupported=unsupported,
            raw=data,
        )

    def render_replies(self, request: WebhookRequest, replies: list[Reply]) -> tuple[str, str]:
        """Replies go through the outbox; a pressed button is answered right here, in
        the webhook's answer, which costs no extra request."""
        try:
            query = json.loads(request.body).get("callback_query") or {}
        except (ValueError, AttributeError):
            query = {}
        if query.get("id"):
            return (
                json.dumps({"method": "answerCallbackQuery", "callback_query_id": query["id"]}),
                "application/json",
            )
        return "", "text/plain"

    # -- outbound ----------------------------------------------------------------
    def _client(self) -> tuple[Bot, _Loop]:
        from telegram.ext import ExtBot
        from telegram.request import HTTPXRequest

        with self._lock:
            if self._bot is None or self._loop is None:
                if not self.token:
                    raise SendError("Telegram bot token is not configured", permanent=True)
                loop = _Loop()
                bot = ExtBot(
                    self.token,
                    base_url=f"{self.api_url}/bot",
                    base_file_url=f"{self.api_url}/file/bot",
                    request=HTTPXRequest(
                        connect_timeout=5, read_timeout=15, connection_pool_size=8
                    ),
                    get_updates_request=HTTPXRequest(connect_timeout=5, read_timeout=60),
                )
                loop.run(bot.initialize())
                self._bot, self._loop = bot, loop
            return self._bot, self._loop

    def _call(self, make: Any) -> Any:
        from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
        from telegram.warnings import PTBDeprecationWarning

        bot, loop = self._client()
        try:
            return loop.run(make(bot))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # int today, timedelta in a later major version
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise SendError(
                f"Telegram 429, retry after {seconds:.0f}s", permanent=False, retry_after=seconds
            ) from exc
        except Forbidden as exc:
            raise SendError(f"Telegram 403: {exc.message}", permanent=True, blocked=True) from exc
        except (BadRequest, InvalidToken) as exc:
            raise SendError(f"Telegram refused: {exc.message}", permanent=True) from exc
        except TelegramError as exc:  # NetworkError, TimedOut, server errors
            raise SendError(f"Telegram unreachable: {exc}", permanent=False) from exc
        except TimeoutError as exc:
            raise SendError("Telegram call timed out", permanent=False) from exc

    def _post(self, method: str, body: dict[str, Any]) -> Any:
        """One Bot API method as JSON (https://core.telegram.org/bots/api#making-requests):
        its ``result`` when ``ok``; otherwise a SendError that says what to do next."""
        if not self.token:
            raise SendError("Telegram bot token is not configured", permanent=True)
        try:
            answer = self._http.post(
                f"{self.api_url}/bot{self.token}/{method}", json_body=body, timeout=SEND_TIMEOUT
            )
        except Unreachable as exc:
            raise SendError(f"Telegram unreachable: {type(exc).__name__}", permanent=False) from exc
        try:
            data = answer.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("ok") is True:
            return data.get("result")
        if not isinstance(data, dict):
            data = {}
        code = (
            data.get("error_code")
            if isinstance(data.get("error_code"), int)
            else answer.status_code
        )
        description = str(data.get("description") or answer.reason or "")[:300]
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        if code == 429:
            wait = parameters.get("retry_after")
            seconds = float(wait) if isinstance(wait, int | float) else None
            raise SendError(
                f"Telegram 429, retry after {seconds or 0:.0f}s",
                permanent=False,
                retry_after=seconds,
            )
        if code == 403:
            raise SendError(f"Telegram 403: {description}", permanent=True, blocked=True)
        if code in (
            400,
            401,
            404,
        ):  # 401/404: the token is wrong (python-telegram-bot's InvalidToken)
            raise SendError(f"Telegram refused: {description}", permanent=True)
        raise SendError(f"Telegram unreachable: HTTP {code}: {description}", permanent=False)

    def send(self, message: OutboundRequest) -> SendResult:
        english = message.language == "en"
        body: dict[str, Any] = {
            "chat_id": _outbound_chat_id(message.recipient),
            "text": message.text,
        }
        if message.ask_location:
            body["reply_markup"] = {
                "keyboard": [
                    [{"text": SHARE_LOCATION[english], "request_location": True}],
                    [{"text": BUTTONS[Choice.SKIP][english].upper()}],
                ],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }
        elif message.choices:
            body["reply_markup"] = {
                "inline_keyboard": [
                    [
                        {"text": BUTTONS[c][english], "callback_data": str(c)}
                        for c in message.choices
                    ]
                ]
            }
        if wait := self.pacing.acquire(message.recipient):
            raise SendError(
                f"Telegram send limit reached, next room in {wait:.1f}s",
                permanent=False,
                retry_after=wait,
                paced=True,
            )
        sent = self._post("sendMessage", body)
        try:
            return SendResult(
                external_id=f"{int(sent['chat']['id'])}:{int(sent['message_id'])}", status="sent"
            )
        except (TypeError, KeyError, ValueError):
            # it went out; an answer we cannot read must not send it again
            log.warning("Telegram sendMessage answered without a message id")
            return SendResult(external_id="", status="sent")

    def sends_to(self, channel: str, recipient: str) -> bool:
        return channel == Channel.TELEGRAM

    def fetch_media(self, ref: str) -> bytes:
        """getFile, then the download from ``<api>/file/bot<token>/<file_path>``: only a
        relative file path without dot segments (python-telegram-bot would read a path
        naming a local file from the disk, for a local Bot API server)."""
        if not FILE_ID.fullmatch(ref):
            raise SendError(f"file_id {ref[:40]!r} is not Telegram's", permanent=True)

        async def download(bot: Bot) -> bytes:
            file = await bot.get_file(ref)
            prefix = f"{bot.base_file_url}/"
            path = file.file_path or ""
            if not (path.startswith(prefix) and FILE_PATH.fullmatch(path[len(prefix) :])):
                raise SendError(f"file {ref}: unexpected file_path", permanent=True)
            return bytes(await file.download_as_bytearray())

        return self._call(download)

    def acknowledge(self, ack: str) -> None:
        self._post("answerCallbackQuery", {"callback_query_id": ack})

    # -- administration ------------------------------------------------------------
    def set_webhook(self, url: str) -> bool:
        return self._call(
            lambda bot: bot.set_webhook(
                url=url, secret_token=self.secret_token or None, allowed_updates=ALLOWED_UPDATES
            )
        )

    def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        updates = self._call(
            lambda bot: bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=ALLOWED_UPDATES,
                read_timeout=timeout + 10,
            )
        )
        return [u.to_dict() for u in updates]


def _int_id(value: object, *, positive: bool = False) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (0 if positive else -MAX_ID) < value < MAX_ID
    )


def _chat_id(value: object) -> str:
    if not _int_id(value):
        raise BadPayload("chat id is not Telegram's (an integer)")
    return str(value)


def _outbound_chat_id(recipient: str) -> int:
    if not (CHAT_ID.fullmatch(recipient) and _int_id(int(recipient))):
        raise SendError(f"{recipient[:40]!r} is no Telegram chat id", permanent=True)
    return int(recipient)
