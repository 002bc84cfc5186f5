"""Operator accounts: hashed passwords, roles, and throttled logins."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from forwarder.sqltypes import utcnow
from gateway.store.models import Operator, Role

MIN_PASSWORD = 10


@cache
def _dummy_hash() -> str:
    """Compared against when the username is unknown, so both cases take as long. Made
    on first use, not at import: a scrypt hash is 0.1–0.2 s of every process's start."""
    return generate_password_hash("not a password of anyone")


class AccountError(ValueError):
    pass


def find_operator(session: Session, username: str) -> Operator | None:
    return session.scalar(
        select(Operator).where(func.lower(Operator.username) == username.strip().lower())
    )


def save_operator(
    session: Session, username: str, password: str, role: str, *, update: bool = False
) -> Operator:
    """Create an operator (or, with ``update``, set an existing one's password and role)."""
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("a username is 1 to 80 characters")
    if role not in tuple(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    operator = find_operator(session, username)
    if operator is not None and not update:
        raise AccountError(f"operator {username!r} exists (use --update to change it)")
    if operator is None:
        operator = Operator(username=username, failed_logins=0, active=True, created_at=utcnow())
        session.add(operator)
    operator.password_hash = generate_password_hash(password)
    operator.session_version = (operator.session_version or 0) + 1  # old sessions end
    operator.role = role
    operator.active = True
    operator.failed_logins = 0
    operator.locked_until = None
    session.flush()
    return operator


def check_login(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout: timedelta,
) -> Operator | None:
    """The operator when the password is right and the account is open; a wrong
    password counts, and ``max_failures`` in a row lock the account for ``lockout``."""
    operator = find_operator(session, username)
    # The hash is checked whatever the account's state: a refusal that skipped it (an
    # unknown name, a locked or closed account) would answer in a fraction of the time
    # and tell an attacker which names exist and which are locked.
    if operator is None or not operator.active:
        check_password_hash(_dummy_hash(), password)
        return None
    right = check_password_hash(operator.password_hash, password)
    now = utcnow()
    if operator.locked_until is not None and operator.locked_until > now:
        return None  # not counted: the lock runs its time, even for the right password
    if not right:
        operator.failed_logins += 1
        if operator.failed_logins >= max_failures:
            operator.locked_until = now + lockout
            operator.failed_logins = 0
        return None
    operator.failed_logins = 0
    operator.locked_until = None
    operator.last_login_at = now
    return operator
