"""Domain errors of the discussion services, each with a code (from rules.py) and a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from participatory.domain_errors import DomainError

MESSAGES = {
    "not_found": _l("Cet objet n'existe pas."),
    "unknown_kind": _l("On ne peut pas débattre de ce type d'objet."),
    "sign_in": _l("Connectez-vous pour participer."),
    "comments_closed": _l("Les commentaires sont fermés : ils restent lisibles."),
    "empty": _l("Le commentaire est vide."),
    "too_long": _l("Le commentaire dépasse %(limit)s caractères."),
    "control_characters": _l("Un commentaire ne peut pas contenir de caractère de contrôle."),
    "reply_to_reply": _l("On ne répond qu'à un commentaire de premier niveau."),
    "parent_elsewhere": _l("Ce commentaire n'appartient pas à cette discussion."),
    "not_author": _l("Seul l'auteur peut modifier son commentaire."),
    "edit_window_over": _l("Un commentaire ne se modifie que dans les %(minutes)s minutes suivant sa publication."),
    "comment_hidden": _l("Ce commentaire a été masqué par la modération."),
    "already_reported": _l("Vous avez déjà signalé ce commentaire."),
    "reason_required": _l("Une raison est obligatoire ; elle sera publiée."),
    "reason_too_long": _l("La raison dépasse %(limit)s caractères."),
    "not_moderator": _l("Seuls l'équipe du député de la circonscription et les administrateurs modèrent."),
    "supports_closed": _l("Les soutiens ne sont ouverts que pendant le dépôt des projets."),
    "not_supportable": _l("On ne peut pas soutenir ce type d'objet."),
    "wrong_constituency": _l("Seuls les habitants de la circonscription peuvent soutenir ce projet."),
    "unverified": _l("Votre compte n'a pas le niveau de vérification demandé par cet appel."),
    "not_live": _l("Ce projet a été retiré ou masqué."),
    "not_followable": _l("On ne peut pas suivre ce type d'objet."),
    "bad_delivery": _l("Mode de notification inconnu."),
    "bad_token": _l("Ce lien de désabonnement n'est pas valable."),
}


class DiscussionError(DomainError):
    """A refused action of the discussion domain."""

    messages = MESSAGES


class Forbidden(DiscussionError):
    status = 403


class NotFound(DiscussionError):
    status = 404


class Conflict(DiscussionError):
    status = 409


raise_if = DiscussionError.raise_if
