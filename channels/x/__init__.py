"""X (Twitter): direct messages and public mentions through Account Activity webhooks."""

from channels.x.adapter import XAdapter

__all__ = ["XAdapter"]
