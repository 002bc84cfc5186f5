"""The transactional outbox, the delivery targets and the worker that drives them.

The forwarder never imports the gateway: the gateway wires a worker with a session
factory and a handler per job kind.
"""
