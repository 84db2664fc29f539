"""The single authorization policy: every route's check goes through `authorize`.

A permission lists the roles that hold it; a role marked `scoped` holds it only
for its own constituency (an MP manages only their own call). Object ownership
(a candidate's own campaign) is passed in as `owner_id`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from participatory.accounts.rules import ADMIN, AUDITOR, CANDIDATE, FINANCIAL_AGENT, MP, RESIDENT
from participatory.extensions import login_manager


@dataclass(frozen=True)
class Holder:
    role: str
    scoped: bool = False  # only for the role's own constituency
    owner: bool = False  # only for objects the user owns (owner_id == user.id)


PERMISSIONS: dict[str, tuple[Holder, ...]] = {
    "account": (Holder(RESIDENT),),
    "call.manage": (Holder(MP, scoped=True), Holder(ADMIN)),
    "proposal.moderate": (Holder(MP, scoped=True), Holder(ADMIN)),
    "proposal.author": (Holder(RESIDENT, owner=True),),  # edit or withdraw one's own proposal
    "letters.manage": (Holder(MP, scoped=True), Holder(ADMIN)),
    "mp.desk": (Holder(MP),),  # the MP's dashboard: what waits for them in their own constituencies
    "audit.read": (Holder(AUDITOR), Holder(ADMIN)),
    "admin": (Holder(ADMIN),),
    "campaign.apply": (Holder(RESIDENT),),
    "campaign.manage": (Holder(CANDIDATE, owner=True), Holder(FINANCIAL_AGENT, owner=True), Holder(ADMIN)),
    "ledger.read": (Holder(FINANCIAL_AGENT, owner=True), Holder(AUDITOR), Holder(ADMIN)),
    # Linking the payment account and approving refunds: the mandataire alone (L52-4, R39-1-1).
    "campaign.finance": (Holder(FINANCIAL_AGENT, owner=True),),
    # The CNCCFP's decision on the campaign account and the State's refund: its mandataire or an admin.
    "campaign_account.decide": (Holder(FINANCIAL_AGENT, owner=True), Holder(ADMIN)),
    # The open agenda is the MP's own declaration: their constituency's MP alone publishes and corrects it.
    "agenda.publish": (Holder(MP, scoped=True),),
    # Consultations on bills: opened and run (contributions, moderation, answers) by the MP or an admin.
    "consultation.manage": (Holder(MP, scoped=True), Holder(ADMIN)),
}


def allowed(user, permission: str, constituency_code: str | None = None, owner_ids: tuple[int, ...] = ()) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    for holder in PERMISSIONS[permission]:
        if holder.scoped:
            if constituency_code is not None and user.has_role(holder.role, constituency_code):
                return True
        elif holder.owner:
            if user.id in owner_ids and user.has_role(holder.role):
                return True
        elif user.has_role(holder.role):
            return True
    return False


def authorize(permission: str, constituency_code: str | None = None, owner_ids: tuple[int, ...] = ()) -> None:
    """Abort unless the current user holds the permission: to the login page when signed out, 403 otherwise."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not allowed(current_user, permission, constituency_code, owner_ids):
        abort(403)
