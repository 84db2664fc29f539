"""Builders of the campaign-account tests: entries as the mandataire types them, a PDF and a donation."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.models import Donation
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TTL = timedelta(minutes=30)
CAP = 460_000
_refs = itertools.count(1)


def receipt(on, category="apport_personnel", amount=100_000, origin=rules.CANDIDATE, **fields):
    return services.EntryInput(
        kind=rules.RECEIPT,
        category=category,
        entry_date=on,
        amount_cents=amount,
        label="Recette",
        origin=origin,
        **fields,
    )


def expense(on, category="dep_impression", amount=50_000, **fields):
    return services.EntryInput(
        kind=rules.EXPENSE, category=category, entry_date=on, amount_cents=amount, label="Tracts", **fields
    )


def hand_donor(**changes) -> services.Donor:
    values = {
        "first_name": "Zéphyrine",
        "last_name": "Quatremaire-Vasquez",
        "address": "17 impasse des Hortensias-Bleus",
        "postal_code": "33000",
        "city": "Bordeaux",
        "country": "FR",
    }
    values.update(changes)
    return services.Donor(**values)


def donation_entry(on, amount=10_000, means=rules.CHEQUE, **changes):
    return receipt(
        on, category="don_personne", amount=amount, origin=rules.PERSON, means=means, donor=hand_donor(**changes)
    )


def add(session, world, data, actor=None):
    return services.add_entry(
        session, actor or world.agent, world.now, world.candidacy, data, cap_cents=CAP, pending_ttl=TTL
    )


def platform_donation(session, world, amount=5_000, **identity) -> Donation:
    person = {
        "first_name": "Anaïs",
        "last_name": "Le Gall",
        "email": "anais@example.org",
        "address": "3 rue des Lilas",
        "postal_code": "33000",
        "city": "Bordeaux",
        "country": "FR",
    }
    person.update(identity)
    d = Donation(
        ref=f"acct-ref-{next(_refs):06d}",
        candidacy_id=world.candidacy.id,
        election_id=world.election.id,
        donor_key=cf_rules.donor_identity_key(
            person["first_name"], person["last_name"], person["postal_code"], person["country"]
        ),
        amount_cents=amount,
        currency="eur",
        status=cf_rules.SUCCEEDED,
        created_at=world.now,
        succeeded_at=world.now,
        eligibility="nationality",
        attested_natural_person=True,
        attested_own_funds=True,
        **person,
    )
    session.add(d)
    session.flush()
    return d


@pytest.fixture
def today(world):
    return world.now.astimezone(cf_rules.PARIS).date()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"
