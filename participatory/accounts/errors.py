"""Domain errors of the accounts: each refusal is a code (from rules.py or the services) and a message here.

The rules and the services raise or return codes and never import flask_babel; the messages, shown to
the person as they are, are translated here (their %(name)s placeholders filled from the error's params).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from participatory.accounts.rules import (
    ADMIN,
    AUDITOR,
    CANDIDATE,
    EMAIL_CONFIRMED,
    EMAIL_MAX,
    FINANCIAL_AGENT,
    IDENTITY_VERIFIED,
    LETTER_BATCH_MAX,
    LETTER_VALIDITY_DAYS,
    MP,
    PASSWORD_MAX,
    PASSWORD_MIN,
    RECENT_FRANCECONNECT,
    RESIDENCE_CHANGE_COOLDOWN,
    RESIDENCE_DECLARED,
    RESIDENCE_VERIFIED,
    RESIDENT,
    TOKEN_EXPIRED,
    TOKEN_UNKNOWN,
    TOKEN_USED,
)
from participatory.domain_errors import DomainError

# What the codes of roles and verification levels (rules.py) are called on the pages.
ROLE_LABELS = {
    RESIDENT: _l("Habitant"),
    MP: _l("Député"),
    CANDIDATE: _l("Candidat"),
    FINANCIAL_AGENT: _l("Mandataire financier"),
    AUDITOR: _l("Auditeur"),
    ADMIN: _l("Administrateur"),
}
VERIFICATION_LABELS = {
    EMAIL_CONFIRMED: _l("Adresse électronique confirmée"),
    RESIDENCE_DECLARED: _l("Résidence déclarée"),
    RESIDENCE_VERIFIED: _l("Résidence vérifiée"),
    IDENTITY_VERIFIED: _l("Identité vérifiée avec FranceConnect et résidence déclarée"),
}

MESSAGES = {
    # rules.py: passwords, email addresses and free text
    "password_too_short": _l("Le mot de passe doit comporter au moins %(n)d caractères.", n=PASSWORD_MIN),
    "password_too_long": _l("Le mot de passe ne doit pas dépasser %(n)d caractères.", n=PASSWORD_MAX),
    "password_forbidden_character": _l("Le mot de passe contient un caractère interdit."),
    "password_too_simple": _l("Ce mot de passe est trop simple."),
    "password_is_email": _l("Le mot de passe ne doit pas être votre adresse électronique."),
    "email_required": _l("Indiquez votre adresse électronique."),
    "email_too_long": _l("Ce champ ne doit pas dépasser %(n)d caractères.", n=EMAIL_MAX),
    "email_invalid": _l("Cette adresse électronique n'est pas valide."),
    "text_control_character": _l("Ce champ contient un caractère de contrôle interdit."),
    "text_invisible_character": _l("Ce champ contient un caractère invisible ou de direction d'écriture interdit."),
    "text_invalid_character": _l("Ce champ contient un caractère non valide."),
    "text_markup": _l("Les caractères < et > ne sont pas acceptés."),
    "text_too_long": _l("Ce champ ne doit pas dépasser %(n)d caractères."),  # n: the field's maximum
    # rules.py: roles, residence, letter codes, FranceConnect claims
    "unknown_role": _l("Rôle inconnu « %(role)s » (attendu : %(roles)s)."),
    "role_needs_constituency": _l("Le rôle %(role)s exige une circonscription."),
    "role_not_scoped": _l("Le rôle %(role)s n'est pas lié à une circonscription."),
    "residence_change_too_soon": _l(
        "Vous avez déclaré votre résidence il y a moins de %(days)d jours : "
        "vous ne pouvez pas encore changer de circonscription.",
        days=RESIDENCE_CHANGE_COOLDOWN.days,
    ),
    "coordinates_missing": _l("Choisissez un point sur la carte ou utilisez votre position."),
    "coordinates_invalid": _l("Ces coordonnées ne sont pas valides."),
    "letter_code_used": _l("Ce code a déjà été utilisé."),
    "letter_code_locked": _l("Ce code est bloqué après trop d'essais : demandez un nouveau courrier."),
    "letter_code_void": _l("Ce code n'est plus valable : demandez un nouveau courrier."),
    "letter_code_expired": _l("Ce code a expiré : demandez un nouveau courrier."),
    "franceconnect_bad_claims": _l(
        "FranceConnect a transmis une identité que la plateforme ne peut pas accepter : réessayez plus tard."
    ),
    # services.identity
    "bad_credentials": _l("Adresse électronique ou mot de passe incorrect."),
    "email_just_registered": _l("Cette adresse vient d'être inscrite : connectez-vous ou réessayez."),
    "email_already_confirmed": _l("Votre adresse électronique est déjà confirmée."),
    "current_password_wrong": _l("Le mot de passe actuel est incorrect."),
    # services.deletion
    "franceconnect_reauthenticate": _l(
        "Pour confirmer qu'il s'agit bien de vous, reconnectez-vous avec FranceConnect "
        "puis supprimez le compte dans les %(minutes)d minutes.",
        minutes=int(RECENT_FRANCECONNECT.total_seconds() // 60),
    ),
    "password_wrong": _l("Le mot de passe est incorrect."),
    "account_already_deleted": _l("Ce compte est déjà supprimé."),
    # services.residence and services.letters
    "point_outside": _l(
        "Ce point n'est dans aucune circonscription. Si vous résidez hors de France, "
        "choisissez votre pays de résidence."
    ),
    "country_required": _l("Choisissez votre pays de résidence dans la liste."),
    "residence_first": _l("Déclarez d'abord votre résidence."),
    "residence_already_verified": _l("Votre résidence est déjà vérifiée."),
    "letters_none_selected": _l("Sélectionnez au moins une demande."),
    "letters_too_many": _l("Au plus %(n)d courriers par lot.", n=LETTER_BATCH_MAX),
    "letters_not_pending": _l("Certaines demandes sélectionnées ne sont plus en attente : rechargez la page."),
    "validity_out_of_range": _l(
        "La durée de validité doit être comprise entre %(low)d et %(high)d jours.",
        low=LETTER_VALIDITY_DAYS[0],
        high=LETTER_VALIDITY_DAYS[1],
    ),
    "unknown_file_format": _l("Format de fichier inconnu."),
    "letter_code_malformed": _l("Un code est fait de 10 lettres et chiffres, par exemple ABCDE-23456."),
    "letter_code_wrong": _l("Ce code n'est pas le bon."),
    "letter_code_wrong_tries_left": _l("Ce code n'est pas le bon. Essais restants : %(n)d."),
    "letter_code_wrong_locked": _l("Ce code n'est pas le bon. Le courrier est bloqué : demandez-en un nouveau."),
    # services.roles
    "no_account_for_email": _l("Aucun compte n'a l'adresse %(email)s."),
    "account_deleted": _l("Ce compte est supprimé."),
    "unknown_constituency": _l("Circonscription inconnue : %(code)s."),
    "already_mp_elsewhere": _l("Cette personne est déjà député de %(code)s : retirez d'abord ce rôle."),
    "role_already_held": _l("Cette personne a déjà le rôle %(role)s."),
    "roles_changed_meanwhile": _l("Ces rôles viennent d'être modifiés par ailleurs : rechargez la page et réessayez."),
    "grant_not_found": _l("Ce rôle n'existe pas."),
    "grant_already_revoked": _l("Ce rôle est déjà retiré."),
    "last_admin": _l("C'est le dernier administrateur : nommez-en un autre avant de retirer ce rôle."),
    "role_not_held": _l("Cette personne n'a pas ce rôle."),
    "password_required": _l("Un mot de passe est nécessaire pour créer le compte."),
    # services.franceconnect
    "franceconnect_linked_elsewhere": _l(
        "Cette identité FranceConnect est déjà liée à un autre compte : connectez-vous à ce compte-là, "
        "ou déliez-la de ce compte avant de la lier à celui-ci."
    ),
    "franceconnect_already_linked": _l("Votre compte est déjà lié à une identité FranceConnect : déliez-la d'abord."),
    "franceconnect_email_taken": _l(
        "Un compte utilise déjà l'adresse électronique que FranceConnect a transmise : connectez-vous à ce compte "
        "avec votre mot de passe, puis liez FranceConnect depuis la page « Mon compte »."
    ),
    "franceconnect_no_email": _l(
        "FranceConnect n'a pas transmis d'adresse électronique : elle est nécessaire pour créer un compte."
    ),
    "franceconnect_keep_a_way_in": _l(
        "Votre compte n'a pas de mot de passe : choisissez-en un (« Mot de passe oublié ? ») avant de délier "
        "FranceConnect, sinon vous ne pourriez plus vous connecter."
    ),
    "franceconnect_not_linked": _l("Votre compte n'est lié à aucune identité FranceConnect."),
    # the FranceConnect flow (accounts/franceconnect.py)
    "franceconnect_refused": _l("La connexion avec FranceConnect n'a pas abouti : recommencez."),
    "franceconnect_unavailable": _l("FranceConnect ne répond pas pour le moment : réessayez plus tard."),
    "franceconnect_cancelled": _l("Vous avez annulé la connexion avec FranceConnect : rien n'a été changé."),
}

# Single-use email links: the code is the link's state (rules.token_state), or unknown.
TOKEN_MESSAGES = {
    TOKEN_UNKNOWN: _l("Ce lien n'est pas valable."),
    TOKEN_EXPIRED: _l("Ce lien a expiré : demandez-en un nouveau."),
    TOKEN_USED: _l("Ce lien a déjà été utilisé."),
}


class AccountError(DomainError):
    """A refused account operation; `field` names the form field it is about, if any.

    Unlike the other domains' errors it prints as its message (as it always has: the command line
    and the tests read it); its code is `code`.
    """

    messages = MESSAGES

    def __str__(self) -> str:
        return self.message


class TokenError(AccountError):
    """An email link that is unknown, expired or already used (its code, also `state`, says which)."""

    messages = TOKEN_MESSAGES

    @property
    def state(self) -> str:
        return self.code


def message(code: str, **params: Any) -> str:
    """The translated message of a code (for a form's validator or the command line)."""
    return AccountError(code, **params).message
