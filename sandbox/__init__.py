"""Local stand-ins for the outside world, so the gateway can be tried with no accounts:
an Open311 central system and a Twilio REST API. Used by ``demo`` and by the tests."""
