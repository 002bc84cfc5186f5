"""The intake dialog: what a citizen says, read before it is used (see machine.py)."""

from gateway.conversation.draft import ConversationState, DialogConfig, Draft
from gateway.conversation.machine import Dialog, keyword

__all__ = ["ConversationState", "Dialog", "DialogConfig", "Draft", "keyword"]
