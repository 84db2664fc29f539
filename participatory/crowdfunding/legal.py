"""Default legal notices (French law, so French only); admins edit them, stored in `legal_text`.

They are templates: `$name` placeholders are filled with public campaign data only. The
defaults quote the articles in extract; an admin should paste the version in force from
Légifrance (the page links to it).
"""

from __future__ import annotations

from string import Template

from flask_babel import lazy_gettext as _l

L52_9_NOTICE = "l52_9_notice"
L52_8 = "l52_8"
L113_1 = "l113_1"
RECEIPT_NOTICE = "receipt_notice"

DEFAULTS: dict[str, str] = {
    L52_9_NOTICE: (
        "$candidate ($party) est candidat(e) dans la circonscription $constituency à l'élection « $election ». "
        "Son $agent_kind est $agent_name, désigné(e) le $designation_date. "
        "Le candidat ne peut recueillir de dons que par l'intermédiaire de son $agent_kind : "
        "votre don est versé directement sur le compte du $agent_kind, jamais sur celui de la plateforme."
    ),
    L52_8: (
        "Article L52-8 du code électoral (extrait) — Une personne physique peut verser un don à un candidat si elle "
        "est de nationalité française ou si elle réside en France. Les dons consentis par une personne physique "
        "dûment identifiée pour le financement de la campagne d'un ou plusieurs candidats lors des mêmes élections "
        "ne peuvent excéder 4 600 euros. Les personnes morales, à l'exception des partis ou groupements politiques, "
        "ne peuvent participer au financement de la campagne électorale d'un candidat, ni en lui consentant des dons "
        "sous quelque forme que ce soit, ni en lui fournissant des biens, services ou autres avantages directs ou "
        "indirects à des prix inférieurs à ceux qui sont habituellement pratiqués. […] Tout don de plus de 150 euros "
        "consenti à un candidat en vue de sa campagne doit être versé par chèque, virement, prélèvement automatique "
        "ou carte bancaire. […]"
    ),
    L113_1: (
        "Article L113-1 du code électoral (résumé) — Le candidat qui recueille des fonds en violation de l'article "
        "L52-4 ou accepte des fonds en violation de l'article L52-8, et toute personne qui consent un don en "
        "violation de l'article L52-8, s'exposent aux sanctions pénales prévues par l'article L113-1."
    ),
    RECEIPT_NOTICE: (
        "Ce don ouvre droit à une réduction d'impôt sur le revenu égale à 66 % de son montant, dans la limite de "
        "20 % du revenu imposable (article 200 du code général des impôts), sur présentation du reçu officiel "
        "délivré par le mandataire."
    ),
}
TITLES = {
    L52_9_NOTICE: _l("Mentions de l'article L52-9"),
    L52_8: _l("Article L52-8"),
    L113_1: _l("Article L113-1"),
    RECEIPT_NOTICE: _l("Mention fiscale du reçu"),
}
LEGIFRANCE = "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006070239/"


def render(body: str, **values: str) -> str:
    """Fill the placeholders; an unknown one stays as typed rather than failing the page."""
    return Template(body).safe_substitute(values)
