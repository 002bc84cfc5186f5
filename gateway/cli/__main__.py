"""``python -m gateway.cli``, as the tests and the demo run it."""

from gateway.cli import main

main()
