"""`flask users …`: create an admin, grant and revoke roles (the actor is recorded as "system")."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from participatory import clock
from participatory.accounts.errors import AccountError, message
from participatory.accounts.rules import GRANTABLE_ROLES, email_problem
from participatory.accounts.services import roles
from participatory.accounts.services.identity import find_by_email, normalise_email
from participatory.extensions import db

group = AppGroup("users", help="Accounts and roles.")


def _fail(text) -> None:
    db.session.rollback()
    click.echo(f"error: {text}", err=True)
    sys.exit(1)


def _email(value: str) -> str:
    email = normalise_email(value)
    problem = email_problem(email)
    if problem:
        _fail(message(problem))
    return email


@group.command("create-admin")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_admin_command(email: str, password_stdin: bool) -> None:
    """Create the account EMAIL (email confirmed) if missing, and give it the admin role."""
    email = _email(email)
    password = None
    if find_by_email(db.session, email) is None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = roles.create_admin(db.session, email=email, password=password, now=clock.now())
    except AccountError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"{'created' if created else 'existing'} account {user.pseudonym} is now admin")


def _change(action, email: str, role: str, constituency: str | None) -> None:
    try:
        user = roles.user_by_email(db.session, _email(email))
        grant = action(db.session, None, user, role=role, constituency_code=constituency, now=clock.now())
    except AccountError as error:
        _fail(error.message)
    db.session.commit()
    where = f" of {grant.constituency_code}" if grant.constituency_code else ""
    click.echo(f"{user.pseudonym}: {role}{where} {'granted' if action is roles.grant_role else 'revoked'}")


@group.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(GRANTABLE_ROLES))
@click.option("--constituency", metavar="CODE", help="The constituency of an MP, e.g. 33-04.")
def grant_command(email: str, role: str, constituency: str | None) -> None:
    """Give ROLE to the account EMAIL (granting mp replaces the constituency's previous MP)."""
    _change(roles.grant_role, email, role, constituency)


@group.command("revoke")
@click.argument("email")
@click.argument("role", type=click.Choice(GRANTABLE_ROLES))
@click.option("--constituency", metavar="CODE", help="Only the grant for this constituency.")
def revoke_command(email: str, role: str, constituency: str | None) -> None:
    """Withdraw ROLE from the account EMAIL (the grant is kept in the history)."""
    _change(roles.revoke_role, email, role, constituency)
