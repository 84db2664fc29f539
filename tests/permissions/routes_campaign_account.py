"""Routes of the campaign account: the mandataire edits, admins (and the mandataire) enter the CNCCFP's
decision, the mandataire, auditors and admins read the draft, anyone reads the filed account."""

from __future__ import annotations

from datetime import timedelta

from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.models import AccountAttachment, AccountEntry, CampaignAccount, Candidacy, Election
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services.campaign_account import ATTACHMENT_FOLDER
from participatory.uploads import upload_dir
from tests.permissions.framework import ROLES, Case, everyone

PDF = b"%PDF-1.4\n% permissions test\n"


def build(world) -> None:
    now, s = world.now, world.session
    election = Election(name="Législatives (compte)", first_round=(now - timedelta(days=20)).date(), created_at=now)
    s.add(election)
    s.flush()

    def candidacy(user_key: str, state: str) -> tuple[Candidacy, AccountEntry]:
        c = Candidacy(
            election_id=election.id,
            constituency_code=world.here,
            user_id=world.users[user_key].id,
            candidate_name=f"Compte {state}",
            party_label="Parti",
            status=cf_rules.APPROVED,
            agent_kind="mandataire",
            agent_name="Paul Mandataire",
            agent_designated_on=now.date(),
            agent_user_id=world.users["financial_agent"].id,
            created_at=now,
        )
        s.add(c)
        s.flush()
        account = CampaignAccount(candidacy_id=c.id, state=state, created_at=now, filed_at=None)
        if state != rules.DRAFT:
            account.filed_at = now
        s.add(account)
        s.flush()
        entry = AccountEntry(
            account_id=account.id,
            election_id=election.id,
            kind=rules.RECEIPT,
            category="apport_personnel",
            entry_date=now.date(),
            amount_cents=10000,
            label="Apport",
            origin=rules.CANDIDATE,
            after_filing=False,
            created_at=now,
            created_by_id=world.users["financial_agent"].id,
        )
        s.add(entry)
        s.flush()
        return c, entry

    draft, draft_entry = candidacy("candidate", rules.DRAFT)
    filed, filed_entry = candidacy("resident_here", rules.FILED)
    folder = upload_dir() / ATTACHMENT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"perm-{draft_entry.id}-{now.timestamp():.0f}.pdf"
    (folder / name).write_bytes(PDF)
    attachment = AccountAttachment(
        entry_id=draft_entry.id,
        stored_name=name,
        mimetype="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_at=now,
        uploaded_by_id=world.users["financial_agent"].id,
    )
    s.add(attachment)
    s.flush()
    world.ids.update(
        acc_draft=draft.id,
        acc_filed=filed.id,
        acc_draft_entry=draft_entry.id,
        acc_filed_entry=filed_entry.id,
        acc_attachment=attachment.id,
    )


def only(roles: dict[str, int], anonymous: int = 302) -> dict[str, int]:
    return {role: roles.get(role, anonymous if role == "anonymous" else 403) for role in ROLES}


READ = only({"financial_agent": 200, "auditor": 200, "admin": 200})


def agent(status: int) -> dict[str, int]:
    return only({"financial_agent": status})


def draft(suffix: str = ""):
    return lambda w: f"/mandataire/campagnes/{w.ids['acc_draft']}/compte-de-campagne{suffix}"


def filed(suffix: str = ""):
    return lambda w: f"/mandataire/campagnes/{w.ids['acc_filed']}/compte-de-campagne{suffix}"


CASES = [
    Case("crowdfunding.account", "GET", draft(), READ),
    Case("crowdfunding.account", "GET", filed(), READ),
    Case("crowdfunding.account_add_receipt", "POST", draft("/recettes"), agent(400), data={}),
    Case("crowdfunding.account_add_expense", "POST", draft("/depenses"), agent(400), data={}),
    Case(
        "crowdfunding.account_delete_entry",
        "POST",
        lambda w: draft(f"/operations/{w.ids['acc_draft_entry']}/supprimer")(w),
        agent(302),
        data={},
    ),
    Case(
        "crowdfunding.account_reverse_entry",
        "POST",
        lambda w: filed(f"/operations/{w.ids['acc_filed_entry']}/annuler")(w),
        agent(302),
        data={},
    ),
    Case(
        "crowdfunding.account_attach",
        "POST",
        lambda w: draft(f"/operations/{w.ids['acc_draft_entry']}/pieces")(w),
        agent(400),
        data={},
    ),
    Case(
        "crowdfunding.account_attachment",
        "GET",
        lambda w: draft(f"/pieces/{w.ids['acc_attachment']}")(w),
        READ,
    ),
    Case("crowdfunding.account_file", "POST", draft("/depot"), agent(302), data={}),
    Case(
        "crowdfunding.account_decision",
        "POST",
        filed("/decision"),
        only({"financial_agent": 400, "admin": 400}),
        data={},
    ),
    Case(
        "crowdfunding.account_csv",
        "GET",
        lambda w: f"/mandataire/campagnes/{w.ids['acc_draft']}/compte-de-campagne.csv",
        READ,
    ),
    Case("crowdfunding.account_print", "GET", draft("/impression"), READ),
    # A draft is never public, not even to its mandataire; a filed account is everyone's.
    Case(
        "crowdfunding.public_account",
        "GET",
        lambda w: f"/candidats/{w.ids['acc_draft']}/compte-de-campagne",
        everyone(404),
    ),
    Case(
        "crowdfunding.public_account",
        "GET",
        lambda w: f"/candidats/{w.ids['acc_filed']}/compte-de-campagne",
        everyone(200),
    ),
    Case(
        "api.candidate_campaign_account",
        "GET",
        lambda w: f"/api/v1/candidates/{w.ids['acc_draft']}/campaign-account",
        everyone(404),
    ),
    Case(
        "api.candidate_campaign_account",
        "GET",
        lambda w: f"/api/v1/candidates/{w.ids['acc_filed']}/campaign-account",
        everyone(200),
    ),
    Case("api.national_campaign_accounts_csv", "GET", "/api/v1/national/campaign-accounts.csv", everyone(200)),
    Case(
        "api.national_campaign_account_lines_csv",
        "GET",
        "/api/v1/national/campaign-account-lines.csv",
        everyone(200),
    ),
]
