"""Channel adapters: verify and parse what a channel sends, send what the gateway says.

Adapters import only ``normalizer``; they never touch the database or the central system.
"""
