"""Domain errors of the crowdfunding services, each with a code and a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from participatory.domain_errors import DomainError

MESSAGES = {
    "bad_dates": _l("Le second tour doit suivre le premier."),
    "bad_window": _l("L'ouverture de la collecte doit précéder sa clôture."),
    "unknown_constituency": _l("Circonscription inconnue."),
    "already_applied": _l("Vous êtes déjà candidat(e) à cette élection."),
    "election_over": _l("La collecte de cette élection est close."),
    "designation_in_future": _l("La date de désignation du mandataire ne peut pas être dans le futur."),
    "agent_is_candidate": _l("Le candidat ne peut pas être son propre mandataire financier (articles L52-5 et L52-6)."),
    "bad_agent_kind": _l("Type de mandataire inconnu."),
    "already_decided": _l("Cette candidature a déjà été examinée."),
    "bad_account_id": _l("Identifiant de compte Stripe invalide (acct_…)."),
    "not_approved": _l("Cette candidature n'est pas (ou plus) validée."),
    "no_payment_account": _l(
        "Le mandataire n'a pas encore relié de compte de paiement : les dons ne sont pas ouverts."
    ),
    # Said to donors: why the campaign's payment account cannot take their donation now.
    "account_not_ready": _l(
        "Les dons ne sont pas encore ouverts : le compte de paiement de la campagne est en cours d'ouverture "
        "auprès de Stripe, le prestataire de paiement."
    ),
    "account_needs_information": _l(
        "Les dons sont suspendus : Stripe, le prestataire de paiement, attend des informations du mandataire "
        "financier de la campagne."
    ),
    "account_disabled": _l(
        "Les dons sont suspendus : Stripe, le prestataire de paiement, a désactivé les paiements sur le compte "
        "de la campagne."
    ),
    # Said to the mandataire or an admin.
    "account_unreachable": _l(
        "Stripe ne donne pas accès à ce compte : il n'existe pas ou n'est pas relié à la plateforme."
    ),
    "account_in_use": _l("Ce compte Stripe est déjà celui d'une autre campagne."),
    "account_no_link": _l("Stripe vérifie le compte ou l'a désactivé : il n'y a rien à compléter pour le moment."),
    "window_closed": _l("La collecte des dons n'est pas ouverte pour cette élection (article L52-4)."),
    "attestations_required": _l("Vous devez attester être une personne physique et donner vos propres fonds."),
    "residence_needs_france": _l("Pour donner au titre de la résidence en France, l'adresse doit être en France."),
    "bad_eligibility": _l("Indiquez votre nationalité française ou votre résidence en France."),
    "name_without_letter": _l(
        "Le prénom et le nom doivent contenir au moins une lettre : un don ne peut pas être anonyme."
    ),
    "bad_country": _l("Choisissez un pays de la liste."),
    "bad_postal_code": _l("Ce code postal n'est pas valide pour ce pays (en France : cinq chiffres)."),
    "below_minimum": _l("Le don minimum est de 1 €."),
    "over_cap": _l("Ce don dépasserait le plafond de 4 600 € par donateur pour cette élection (article L52-8)."),
    "payment_unavailable": _l("Le paiement est momentanément indisponible ; aucun don n'a été enregistré."),
    "not_refundable": _l("Seul un don encaissé peut être remboursé."),
    "bad_refund_reason": _l("Motif de remboursement inconnu."),
    "unknown_text": _l("Texte légal inconnu."),
    "empty_text": _l("Le texte ne peut pas être vide."),
}
# The campaign account's refusals.
MESSAGES.update(
    {
        "bad_category": _l("Rubrique inconnue."),
        "amount_not_positive": _l("Le montant doit être positif."),
        "amount_too_large": _l("Montant trop élevé (1 000 000 € au plus)."),
        "date_in_future": _l("La date ne peut pas être dans le futur."),
        "date_outside_period": _l(
            "La date doit être dans la période de financement de la campagne (article L52-4), "
            "de l'ouverture de la collecte au dépôt du compte."
        ),
        "empty_label": _l("Décrivez l'opération."),
        "bad_origin": _l("Cette origine ne correspond pas à cette rubrique."),
        "legal_person_gift": _l(
            "Les personnes morales, à l'exception des partis ou groupements politiques, ne peuvent pas "
            "participer au financement d'une campagne (article L52-8)."
        ),
        "bad_means": _l("Moyen de paiement inconnu."),
        "cash_over_150": _l("Un don en espèces ne peut pas dépasser 150 € (article L52-8)."),
        "cash_over_share": _l(
            "Les dons en espèces ne peuvent pas dépasser, ensemble, le cinquième du plafond des dépenses "
            "(article L52-8)."
        ),
        "donor_required": _l("L'identité du donateur est requise pour un don (article R39-1)."),
        "unknown_entry": _l("Opération inconnue."),
        "account_frozen": _l(
            "Le compte est déposé : ses opérations ne peuvent plus être modifiées ; enregistrez une correction."
        ),
        "reverse_draft": _l("Le compte n'est pas déposé : supprimez l'opération au lieu de l'annuler."),
        "already_reversed": _l("Cette opération est déjà annulée."),
        "attachment_empty": _l("Le fichier est vide."),
        "attachment_too_large": _l("Le fichier dépasse 5 Mo."),
        "attachment_type": _l("Seuls les fichiers PDF, JPEG et PNG sont acceptés."),
        "already_filed": _l("Le compte est déjà déposé."),
        "deficit": _l(
            "Le compte ne peut pas être déposé en déficit : les recettes doivent couvrir les dépenses (article L52-12)."
        ),
        "missing_proofs": _l("Des pièces justificatives manquent : joignez-les avant le dépôt."),
        "bad_decision": _l("Décision inconnue."),
        "not_filed": _l("Le compte n'est pas encore déposé."),
        "decision_before_filing": _l("La décision ne peut pas précéder le dépôt du compte."),
        "refund_when_rejected": _l("Un compte rejeté n'ouvre droit à aucun remboursement."),
        "refund_over_contribution": _l("Le remboursement ne peut pas dépasser l'apport personnel du candidat."),
        "refund_over_ceiling": _l(
            "Le remboursement ne peut pas dépasser 47,5 % du plafond des dépenses (article L52-11-1)."
        ),
    }
)


class CrowdfundingError(DomainError):
    """A refused action of the crowdfunding domain."""

    messages = MESSAGES


class PaymentUnavailable(CrowdfundingError):
    status = 503


raise_if = CrowdfundingError.raise_if
