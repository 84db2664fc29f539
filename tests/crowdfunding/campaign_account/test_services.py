"""Campaign-account services on the database: entries, cap, filing, freezing, decision, audit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory.audit.models import AuditEvent
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import AccountAttachment, AccountEntry, CampaignAccount
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services
from participatory.crowdfunding.services.donations import start_donation
from tests.crowdfunding.campaign_account.conftest import (
    CAP,
    PDF,
    PNG,
    TTL,
    add,
    donation_entry,
    expense,
    platform_donation,
    receipt,
)
from tests.crowdfunding.conftest import donor


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(AccountEntry)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def refused(session, world, data, code):
    session.commit()  # what came before stays; only the refused entry must leave no trace
    before = counts(session)
    with pytest.raises(CrowdfundingError) as caught:
        add(session, world, data)
    session.rollback()
    assert caught.value.code == code
    assert counts(session) == before  # bad input stores nothing, not even an audit event


def test_hand_entered_account_balances_and_files(session, world, today, uploads):
    platform_donation(session, world, 12_000)
    add(session, world, receipt(today, amount=100_000))
    add(session, world, receipt(today, "emprunt_bancaire", 200_000, rules.BANK))
    add(session, world, donation_entry(today, 8_000))
    add(session, world, receipt(today, "nature_parti", 3_000, rules.PARTY))
    spent = add(session, world, expense(today, amount=320_000))
    account = services.account_of(session, world.candidacy)
    totals = services.totals(session, world.candidacy, account)
    assert totals.receipts_cents == 12_000 + 100_000 + 200_000 + 8_000 + 3_000
    assert totals.expenses_cents == 320_000 + 3_000
    assert totals.balance_cents == 0  # in balance

    # Proof missing for the contribution, the loan, the in-kind and the expense: not filed.
    with pytest.raises(CrowdfundingError) as caught:
        services.file_account(session, world.agent, world.now, world.candidacy)
    assert caught.value.code == "missing_proofs"  # refused before any change
    for entry in services.missing_proofs(services.account_of(session, world.candidacy)):
        services.add_attachment(session, world.agent, world.now, world.candidacy, entry, PDF, uploads)
    services.file_account(session, world.agent, world.now, world.candidacy)
    session.commit()
    account = services.account_of(session, world.candidacy)
    assert account.state == rules.FILED and account.filed_at is not None

    # Frozen: no deletion; a correction is a new entry, counted negatively.
    with pytest.raises(CrowdfundingError) as caught:
        services.delete_entry(session, world.agent, world.now, world.candidacy, spent)
    assert caught.value.code == "account_frozen"
    reversal = services.reverse_entry(session, world.agent, world.now, world.candidacy, spent)
    assert reversal.after_filing and reversal.reverses_id == spent.id
    with pytest.raises(CrowdfundingError):
        services.reverse_entry(session, world.agent, world.now, world.candidacy, spent)
    later = add(session, world, expense(today, amount=300_000))
    assert later.after_filing
    totals = services.totals(session, world.candidacy, services.account_of(session, world.candidacy))
    assert totals.expenses["dep_impression"] == 300_000 and totals.balance_cents == 20_000


def test_deficit_is_not_filed(session, world, today):
    add(session, world, receipt(today, amount=1_000))
    add(session, world, expense(today, "dep_divers", 1_001))
    for entry in services.account_of(session, world.candidacy).entries:
        entry.attachments.append(
            AccountAttachment(
                stored_name=f"x{entry.id}.pdf",
                mimetype="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_at=world.now,
                uploaded_by_id=world.agent.id,
            )
        )
    session.flush()
    with pytest.raises(CrowdfundingError) as caught:
        services.file_account(session, world.agent, world.now, world.candidacy)
    assert caught.value.code == "deficit"


def test_bad_entries_store_nothing(session, world, today):
    refused(session, world, receipt(today, amount=0), "amount_not_positive")
    refused(session, world, receipt(today, amount=100_000_001), "amount_too_large")
    refused(session, world, receipt(today + timedelta(days=1)), "date_in_future")
    refused(session, world, receipt(today - timedelta(days=400)), "date_outside_period")
    refused(session, world, receipt(today, "don_personne", 100, rules.COMPANY, means=rules.CHEQUE), "legal_person_gift")
    refused(session, world, receipt(today, "versement_parti", 100, rules.ASSOCIATION), "legal_person_gift")
    refused(session, world, donation_entry(today, 15_001, means=rules.CASH), "cash_over_150")
    refused(session, world, donation_entry(today, 100, last_name="."), "name_without_letter")
    refused(session, world, donation_entry(today, 100, postal_code="3300"), "bad_postal_code")
    refused(session, world, receipt(today, "don_plateforme", 100, rules.PERSON), "bad_category")
    refused(session, world, expense(today, "apport_personnel"), "bad_category")
    refused(session, world, receipt(today, "don_personne", 100, rules.PERSON, means=rules.CHEQUE), "donor_required")


def test_the_donor_cap_counts_platform_and_hand_entered_donations_however_spelled(session, world, today):
    platform_donation(session, world, 400_000, first_name="Zéphyrine", last_name="Quatremaire-Vasquez")
    add(session, world, donation_entry(today, 50_000, postal_code="F-33000"))
    # The same donor written otherwise (Cyrillic "е", CEDEX, middle name): 10 EUR more exceeds 4,600 EUR.
    refused(session, world, donation_entry(today, 10_001, first_name="Zéphyrine Marie"), "over_cap")
    refused(session, world, donation_entry(today, 10_001, last_name="Quatrеmaire-Vasquez"), "over_cap")
    refused(session, world, donation_entry(today, 10_001, postal_code="33000 CEDEX"), "over_cap")
    add(session, world, donation_entry(today, 10_000))  # exactly the cap
    # Another candidate of the same election: the cap is per election, across candidates.
    with pytest.raises(CrowdfundingError) as caught:
        services.add_entry(
            session, world.agent, world.now, world.other, donation_entry(today, 100), cap_cents=CAP, pending_ttl=TTL
        )
    assert caught.value.code == "over_cap"


def test_a_reversed_hand_donation_frees_the_cap(session, world, today):
    first = add(session, world, donation_entry(today, 460_000))
    account = services.account_of(session, world.candidacy)
    account.state = rules.FILED
    session.flush()
    services.reverse_entry(session, world.agent, world.now, world.candidacy, first)
    add(session, world, donation_entry(today, 460_000))


def test_draft_entries_can_be_deleted_with_their_files(session, world, today, uploads):
    entry = add(session, world, expense(today))
    attachment = services.add_attachment(session, world.agent, world.now, world.candidacy, entry, PNG, uploads)
    path = services.attachment_path(uploads, attachment)
    assert path.read_bytes() == PNG and path.suffix == ".png" and uploads in path.parents
    assert services.delete_entry(session, world.agent, world.now, world.candidacy, entry) == [attachment.stored_name]
    with pytest.raises(CrowdfundingError) as caught:
        services.reverse_entry(session, world.agent, world.now, world.candidacy, add(session, world, expense(today)))
    assert caught.value.code == "reverse_draft"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "attachment_empty"),
        (b"GIF89a....", "attachment_type"),
        (b"<script>alert(1)</script>", "attachment_type"),
        (b"%PDF-" + b"0" * (rules.MAX_ATTACHMENT_BYTES), "attachment_too_large"),
    ],
)
def test_bad_attachments_store_nothing(session, world, today, uploads, body, code):
    entry = add(session, world, expense(today))
    session.commit()
    with pytest.raises(CrowdfundingError) as caught:
        services.add_attachment(session, world.agent, world.now, world.candidacy, entry, body, uploads)
    assert caught.value.code == code
    assert not (uploads / services.ATTACHMENT_FOLDER).exists() or not any(
        (uploads / services.ATTACHMENT_FOLDER).iterdir()
    )


def test_decision_and_refund(session, world, today):
    add(session, world, receipt(today, amount=100_000))
    account = services.account_of(session, world.candidacy)
    decide = services.record_decision
    with pytest.raises(CrowdfundingError) as caught:
        decide(
            session,
            world.admin,
            world.now,
            world.candidacy,
            decision=rules.APPROVED,
            decision_on=today,
            refund_cents=None,
            ceiling_cents=None,
        )
    assert caught.value.code == "not_filed"
    account.state, account.filed_at = rules.FILED, world.now
    session.flush()
    with pytest.raises(CrowdfundingError) as caught:
        decide(
            session,
            world.admin,
            world.now,
            world.candidacy,
            decision=rules.APPROVED,
            decision_on=today,
            refund_cents=100_001,
            ceiling_cents=None,
        )
    assert caught.value.code == "refund_over_contribution"
    decide(
        session,
        world.admin,
        world.now,
        world.candidacy,
        decision=rules.REFORMED,
        decision_on=today,
        refund_cents=90_000,
        ceiling_cents=10_000_000,
    )
    assert account.state == rules.REFORMED and account.refund_cents == 90_000
    decide(
        session,
        world.agent,
        world.now,
        world.candidacy,
        decision=rules.REFORMED,
        decision_on=today,
        refund_cents=None,
        ceiling_cents=None,
    )
    assert account.refund_cents == 90_000  # entering the decision again keeps the refund
    decide(
        session,
        world.agent,
        world.now,
        world.candidacy,
        decision=rules.REJECTED,
        decision_on=today,
        refund_cents=None,
        ceiling_cents=None,
    )
    assert account.state == rules.REJECTED and account.refund_cents is None


def test_the_audit_log_has_every_change_and_no_identity(session, world, today, uploads):
    entry = add(session, world, donation_entry(today, 10_000))
    add(session, world, receipt(today, amount=50_000, counterparty="Banque Secrète Personnelle"))
    spent = add(session, world, expense(today, amount=40_000))
    services.add_attachment(session, world.agent, world.now, world.candidacy, spent, PDF, uploads)
    services.add_attachment(session, world.agent, world.now, world.candidacy, entry, PDF, uploads)
    for e in services.missing_proofs(services.account_of(session, world.candidacy)):
        services.add_attachment(session, world.agent, world.now, world.candidacy, e, PDF, uploads)
    services.file_account(session, world.agent, world.now, world.candidacy)
    services.reverse_entry(session, world.agent, world.now, world.candidacy, spent)
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "campaign_account")).all()
    actions = [e.action for e in events]
    assert actions[0] == "campaign_account.open"
    assert actions.count("campaign_account.entry_add") == 3
    assert {"campaign_account.attachment_add", "campaign_account.file", "campaign_account.entry_reverse"} <= set(
        actions
    )
    text = json.dumps([e.details for e in events], ensure_ascii=False)
    for private in ("Zéphyrine", "Quatremaire", "Hortensias", "Bordeaux", "Secrète", "33000"):
        assert private not in text


def test_an_account_is_one_per_candidacy(session, world, today):
    add(session, world, receipt(today))
    add(session, world, expense(today))
    assert session.scalar(select(func.count()).select_from(CampaignAccount)) == 1


def test_the_platform_counts_the_donations_typed_by_hand(session, world, today, fake_gateway):
    add(session, world, donation_entry(today, 455_000, first_name="Anaïs", last_name="Le Gall"))
    session.commit()
    with pytest.raises(CrowdfundingError) as caught:
        start_donation(
            session,
            world.now,
            fake_gateway,
            candidacy=world.other,
            donor=donor(),
            amount_cents=5_001,
            cap_cents=CAP,
            pending_ttl=TTL,
        )
    assert caught.value.code == "over_cap"


def test_cash_donations_together_stay_within_a_fifth_of_the_ceiling(session, world, today):
    """A 15,000 EUR ceiling: 3,000 EUR of cash in all, however many donors; a reversal gives its share back."""
    ceiling = 1_500_000

    def cash(n: int):
        data = donation_entry(today, 15_000, means=rules.CASH, first_name=f"Donateur{n}")
        return services.add_entry(
            session,
            world.agent,
            world.now,
            world.candidacy,
            data,
            cap_cents=CAP,
            pending_ttl=TTL,
            ceiling_cents=ceiling,
        )

    entries = [cash(n) for n in range(20)]  # 20 x 150 EUR = 3,000 EUR exactly
    with pytest.raises(CrowdfundingError) as caught:
        cash(20)
    assert caught.value.code == "cash_over_share"
    cheque = donation_entry(today, 15_000, means=rules.CHEQUE, first_name="Donateur20")
    add(session, world, cheque)  # cheques are not cash
    account = services.account_of(session, world.candidacy)
    account.state = rules.FILED
    session.flush()
    services.reverse_entry(session, world.agent, world.now, world.candidacy, entries[0])
    cash(21)
