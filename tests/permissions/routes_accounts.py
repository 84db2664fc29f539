"""Issue 4 routes: sign-up/sign-in, the account's own pages, letters (MP of the constituency, admin), admin pages.

POST cases send an empty form: it must be refused for its content (400) by those allowed,
and by the policy (403, or 302 to the login page) before any validation for the others.
"""

from __future__ import annotations

from participatory.accounts.models import ResidenceLetter, RoleGrant, User
from participatory.accounts.rules import CANDIDATE, LETTER_REQUESTED
from tests.permissions.framework import ROLES, Case, everyone, signed_in


def build(world):
    # A spare account with a grant the admin can revoke, and a letter waiting in HERE.
    spare = User(email="spare@example.test", display_name="Spare", created_at=world.now)
    world.session.add(spare)
    world.session.flush()
    grant = RoleGrant(user_id=spare.id, role=CANDIDATE, granted_at=world.now)
    world.session.add(grant)
    world.session.add(
        ResidenceLetter(
            user_id=world.users["resident_here"].id,
            constituency_code=world.here,
            status=LETTER_REQUESTED,
            requested_at=world.now,
            recipient="Ana Resident",
            street="1 rue du Port",
            postcode="33000",
            city="Bordeaux",
            attempts=0,
        )
    )
    world.session.flush()
    world.ids["spare_user"], world.ids["spare_grant"] = spare.id, grant.id


def anonymous_only(status: int) -> dict[str, int]:
    """Sign-in and sign-up pages: signed-in people are sent to their account (302)."""
    return {role: (status if role == "anonymous" else 302) for role in ROLES}


def admins(status: int) -> dict[str, int]:
    expect = dict.fromkeys(ROLES, 403)
    expect.update(anonymous=302, admin=status)
    return expect


def letter_managers(status: int) -> dict[str, int]:
    expect = admins(status)
    expect["mp_here"] = status
    return expect


LETTERS_HERE = "/gestion/courriers/33-04"

CASES = [
    # Public: sign-up, sign-in, email links, password reset.
    Case("accounts.register", "GET", "/compte/inscription", anonymous_only(200)),
    Case("accounts.register", "POST", "/compte/inscription", anonymous_only(400)),
    Case("accounts.login", "GET", "/compte/connexion", anonymous_only(200)),
    Case("accounts.login", "POST", "/compte/connexion", anonymous_only(400)),
    Case("accounts.confirm_email", "GET", "/compte/confirmer/not-a-token", everyone(400)),
    Case("accounts.forgot_password", "GET", "/compte/mot-de-passe-oublie", everyone(200)),
    Case("accounts.forgot_password", "POST", "/compte/mot-de-passe-oublie", everyone(400)),
    Case("accounts.reset_password", "GET", "/compte/reinitialiser/not-a-token", everyone(400)),
    Case("accounts.reset_password", "POST", "/compte/reinitialiser/not-a-token", everyone(400)),
    # The signed-in person's own pages.
    Case("accounts.logout", "POST", "/compte/deconnexion", everyone(302)),
    Case("accounts.sign_out_everywhere", "POST", "/compte/deconnexion-partout", everyone(302)),
    Case("accounts.home", "GET", "/compte", signed_in(200)),
    Case("accounts.resend_confirmation", "POST", "/compte/confirmation", everyone(302)),  # already confirmed: a notice
    Case("accounts.profile", "GET", "/compte/profil", signed_in(200)),
    Case("accounts.profile", "POST", "/compte/profil", signed_in(400)),
    Case("accounts.change_password", "GET", "/compte/mot-de-passe", signed_in(200)),
    Case("accounts.change_password", "POST", "/compte/mot-de-passe", signed_in(400)),
    Case("accounts.personal_data", "GET", "/compte/mes-donnees.json", signed_in(200)),
    Case("accounts.delete_account", "GET", "/compte/suppression", signed_in(200)),
    Case("accounts.delete_account", "POST", "/compte/suppression", signed_in(400)),
    Case("accounts.residence_page", "GET", "/compte/residence", signed_in(200)),
    Case("accounts.residence_page", "POST", "/compte/residence", signed_in(400)),
    Case("accounts.verification", "GET", "/compte/verification", signed_in(200)),
    Case("accounts.request_letter", "POST", "/compte/verification/courrier", signed_in(400)),
    Case("accounts.enter_code", "POST", "/compte/verification/code", signed_in(400)),
    # FranceConnect: off without configuration, so 404 for everyone here; with a provider configured the
    # same routes per role are in tests/franceconnect/test_flow.py (test_routes_per_role_when_configured).
    Case("accounts.franceconnect_login", "POST", "/compte/franceconnect/connexion", everyone(404)),
    Case("accounts.franceconnect_link", "POST", "/compte/franceconnect/lier", everyone(404)),
    Case("accounts.franceconnect_callback", "GET", "/compte/franceconnect/retour", everyone(404)),
    Case("accounts.franceconnect_unlink", "POST", "/compte/franceconnect/delier", everyone(404)),
    Case("accounts.franceconnect_logged_out", "GET", "/compte/franceconnect/deconnecte", everyone(404)),
    # Letters: the MP of the constituency and admins only; an MP is sent to their own constituency.
    Case("accounts.letters_index", "GET", "/gestion/courriers", {**admins(200), "mp_here": 302, "mp_other": 302}),
    Case("accounts.letters_page", "GET", LETTERS_HERE, letter_managers(200)),
    Case("accounts.letters_page", "POST", LETTERS_HERE, letter_managers(400)),
    # Admin pages.
    Case("accounts.admin_users", "GET", "/admin/utilisateurs", admins(200)),
    Case("accounts.admin_user", "GET", lambda w: f"/admin/utilisateurs/{w.ids['spare_user']}", admins(200)),
    Case("accounts.admin_grant", "POST", lambda w: f"/admin/utilisateurs/{w.ids['spare_user']}/roles", admins(400)),
    Case(
        "accounts.admin_revoke",
        "POST",
        lambda w: f"/admin/utilisateurs/{w.ids['spare_user']}/roles/{w.ids['spare_grant']}/retrait",
        admins(302),
    ),
    Case("accounts.admin_mps", "GET", "/admin/deputes", admins(200)),
    Case("accounts.admin_mp", "GET", "/admin/deputes/33-04", admins(200)),
    Case("accounts.admin_mp", "POST", "/admin/deputes/33-04", admins(400)),
]
