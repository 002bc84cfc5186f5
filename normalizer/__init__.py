"""The complaint format and the pure functions that build it.

Nothing here touches Flask, a database or the network, so every channel, the gateway
and the forwarder can share it, and it can be used on its own.
"""
