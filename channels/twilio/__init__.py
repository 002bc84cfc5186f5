"""Twilio Programmable Messaging: SMS and WhatsApp."""

from channels.twilio.adapter import TwilioAdapter

__all__ = ["TwilioAdapter"]
