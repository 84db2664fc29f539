"""The auditors' filters on the audit log (a GET form: no CSRF, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from participatory.forms import Form, options

# What each action of the log means, for people; an action missing here shows its code.
ACTION_LABELS = {
    "account.deleted": _l("Compte supprimé"),
    "account.email_confirmed": _l("Adresse électronique confirmée"),
    "account.franceconnect_linked": _l("FranceConnect lié"),
    "account.franceconnect_unlinked": _l("FranceConnect délié"),
    "account.password_changed": _l("Mot de passe changé"),
    "account.password_reset": _l("Mot de passe réinitialisé"),
    "account.registered": _l("Compte créé"),
    "account.updated": _l("Compte modifié"),
    "ballot.cancelled": _l("Bulletin annulé"),
    "ballot.cast": _l("Bulletin déposé"),
    "ballot.changed": _l("Bulletin modifié"),
    "ballot.receipt_renewed": _l("Code de reçu renouvelé"),
    "ballots.rekeyed": _l("Clés de votants recalculées"),
    "call.changed": _l("Appel modifié"),
    "call.created": _l("Appel créé"),
    "call.files_published": _l("Fichiers des résultats publiés"),
    "call.rescheduled": _l("Calendrier de l'appel modifié"),
    "call.results_computed": _l("Résultats calculés"),
    "candidacy.apply": _l("Candidature déposée"),
    "connect.account_created": _l("Compte de paiement créé"),
    "connect.account_linked": _l("Compte de paiement lié"),
    "connect.link_issued": _l("Lien d'ouverture du compte de paiement émis"),
    "connect.status_changed": _l("État du compte de paiement changé"),
    "demo.call_seeded": _l("Appel de démonstration créé"),
    "demo.reset": _l("Démonstration remise à zéro"),
    "demo.seeded": _l("Démonstration créée"),
    "demo.sign_ins_created": _l("Comptes de démonstration créés"),
    "donation.amount_mismatch": _l("Don : montant différent"),
    "donation.expired": _l("Don expiré"),
    "donation.partial_refund": _l("Don partiellement remboursé"),
    "donation.pending": _l("Don en attente"),
    "donation.refund_approved": _l("Remboursement approuvé"),
    "donation.refunded": _l("Don remboursé"),
    "donation.succeeded": _l("Don reçu"),
    "election.create": _l("Élection créée"),
    "election.update": _l("Élection modifiée"),
    "legal_text.update": _l("Texte légal modifié"),
    "letter.batch_issued": _l("Lot de courriers imprimé"),
    "letter.locked": _l("Courrier bloqué (trop d'essais)"),
    "letter.requested": _l("Courrier demandé"),
    "letter.requests_rejected": _l("Demandes de courrier refusées"),
    "letter.used": _l("Code de courrier utilisé"),
    "proposal.edited": _l("Projet modifié"),
    "proposal.hidden": _l("Projet masqué"),
    "proposal.implementation": _l("Suivi de réalisation publié"),
    "proposal.reviewed": _l("Projet examiné"),
    "proposal.submitted": _l("Projet déposé"),
    "proposal.withdrawn": _l("Projet retiré"),
    "residence.declared": _l("Résidence déclarée"),
    "residence.verified": _l("Résidence vérifiée"),
    "role.granted": _l("Rôle attribué"),
    "role.revoked": _l("Rôle retiré"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=True, validators=[Optional()])
    object_type = SelectField(_l("Type d'objet"), choices=[], validate_choice=True, validators=[Optional()])
    object_id = StringField(_l("Identifiant de l'objet"), validators=[Optional(), Length(max=60)])
    actor = StringField(
        _l("Acteur (pseudonyme)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9_]+$", message=_l("Un pseudonyme : lettres, chiffres, _.")),
        ],
    )
    since = DateField(_l("Depuis le"), validators=[Optional()])
    until = DateField(_l("Jusqu'au (inclus)"), validators=[Optional()])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def set_choices(self, actions: list[str], object_types: list[str]) -> None:
        everything = ("", _l("Toutes"))
        self.action.choices = options([everything, *((a, action_label(a)) for a in actions)])
        self.object_type.choices = options([everything, *((t, t) for t in object_types)])
