"""Campaign-account pages through the Flask client: the mandataire's whole flow, the filing exports,
the published files, and a search of every public output for private identities."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from sqlalchemy import func, select

from participatory.accounts.rules import FINANCIAL_AGENT
from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.models import AccountEntry
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services
from tests.crowdfunding.campaign_account.conftest import PDF, platform_donation
from tests.crowdfunding.conftest import make_user, sign_in

# Distinctive identities typed by the mandataire or given on the platform: none may be published.
PRIVATE = {
    "first_name": "Théodulphine",
    "last_name": "Brisemarteau-Okonkwo",
    "address": "41 ruelle des Passiflores-Cachées",
    "city": "Saint-Symphorien-d'Ozon",
    "postal_code": "69360",
}
PLATFORM_DONOR = {
    "first_name": "Aurélibert",
    "last_name": "Cornemusier",
    "address": "9 quai Zénobie",
    "email": "zz@x.org",
}
LENDER = "Hippolyte Vendredimanche"


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def base(world):
    return f"/mandataire/campagnes/{world.candidacy.id}/compte-de-campagne"


def post(client, url, data, **kwargs):
    return client.post(url, data=data, **kwargs)


def receipt_form(today, **fields):
    form = {
        "category": "apport_personnel",
        "entry_date": today.isoformat(),
        "amount": "1000,00",
        "label": "Apport du candidat",
        "origin": rules.CANDIDATE,
        "means": "",
        "donor_country": "FR",
    }
    form.update(fields)
    return form


def expense_form(today, **fields):
    form = {"category": "dep_impression", "entry_date": today.isoformat(), "amount": "500", "label": "Tracts"}
    form.update(fields)
    return form


def donation_form(today, amount="80"):
    return receipt_form(
        today,
        category="don_personne",
        amount=amount,
        label="Don par chèque",
        origin=rules.PERSON,
        means=rules.CHEQUE,
        reference="R-0042",
        donor_first_name=PRIVATE["first_name"],
        donor_last_name=PRIVATE["last_name"],
        donor_address=PRIVATE["address"],
        donor_postal_code=PRIVATE["postal_code"],
        donor_city=PRIVATE["city"],
    )


def attach_all(client, session, world):
    account = services.account_of(session, world.candidacy)
    session.refresh(account)
    for entry in services.missing_proofs(account):
        r = post(
            client,
            f"{base(world)}/operations/{entry.id}/pieces",
            {"document": (io.BytesIO(PDF), "facture.pdf")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 302, r.get_data(as_text=True)
    session.expire_all()


@pytest.fixture
def filed(app, session, world, uploads):
    """An account entered by hand through the pages, in balance, with its proofs, then filed."""
    today = world.now.astimezone(cf_rules.PARIS).date()
    platform_donation(session, world, 12_000, **PLATFORM_DONOR)
    session.commit()
    agent = client_for(app, world.agent)
    forms = [
        ("recettes", receipt_form(today, amount="1000")),
        ("recettes", donation_form(today)),
        (
            "recettes",
            receipt_form(
                today, category="pret_personne", amount="300", origin=rules.PERSON, counterparty=LENDER, label="Prêt"
            ),
        ),
        ("recettes", receipt_form(today, category="nature_parti", amount="50", origin=rules.PARTY, label="Salle")),
        ("depenses", expense_form(today, amount="1200", counterparty="Imprimerie du Port")),
        ("depenses", expense_form(today, category="dep_locaux", amount="300", label="Loyer")),
    ]
    for path, form in forms:
        r = post(agent, f"{base(world)}/{path}", form)
        assert r.status_code == 302, r.get_data(as_text=True)
    attach_all(agent, session, world)
    assert post(agent, f"{base(world)}/depot", {}).status_code == 302
    session.expire_all()
    assert services.account_of(session, world.candidacy).state == rules.FILED
    return agent


def test_the_mandataire_enters_a_balanced_account_and_exports_it_for_filing(app, session, world, filed):
    totals = services.totals(session, world.candidacy, services.account_of(session, world.candidacy))
    assert totals.receipts_cents == 12_000 + 100_000 + 8_000 + 30_000 + 5_000
    assert totals.expenses_cents == 120_000 + 30_000 + 5_000
    assert totals.balance_cents == 0
    page = filed.get(base(world))
    assert page.status_code == 200 and "Brisemarteau-Okonkwo" in page.get_data(as_text=True)
    export = filed.get(f"/mandataire/campagnes/{world.candidacy.id}/compte-de-campagne.csv")
    assert export.status_code == 200 and export.headers["Cache-Control"].startswith("no-store")
    text = export.get_data(as_text=True)
    assert PRIVATE["last_name"] in text and LENDER in text  # the mandataire's filing copy has identities
    rows = list(csv.reader(io.StringIO(text)))
    assert ["total", "solde", "", "", "0"] in rows
    assert filed.get(f"{base(world)}/impression").status_code == 200


def test_entries_are_frozen_once_filed_and_corrections_are_new_entries(app, session, world, filed):
    entry = session.scalars(select(AccountEntry).where(AccountEntry.category == "dep_locaux")).one()
    assert post(filed, f"{base(world)}/operations/{entry.id}/supprimer", {}).status_code == 302
    assert session.get(AccountEntry, entry.id) is not None  # refused: frozen
    assert post(filed, f"{base(world)}/operations/{entry.id}/annuler", {}).status_code == 302
    session.expire_all()
    assert session.scalar(select(AccountEntry).where(AccountEntry.reverses_id == entry.id)) is not None


def test_published_files_hold_no_private_identity(app, session, world, filed):
    anyone = app.test_client()
    outputs = {
        "page": anyone.get(f"/candidats/{world.candidacy.id}/compte-de-campagne"),
        "campaign": anyone.get(f"/candidats/{world.candidacy.id}"),
        "api": anyone.get(f"/api/v1/candidates/{world.candidacy.id}/campaign-account"),
        "summary_csv": anyone.get("/api/v1/national/campaign-accounts.csv"),
        "lines_csv": anyone.get("/api/v1/national/campaign-account-lines.csv"),
        "datapackage": anyone.get("/api/v1/datapackage.json"),
        "donations": anyone.get(f"/api/v1/candidates/{world.candidacy.id}/donations/summary"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
    body = outputs["api"].get_json()
    assert body["balance_cents"] == 0 and body["state"] == rules.FILED
    assert body["loans"][rules.PERSON] == 30_000
    assert {line["category"] for line in body["lines"]} >= {"don_personne", rules.PLATFORM_DONATIONS, "dep_locaux"}
    assert "compte-de-campagne" in outputs["campaign"].get_data(as_text=True)
    private = [*PRIVATE.values(), *PLATFORM_DONOR.values(), LENDER, "Imprimerie du Port", "R-0042", "Passiflores"]
    for name, response in outputs.items():
        text = response.get_data(as_text=True)
        decoded = json.dumps(response.get_json(), ensure_ascii=False) if response.is_json else text
        for value in private:
            assert value not in text and value not in decoded, f"{value!r} published in {name}"
    summary = list(csv.DictReader(io.StringIO(outputs["summary_csv"].get_data(as_text=True))))
    assert summary[0]["candidacy_id"] == str(world.candidacy.id) and summary[0]["balance_cents"] == "0"
    package = outputs["datapackage"].get_json()
    names = {r["name"] for r in package["resources"]}
    assert {"campaign_accounts", "campaign_account_lines"} <= names


def test_a_draft_is_never_public(app, session, world, uploads):
    today = world.now.astimezone(cf_rules.PARIS).date()
    agent = client_for(app, world.agent)
    assert post(agent, f"{base(world)}/recettes", receipt_form(today)).status_code == 302
    anyone = app.test_client()
    assert anyone.get(f"/candidats/{world.candidacy.id}/compte-de-campagne").status_code == 404
    assert agent.get(f"/candidats/{world.candidacy.id}/compte-de-campagne").status_code == 404
    assert anyone.get(f"/api/v1/candidates/{world.candidacy.id}/campaign-account").status_code == 404
    assert "candidacy_id" in anyone.get("/api/v1/national/campaign-accounts.csv").get_data(as_text=True)
    assert (
        str(world.candidacy.id)
        not in anyone.get("/api/v1/national/campaign-account-lines.csv").get_data(as_text=True).split("\n", 1)[1]
    )


def test_bad_input_stores_nothing_and_says_why(app, session, world, uploads):
    today = world.now.astimezone(cf_rules.PARIS).date()
    agent = client_for(app, world.agent)
    cases = [
        (receipt_form(today, amount="abc"), 400, None),
        (receipt_form(today, amount="NaN"), 400, None),
        (receipt_form(today, amount="0"), 400, None),
        (receipt_form(today, category="nope"), 400, None),
        (receipt_form(today, category="don_personne", origin=rules.COMPANY, means=rules.CHEQUE), 400, "L52-8"),
        (donation_form(today, amount="150,01") | {"means": rules.CASH}, 400, "150"),
        (receipt_form(today, entry_date="2001-01-01"), 400, "L52-4"),
        (receipt_form(today, label="bad\x00label"), 400, None),
    ]
    for form, status, reason in cases:
        r = post(agent, f"{base(world)}/recettes", form)
        assert r.status_code == status, (form, r.status_code)
        if reason:
            assert reason in r.get_data(as_text=True)
    r = post(agent, f"{base(world)}/depenses", expense_form(today, amount="-5"))
    assert r.status_code == 400
    assert session.scalar(select(func.count()).select_from(AccountEntry)) == 0
    assert services.account_of(session, world.candidacy) is None
    # A file that says PDF but is HTML is refused by its content.
    assert post(agent, f"{base(world)}/recettes", receipt_form(today)).status_code == 302
    entry = session.scalars(select(AccountEntry)).one()
    r = post(
        agent,
        f"{base(world)}/operations/{entry.id}/pieces",
        {"document": (io.BytesIO(b"<html><script>x</script>"), "facture.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "PDF, JPEG" in r.get_data(as_text=True)
    assert not entry.attachments


def test_only_the_campaigns_own_mandataire_edits(app, session, world, uploads):
    today = world.now.astimezone(cf_rules.PARIS).date()
    stranger = make_user(session, world.now, "agent-elsewhere", FINANCIAL_AGENT)
    session.commit()
    for user in (stranger, world.candidate, world.auditor, world.admin):
        r = post(client_for(app, user), f"{base(world)}/recettes", receipt_form(today))
        assert r.status_code == 403
    assert client_for(app, stranger).get(base(world)).status_code == 403
    assert client_for(app, world.auditor).get(base(world)).status_code == 200
    assert services.account_of(session, world.candidacy) is None


def test_an_admin_enters_the_decision_and_refund(app, session, world, filed):
    today = world.now.astimezone(cf_rules.PARIS).date()
    admin = client_for(app, world.admin)
    r = post(
        admin,
        f"{base(world)}/decision",
        {"decision": rules.APPROVED, "decision_on": today.isoformat(), "refund": "900"},
    )
    assert r.status_code == 302
    session.expire_all()
    account = services.account_of(session, world.candidacy)
    assert account.state == rules.APPROVED and account.refund_cents == 90_000
    body = app.test_client().get(f"/api/v1/candidates/{world.candidacy.id}/campaign-account").get_json()
    assert body["state"] == rules.APPROVED and body["refund_cents"] == 90_000
    r = post(
        admin,
        f"{base(world)}/decision",
        {"decision": rules.APPROVED, "decision_on": today.isoformat(), "refund": "5000"},
    )
    session.expire_all()
    assert services.account_of(session, world.candidacy).refund_cents == 90_000  # over the contribution: refused


def test_the_api_answer_matches_its_openapi_schema(app, session, world, filed):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/candidates/{candidacy_id}/campaign-account"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    root = {**schema, "components": spec["components"]}
    body = client.get(f"/api/v1/candidates/{world.candidacy.id}/campaign-account").get_json()
    jsonschema.Draft202012Validator(root).validate(body)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(root).validate({**body, "loans": {}})


def test_the_page_warns_when_expenses_pass_the_ceiling(app, session, world, uploads):
    today = world.now.astimezone(cf_rules.PARIS).date()
    agent = client_for(app, world.agent)
    assert 'id="over-ceiling"' not in agent.get(base(world)).get_data(as_text=True)
    r = post(agent, f"{base(world)}/depenses", expense_form(today, amount="999999", label="Meeting géant"))
    assert r.status_code == 302, r.get_data(as_text=True)
    page = agent.get(base(world)).get_data(as_text=True)
    assert 'id="over-ceiling"' in page and "L52-15" in page
