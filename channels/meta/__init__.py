"""Meta: Facebook Messenger, Instagram messaging and the WhatsApp Cloud API."""

from channels.meta.adapter import MetaAdapter

__all__ = ["MetaAdapter"]
