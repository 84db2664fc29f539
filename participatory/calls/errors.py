"""Domain errors of the calls services, each with a code (from rules.py) and a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from participatory.domain_errors import DomainError

MESSAGES = {
    "not_found": _l("Cet appel n'existe pas."),
    "dates_without_timezone": _l("Les dates doivent préciser leur fuseau horaire."),
    "dates_out_of_order": _l("Les dates doivent se suivre : dépôt, examen, vote, puis clôture du vote."),
    "bad_year": _l("L'année doit être comprise entre 2000 et 2100."),
    "unknown_rule": _l("Règle de dépouillement inconnue."),
    "unknown_verification_level": _l("Niveau de vérification inconnu."),
    "bad_budget": _l("Le budget doit être positif et au plus de 20 millions d'euros."),
    "control_characters": _l("Un titre tient sur une ligne ; aucun texte ne peut contenir de caractère de contrôle."),
    "bad_min_projects": _l("Le nombre minimum de projets doit être au moins 1."),
    "max_below_min": _l("Le nombre maximum de projets doit être au moins égal au minimum."),
    "title_required": _l("Le titre est obligatoire."),
    "unknown_constituency": _l("Circonscription inconnue."),
    "call_exists": _l("Cette circonscription a déjà un appel pour cette année."),
    "frozen": _l("Le vote a commencé : le budget et les règles ne peuvent plus changer."),
    "proposals_started": _l(
        "Le dépôt des projets a commencé : sa date d'ouverture ne peut plus changer "
        "(une phase commencée garde sa date)."
    ),
    "review_started": _l(
        "L'examen des projets a commencé : sa date de début ne peut plus changer (une phase commencée garde sa date)."
    ),
    "voting_started": _l("Le vote a commencé : sa date d'ouverture ne peut plus changer."),
    "voting_closed": _l("Le vote est clos : il ne peut pas être rouvert et sa date de clôture ne peut plus changer."),
    "voting_shortened": _l(
        "Le vote est en cours : il peut être prolongé, mais ni écourté ni clos avant la date annoncée."
    ),
    "date_in_past": _l(
        "Une date nouvelle ou modifiée ne peut pas être dans le passé : aucune phase ne peut être sautée, "
        "et les résultats ne sont publiés qu'après un vote."
    ),
    "voting_too_short": _l("Le vote doit durer au moins %(days)s jours, de son ouverture à sa clôture."),
    "not_your_constituency": _l("Vous ne gérez pas cette circonscription."),
    "proposals_closed": _l("Le dépôt des projets n'est pas ouvert."),
    "no_residence": _l("Pour participer, déclarez d'abord votre lieu de résidence : il fixe votre circonscription."),
    "wrong_constituency": _l("Seuls les habitants de la circonscription peuvent participer."),
    "unverified": _l("Votre compte n'a pas le niveau de vérification demandé par cet appel."),
    "not_author": _l("Seul l'auteur peut modifier ou retirer ce projet."),
    "withdrawn": _l("Ce projet a été retiré."),
    "hidden": _l("Ce projet a été masqué par la modération."),
    "bad_category": _l("Catégorie inconnue."),
    "too_many_proposals": _l("Vous avez déposé autant de projets que permis dans cet appel : retirez-en un d'abord."),
    "cost_not_positive": _l("Le coût doit être positif."),
    "cost_over_budget": _l("Le coût dépasse le budget de l'appel."),
    "location_required": _l("Indiquez l'emplacement du projet sur la carte."),
    "location_outside": _l("L'emplacement du projet doit se trouver dans la circonscription."),
    "already_reported": _l("Vous avez déjà signalé ce projet."),
    "reason_required": _l("Une raison est obligatoire ; elle sera publiée."),
    "not_in_review": _l("L'examen des projets n'est possible que pendant la phase d'examen."),
    "final_cost_required": _l("Indiquez le coût final d'un projet réalisable."),
    "bad_decision": _l("Décision inconnue."),
    "wrong_phase": _l("Le vote n'est pas ouvert."),
    "duplicate_project": _l("Un projet est choisi deux fois."),
    "not_on_ballot": _l("Un des projets choisis n'est pas soumis au vote."),
    "too_few": _l("Vous n'avez pas choisi assez de projets."),
    "too_many": _l("Vous avez choisi trop de projets."),
    "over_budget": _l("Le total des projets choisis dépasse le budget."),
    "no_ballot": _l("Vous n'avez pas de bulletin à annuler."),
    "voter_key_changed": _l(
        "Votre bulletin n'a pas pu être enregistré : la clé de votant de la plateforme a changé pendant le vote. "
        "Votre bulletin précédent reste compté ; réessayez plus tard."
    ),
    "no_ballot_receipt": _l("Vous n'avez pas de bulletin pour ce vote."),
    "not_a_winner": _l("Le suivi de réalisation ne concerne que les projets retenus."),
    "bad_status": _l("Statut inconnu."),
    "not_selected": _l(
        "Ce projet n'a pas reçu les %(min)s soutiens demandés par l'appel pendant le dépôt : il n'est pas "
        "examiné et ne sera pas soumis au vote."
    ),
    "bad_min_supports": _l("Le nombre minimum de soutiens doit être compris entre 0 et 100 000."),
}


class CallError(DomainError):
    """A refused action of the calls domain."""

    messages = MESSAGES


class Forbidden(CallError):
    status = 403


class NotFound(CallError):
    status = 404


class Conflict(CallError):
    status = 409


raise_if = CallError.raise_if
