"""The ``lapor-gateway`` command line: one module per command group."""

from __future__ import annotations

import click

from gateway.cli import (
    calls,
    config,
    database,
    forward,
    operators,
    outbox,
    processes,
    sandbox,
    telegram,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """lapor-gateway: one intake gateway for SP4N-LAPOR! complaints from every channel."""


for command in (
    processes.demo,
    processes.serve,
    processes.worker,
    database.db,
    calls.import_calls,
    operators.operator_group,
    outbox.outbox,
    forward.forward,
    telegram.telegram,
    sandbox.sandbox_central,
    config.config_group,
):
    main.add_command(command)
