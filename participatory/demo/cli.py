"""`flask demo seed`: a realistic national demo, reproducible from its seed."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from participatory import clock
from participatory.demo import rules, services
from participatory.demo import sign_ins as demo_sign_ins
from participatory.demo.services import DemoError, SeedOptions
from participatory.extensions import db

group = AppGroup("demo", help="Demonstration data.")


@group.command("seed")
@click.option(
    "--calls",
    type=int,
    default=rules.DEFAULT_CALLS,
    show_default=True,
    help=f"Number of calls, one per constituency ({rules.MIN_CALLS} to {rules.MAX_CALLS}).",
)
@click.option(
    "--voters-per-call",
    type=int,
    default=rules.DEFAULT_VOTERS_PER_CALL,
    show_default=True,
    help="Average ballots of a call in voting or results, shared out by registered voters.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=rules.DEFAULT_SEED,
    show_default=True,
    help="Random seed: the same seed gives the same demo.",
)
@click.option("--reset", is_flag=True, help="Remove the existing demo data first.")
@click.option(
    "--sign-ins/--no-sign-ins",
    default=True,
    show_default=True,
    help="Also create one sign-in per role (resident, MP, candidate, financial agent, auditor, admin) and print "
    "their passwords; refused in production unless DEMO_ACCOUNTS_ALLOWED=1.",
)
def seed_command(calls: int, voters_per_call: int, seed_value: int, reset: bool, sign_ins: bool) -> None:
    """Calls in every phase, proposals, ballots, published results, candidates and donations."""
    options = SeedOptions(calls=calls, voters_per_call=voters_per_call, seed=seed_value)
    session = db.session
    now = clock.now()
    started = time.perf_counter()
    problem = rules.arguments_problem(calls, voters_per_call, seed_value, available=rules.MAX_CALLS)
    if problem:
        raise click.BadParameter(problem)
    refusal = rules.sign_ins_refusal(current_app.config["ENV_NAME"], current_app.config["DEMO_ACCOUNTS_ALLOWED"])
    if sign_ins and refusal:
        raise click.ClickException(f"{refusal} (nothing was changed)")
    try:
        if services.has_demo_data(session):
            if not reset:
                raise DemoError("this database already has demo data: add --reset to replace it")
            removed = services.reset(session, now)
            click.echo(
                f"Removed the previous demo: {removed['calls']} calls, {removed['ballots']:,} ballots, "
                f"{removed['users']:,} accounts."
            )
        total = sum(p.ballots for p in services.plan(session, options))
        with click.progressbar(
            length=total, label=f"Seeding {calls} calls, {total:,} ballots", file=sys.stderr, show_pos=True
        ) as bar:
            report = services.seed(session, now, options, progress=bar.update)
        created = demo_sign_ins.create(session, now) if sign_ins else []
        session.commit()
    except DemoError as error:
        session.rollback()
        raise click.ClickException(f"{error} (nothing was changed)") from None
    phases = ", ".join(f"{n} {phase}" for phase, n in report.phases.items())
    click.echo(
        f"Demo seeded in {time.perf_counter() - started:.1f} s (seed {seed_value}): {report.calls} calls "
        f"({phases}), {report.proposals:,} proposals, {report.ballots:,} ballots from {report.users:,} "
        f"accounts, {report.results} published results, {report.candidacies} candidates, "
        f"{report.donations:,} donations."
    )
    if created:
        click.echo("Sign in as (passwords shown once, stored argon2-hashed):")
        for item in created:
            where = f"  ({item.where})" if item.where else ""
            click.echo(f"  {item.role:<16} {item.email:<32} {item.password}{where}")
