"""Routes of the donation module: public campaign pages, admin, candidate and mandataire pages, webhook, API."""

from __future__ import annotations

from datetime import timedelta

from participatory.crowdfunding import rules
from participatory.crowdfunding.models import Candidacy, Donation, Election
from tests.crowdfunding.conftest import ready_account
from tests.permissions.framework import ROLES, Case, everyone, signed_in


def build(world) -> None:
    now, s = world.now, world.session
    election = Election(name="Législatives", first_round=(now + timedelta(days=60)).date(), created_at=now)
    s.add(election)
    s.flush()

    def candidacy(user_key, status, account):
        c = Candidacy(
            election_id=election.id,
            constituency_code=world.here,
            user_id=world.users[user_key].id,
            candidate_name="Camille Candidate",
            party_label="Parti",
            status=status,
            agent_kind="mandataire",
            agent_name="Paul Mandataire",
            agent_designated_on=now.date(),
            agent_user_id=world.users["financial_agent"].id,
            stripe_account_id=account,
            created_at=now,
        )
        s.add(c)
        s.flush()
        return c

    approved = candidacy("candidate", rules.APPROVED, "acct_permissions1")
    ready_account(s, now, approved)
    applied = candidacy("resident_here", rules.APPLIED, None)
    donation = Donation(
        ref="perm-ref-0001",
        candidacy_id=approved.id,
        election_id=election.id,
        donor_key="0" * 64,
        amount_cents=2000,
        currency="eur",
        status=rules.SUCCEEDED,
        created_at=now,
        succeeded_at=now,
        first_name="A",
        last_name="B",
        email="a@example.org",
        address="1 rue",
        postal_code="33000",
        city="Bordeaux",
        country="FR",
        eligibility="nationality",
        attested_natural_person=True,
        attested_own_funds=True,
        payment_intent_id="pi_permissions1",
        receipt_number=1,
        over_cap=False,
    )
    s.add(donation)
    s.flush()
    world.ids.update(election=election.id, candidacy=approved.id, applied=applied.id, donation=donation.id)


def admin_only(status: int, anonymous: int = 302) -> dict[str, int]:
    return {role: status if role == "admin" else anonymous if role == "anonymous" else 403 for role in ROLES}


def owner_agent_only(status: int) -> dict[str, int]:
    """campaign.finance: the campaign's own mandataire and nobody else (not even an admin)."""
    return {role: status if role == "financial_agent" else 302 if role == "anonymous" else 403 for role in ROLES}


LEDGER = {"anonymous": 302, "financial_agent": 200, "auditor": 200, "admin": 200}
E, C, D = "election", "candidacy", "donation"

CASES = [
    Case("crowdfunding.elections", "GET", "/elections", everyone(200)),
    Case("crowdfunding.election", "GET", lambda w: f"/elections/{w.ids[E]}", everyone(200)),
    Case("crowdfunding.new_election", "GET", "/elections/nouvelle", admin_only(200)),
    Case("crowdfunding.new_election", "POST", "/elections/nouvelle", admin_only(400), data={}),
    Case("crowdfunding.edit_election", "GET", lambda w: f"/elections/{w.ids[E]}/modifier", admin_only(200)),
    Case("crowdfunding.edit_election", "POST", lambda w: f"/elections/{w.ids[E]}/modifier", admin_only(400), data={}),
    Case("crowdfunding.apply", "GET", lambda w: f"/elections/{w.ids[E]}/candidater", signed_in(200)),
    Case("crowdfunding.apply", "POST", lambda w: f"/elections/{w.ids[E]}/candidater", signed_in(400), data={}),
    Case("crowdfunding.applications", "GET", "/admin/candidatures", admin_only(200)),
    Case(
        "crowdfunding.decide",
        "POST",
        lambda w: f"/admin/candidatures/{w.ids['applied']}/decision",
        admin_only(302),
        data={"decision": "bogus"},
    ),
    Case("crowdfunding.legal_texts", "GET", "/admin/textes-legaux", admin_only(200)),
    Case("crowdfunding.edit_legal_text", "GET", "/admin/textes-legaux/l52_8", admin_only(200)),
    Case("crowdfunding.edit_legal_text", "POST", "/admin/textes-legaux/l52_8", admin_only(400), data={}),
    Case("crowdfunding.campaign", "GET", lambda w: f"/candidats/{w.ids[C]}", everyone(200)),
    # Not yet approved: only its mandataire and admins see it (its candidate holds no candidate role yet).
    Case(
        "crowdfunding.campaign",
        "GET",
        lambda w: f"/candidats/{w.ids['applied']}",
        {"financial_agent": 200, "admin": 200},
        default=404,
    ),
    Case("crowdfunding.donate", "GET", lambda w: f"/candidats/{w.ids[C]}/don", everyone(200)),
    Case("crowdfunding.donate", "POST", lambda w: f"/candidats/{w.ids[C]}/don", everyone(400), data={}),
    Case("crowdfunding.pay", "GET", "/dons/perm-ref-0001/paiement", everyone(302)),  # already paid
    Case("crowdfunding.donation_status_page", "GET", "/dons/perm-ref-0001", everyone(200)),
    Case("crowdfunding.donation_status", "GET", "/dons/perm-ref-0001/statut", everyone(200)),
    Case("crowdfunding.stripe_webhook", "POST", "/stripe/webhook", everyone(400), data={}),
    Case("crowdfunding.my_campaigns", "GET", "/mandataire", signed_in(200)),
    Case("crowdfunding.dashboard", "GET", lambda w: f"/mandataire/campagnes/{w.ids[C]}", LEDGER, default=403),
    Case(
        "crowdfunding.ledger_export",
        "GET",
        lambda w: f"/mandataire/campagnes/{w.ids[C]}/registre.csv",
        LEDGER,
        default=403,
    ),
    Case(
        "crowdfunding.reconciliation",
        "GET",
        lambda w: f"/mandataire/campagnes/{w.ids[C]}/rapprochement",
        LEDGER,
        default=403,
    ),
    # Stripe Connect: only the campaign's own mandataire onboards (payments are not configured here: back to
    # the dashboard with a message); the admin's override; the Connect webhook without a signature.
    Case(
        "crowdfunding.connect_start",
        "POST",
        lambda w: f"/mandataire/campagnes/{w.ids[C]}/stripe",
        owner_agent_only(302),
        data={},
    ),
    Case(
        "crowdfunding.connect_refresh",
        "GET",
        lambda w: f"/mandataire/campagnes/{w.ids[C]}/stripe/nouveau-lien",
        owner_agent_only(302),
    ),
    Case(
        "crowdfunding.connect_return",
        "GET",
        lambda w: f"/mandataire/campagnes/{w.ids[C]}/stripe/retour",
        owner_agent_only(302),
    ),
    Case(
        "crowdfunding.connect_override",
        "POST",
        lambda w: f"/admin/candidatures/{w.ids[C]}/compte-stripe",
        admin_only(302),
        data={"account_id": "not-an-account"},
    ),
    Case("crowdfunding.connect_webhook", "POST", "/stripe/connect/webhook", everyone(400), data={}),
    Case(
        "crowdfunding.refund",
        "POST",
        lambda w: f"/mandataire/dons/{w.ids[D]}/rembourser",
        owner_agent_only(302),
        data={"reason": "bogus"},
    ),
    Case(
        "api.candidate_donations_summary",
        "GET",
        lambda w: f"/api/v1/candidates/{w.ids[C]}/donations/summary",
        everyone(200),
    ),
    Case("api.national_donations_csv", "GET", "/api/v1/national/donations.csv", everyone(200)),
]
