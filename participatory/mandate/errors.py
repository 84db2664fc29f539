"""Domain errors of the mandate services, each with a code (from rules.py) and a translated message.

A thin copy of the calls domain's pattern (calls/errors.py); to be re-based on the shared DomainError."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from participatory.domain_errors import DomainError

MESSAGES = {
    "not_found": _l("Cet élément n'existe pas."),
    "not_your_constituency": _l("Vous ne gérez pas cette circonscription."),
    "unknown_constituency": _l("Circonscription inconnue."),
    "control_characters": _l("Un titre tient sur une ligne ; aucun texte ne peut contenir de caractère de contrôle."),
    "subject_required": _l("L'objet du rendez-vous est obligatoire."),
    "bad_duration": _l("La durée doit être comprise entre 1 minute et 24 heures."),
    "organisation_required": _l("Indiquez au moins une organisation rencontrée."),
    "too_many_organisations": _l("Vingt organisations au plus par rendez-vous."),
    "bad_organisation_name": _l("Chaque organisation a un nom de 200 caractères au plus."),
    "bad_identifier": _l(
        "Identifiant national non valide : un SIREN (9 chiffres), un numéro RNA (W et 9 chiffres) "
        "ou un identifiant HATVP (H et 9 chiffres)."
    ),
    "bad_siren": _l("Ce SIREN n'est pas valide (clé de contrôle)."),
    "too_many_roles": _l("Vingt fonctions au plus, de 200 caractères chacune."),
    "withdrawn": _l("Ce rendez-vous a été retiré de l'agenda."),
    "reason_required": _l("Un motif est obligatoire ; il sera publié."),
    "nothing_changed": _l("Rien n'a changé : la correction n'a pas été enregistrée."),
    "title_required": _l("Le titre est obligatoire."),
    "dates_out_of_order": _l("La clôture doit suivre l'ouverture."),
    "closes_in_past": _l("La date de clôture est déjà passée."),
    "text_required": _l("Collez le texte du projet ou de la proposition de loi, article par article."),
    "text_too_long": _l("Le texte est trop long (300 articles et 2 000 alinéas au plus)."),
    "empty_article": _l("Chaque article doit avoir au moins un alinéa."),
    "duplicate_article": _l("Deux articles portent le même numéro."),
    "attachment_empty": _l("Le fichier est vide."),
    "attachment_too_large": _l("Le fichier dépasse 5 Mo."),
    "attachment_type": _l("Seuls les fichiers PDF sont acceptés."),
    "consultation_closed": _l("La consultation n'est pas ouverte."),
    "hidden": _l("Ce contenu a été masqué par la modération."),
    "already_reported": _l("Vous avez déjà signalé ce commentaire."),
    "already_supported": _l("Vous soutenez déjà cet amendement."),
    "own_amendment": _l("Vous ne pouvez pas soutenir votre propre amendement."),
    "same_wording": _l("Le dispositif proposé est identique au texte actuel de l'alinéa."),
    "bad_status": _l("Statut inconnu."),
    "bad_merge_target": _l("Indiquez le numéro d'un autre amendement de cette consultation."),
    "merge_without_status": _l("Un amendement cible ne s'indique que pour un amendement fusionné."),
    "display_name_required": _l("Choisissez d'abord un nom public sur la page de votre compte."),
}


class MandateError(DomainError):
    """A refused action of the mandate domain."""

    messages = MESSAGES


class Forbidden(MandateError):
    status = 403


class NotFound(MandateError):
    status = 404


class Conflict(MandateError):
    status = 409


raise_if = MandateError.raise_if
