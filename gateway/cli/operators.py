"""``operator``: console accounts."""

from __future__ import annotations

import sys

import click

from gateway.cli.common import open_runtime


@click.group("operator")
def operator_group() -> None:
    """Operator console accounts."""


@operator_group.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["operator", "supervisor"]), default="operator", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--update", is_flag=True, help="Change the password and role of an existing one.")
def operator_add(username: str, role: str, password_stdin: bool, update: bool) -> None:
    """Create an operator account (the password is asked for, never an argument)."""
    from gateway.console.accounts import AccountError, save_operator

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_runtime() as runtime, runtime.sessions() as session:
        try:
            save_operator(session, username, password, role, update=update)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"operator {username} ({role}) saved")


@operator_group.command("list")
def operator_list() -> None:
    """List operator accounts."""
    from sqlalchemy import select

    from gateway.store.models import Operator

    with open_runtime() as runtime, runtime.sessions() as session:
        for op in session.scalars(select(Operator).order_by(Operator.username)):
            last = op.last_login_at.isoformat(timespec="minutes") if op.last_login_at else "-"
            state = "active" if op.active else "disabled"
            click.echo(f"{op.username}\t{op.role}\t{state}\tlast login {last}")
