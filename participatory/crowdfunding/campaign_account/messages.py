"""Messages of the campaign account's refusals, merged into the crowdfunding domain's error messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
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
