"""National open data: CSV files of every call and every published result, and the
Frictionless `datapackage.json` that describes them (and the donation aggregates)."""

from __future__ import annotations

import io
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import func, select

from participatory import clock, csvfiles
from participatory.api.caching import cached_json, cached_response
from participatory.api.views import bp
from participatory.calls import rules as call_rules
from participatory.calls.models import Call, CallResult, Proposal
from participatory.extensions import db

CALL_FIELDS = (
    ("call_id", "integer", "Identifier of the call"),
    ("constituency", "string", "Constituency code <department>-<NN>"),
    ("year", "integer", "Edition"),
    ("title", "string", "Title of the call"),
    ("budget_cents", "integer", "Budget in euro cents"),
    ("rule", "string", "Tally rule: greedy, equal-shares or equal-shares-completed"),
    ("proposals_open_at", "datetime", "Proposals open (UTC)"),
    ("review_open_at", "datetime", "Review starts (UTC)"),
    ("voting_open_at", "datetime", "Voting opens (UTC)"),
    ("voting_close_at", "datetime", "Voting closes (UTC)"),
    ("phase", "string", "upcoming, proposals, review, voting or results, when the file was made"),
    ("proposals", "integer", "Proposals neither withdrawn nor hidden"),
    ("results_published", "boolean", "Whether the results are published"),
)
RESULT_FIELDS = (
    ("call_id", "integer", "Identifier of the call"),
    ("constituency", "string", "Constituency code"),
    ("year", "integer", "Edition"),
    ("rule", "string", "Tally rule used"),
    ("ballots", "integer", "Ballots counted in the call"),
    ("registered_voters", "integer", "Registered voters of the constituency"),
    ("proposal_id", "integer", "Identifier of the proposal"),
    ("title", "string", "Title of the proposal"),
    ("cost_cents", "integer", "Cost in euro cents"),
    ("votes", "integer", "Approvals"),
    ("selected", "boolean", "Funded"),
    ("position", "integer", "Order of selection (empty when not selected)"),
)


def _stamp(moment: datetime) -> str:
    return call_rules.aware(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(fields: tuple, rows: list[tuple]) -> str:
    buffer = io.StringIO(newline="")
    writer = csvfiles.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in fields])
    writer.writerows([("" if v is None else str(v).lower() if isinstance(v, bool) else v) for v in row] for row in rows)
    return buffer.getvalue()


def calls_rows(session, now: datetime) -> list[tuple]:
    counts = dict(
        session.execute(
            select(Proposal.call_id, func.count())
            .where(Proposal.withdrawn_at.is_(None), Proposal.hidden_at.is_(None))
            .group_by(Proposal.call_id)
        ).all()
    )
    published = set(session.scalars(select(CallResult.call_id)))
    rows = []
    for call in session.scalars(select(Call).order_by(Call.constituency_code, Call.year)):
        phase = call_rules.RESULTS if call.id in published else call_rules.phase_at(call_rules.Schedule.of(call), now)
        rows.append(
            (
                call.id,
                call.constituency_code,
                call.year,
                call.title,
                call.budget_cents,
                call.rule,
                _stamp(call.proposals_open_at),
                _stamp(call.review_open_at),
                _stamp(call.voting_open_at),
                _stamp(call.voting_close_at),
                phase,
                counts.get(call.id, 0),
                call.id in published,
            )
        )
    return rows


def results_rows(session) -> list[tuple]:
    titles = dict(
        session.execute(
            select(Proposal.id, Proposal.title).join(CallResult, CallResult.call_id == Proposal.call_id)
        ).all()
    )
    rows = []
    for call, result in session.execute(
        select(Call, CallResult)
        .join(CallResult, CallResult.call_id == Call.id)
        .order_by(Call.constituency_code, Call.year)
    ):
        for p in result.projects:
            rows.append(
                (
                    call.id,
                    call.constituency_code,
                    call.year,
                    result.rule,
                    result.ballots,
                    result.registered_voters,
                    p["proposal_id"],
                    titles.get(p["proposal_id"], ""),
                    p["cost_cents"],
                    p["votes"],
                    p["selected"],
                    p.get("position"),
                )
            )
    return rows


@bp.get("/national/calls.csv")
def national_calls_csv():
    return cached_response(
        _csv(CALL_FIELDS, calls_rows(db.session, clock.now())), mimetype="text/csv", filename="calls.csv"
    )


@bp.get("/national/results.csv")
def national_results_csv():
    return cached_response(_csv(RESULT_FIELDS, results_rows(db.session)), mimetype="text/csv", filename="results.csv")


# Donation aggregates are the crowdfunding domain's file: described here when its endpoint is registered.
DONATION_AGGREGATES_ENDPOINT = "api.national_donations_csv"
DONATION_FIELDS = (  # participatory/crowdfunding/services/opendata.py CSV_COLUMNS, in that order
    ("election_id", "integer", "Election"),
    ("candidacy_id", "integer", "Candidacy"),
    ("constituency", "string", "Constituency code"),
    ("candidate_name", "string", "Candidate as on the ballot (public)"),
    ("donations", "integer", "Donations received"),
    ("total_cents", "integer", "Total received, euro cents"),
    ("party", "string", "Party label"),
    ("donors", "integer", "Distinct donors"),
    ("median_cents", "integer", "Median donation, euro cents (empty without donations)"),
    ("count_le_50_eur", "integer", "Donations of 50 EUR or less"),
    ("count_le_150_eur", "integer", "Donations above 50 and up to 150 EUR"),
    ("count_le_1000_eur", "integer", "Donations above 150 and up to 1,000 EUR"),
    ("count_over_1000_eur", "integer", "Donations above 1,000 EUR"),
)


def _resource(name: str, endpoint: str, title: str, fields: tuple, key: list[str]) -> dict:
    return {
        "name": name,
        "title": title,
        "path": url_for(endpoint, _external=True),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "profile": "tabular-data-resource",
        "schema": {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields], "primaryKey": key},
    }


def _campaign_account_resources() -> list[dict]:
    """The filed campaign accounts (crowdfunding/campaign_account/queries.py writes them)."""
    from participatory.crowdfunding import queries

    if "api.national_campaign_accounts_csv" not in current_app.view_functions:
        return []
    return [
        _resource(
            "campaign_accounts",
            "api.national_campaign_accounts_csv",
            "Filed campaign accounts: summary per candidacy, loans by lender type (no identity)",
            queries.SUMMARY_FIELDS,
            ["candidacy_id"],
        ),
        _resource(
            "campaign_account_lines",
            "api.national_campaign_account_lines_csv",
            "Filed campaign accounts: receipts and expenses by category (no identity)",
            queries.LINE_FIELDS,
            ["candidacy_id", "category"],
        ),
    ]


def _mandate_resources() -> list[dict]:
    """The open agendas (mandate/queries.py writes them through api/mandate.py)."""
    from participatory.mandate import queries

    if "api.national_agendas_csv" not in current_app.view_functions:
        return []
    return [
        _resource(
            "agendas",
            "api.national_agendas_csv",
            "Every meeting of every MP's open agenda (withdrawn ones with their public reason)",
            queries.AGENDA_FIELDS,
            ["meeting_id"],
        ),
        _resource(
            "organisations",
            "api.national_organisations_csv",
            "Organisations met by MPs, with their HATVP identifiantNational when known",
            queries.ORGANISATION_FIELDS,
            ["organisation_id"],
        ),
    ]


def datapackage() -> dict:
    resources = [
        _resource("calls", "api.national_calls_csv", "Every participatory call", CALL_FIELDS, ["call_id"]),
        _resource(
            "results",
            "api.national_results_csv",
            "Every project of every published result",
            RESULT_FIELDS,
            ["call_id", "proposal_id"],
        ),
    ]
    if DONATION_AGGREGATES_ENDPOINT in current_app.view_functions:
        resources.append(
            _resource(
                "donation_aggregates",
                DONATION_AGGREGATES_ENDPOINT,
                "Donations received per candidacy (aggregates only)",
                DONATION_FIELDS,
                ["candidacy_id"],
            )
        )
    resources += _campaign_account_resources()
    resources += _mandate_resources()
    return {
        "profile": "tabular-data-package",
        "name": "budgets-participatifs-circonscriptions",
        "title": "Budgets participatifs des circonscriptions",
        "description": "Participatory budgeting calls of the 577 constituencies, their results, and campaign "
        "donation aggregates. No personal data. Per-call ballots: /api/v1/calls/<code>/results.pb.",
        "homepage": url_for("constituencies.home", _external=True),
        "licenses": [
            {
                "name": "etalab-2.0",
                "title": "Licence Ouverte / Open Licence 2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            }
        ],
        "resources": resources,
    }


@bp.get("/datapackage.json")
def datapackage_json():
    return cached_json(datapackage())
