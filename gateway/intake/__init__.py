"""An inbound message's way in: stored once, the dialog run, replies queued."""
