"""A call's results report to keep: ``report.html`` (standalone) and ``report.pdf``, frozen at publication.

Both are rendered once, by ``exports.render_files``, from the files published
beside them (``results.json``'s document and ``explanations.json``'s) and carry
the SHA-256 of those files: a reader checks the report against the data, and
the manifest and the ``call.files_published`` audit event cover the report
itself. They are written in French, the platform's language, whoever
publishes: a frozen file cannot depend on the language of the request that
happened to publish it. The HTML has its CSS inline and loads nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from participatory.tally.explanations import DID_NOT_FIT, NO_SUPPORTER, SHARES_RAN_OUT

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "calls"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
RULE_NAMES = {
    "greedy": "Vote majoritaire glouton (greedy)",
    "equal-shares": "Méthode des parts égales (equal-shares)",
    "equal-shares-completed": "Parts égales complétée (equal-shares-completed)",
}
REASONS = {
    SHARES_RAN_OUT: "les parts de ses soutiens étaient épuisées",
    DID_NOT_FIT: "il ne tenait pas dans ce qui restait du budget",
    NO_SUPPORTER: "personne n'a voté pour lui",
}
TIE_BREAK = (
    "à égalité, le projet au plus petit identifiant (numéro de proposition sur 8 chiffres) passe devant : "
    "le projet déposé le premier"
)
HOW_TO_VERIFY = (
    "Téléchargez ballots.pb et manifest.json ; leurs SHA-256 doivent être ceux ci-dessous et ceux de "
    "l'événement call.files_published du journal d'audit (flask audit verify contrôle la chaîne). "
    "Recalculez le résultat avec le moteur libre (python -m participatory.tally ballots.pb --rule RÈGLE, "
    "ou pabutools) : vous trouvez les mêmes projets. explanations.json donne les tours en fractions exactes : "
    "dans chaque tour, les paiements des soutiens ajoutés font exactement le coût du projet."
)


def euros(cents: int | Fraction | str) -> str:
    value = Fraction(cents)
    amount = Decimal(value.numerator) / Decimal(value.denominator) / 100
    return str(format_currency(amount, "EUR", locale="fr_FR"))


def number(value: int) -> str:
    return str(format_decimal(value, locale="fr_FR"))


def percent(value: Fraction | float) -> str:
    return str(format_percent(float(value), format="#,##0.0\xa0%", locale="fr_FR"))


def report_context(results: dict[str, Any], explanations: dict[str, Any], hashes: dict[str, str]) -> dict[str, Any]:
    """What both reports show, as display strings: ``results`` and ``explanations`` are the published documents."""
    titles = {p["project"]: p["title"] for p in explanations["projects"]}
    call = results["call"]
    context: dict[str, Any] = {
        "title": f"{call['title']} — {call['constituency']} {call['year']}",
        "rule": RULE_NAMES.get(results["rule"], results["rule"]),
        "figures": [
            ("Budget", euros(results["budget_cents"])),
            ("Dépensé", euros(results["spent_cents"])),
            ("Bulletins", number(results["ballots"])),
            ("Électeurs inscrits", number(results["registered_voters"])),
            ("Participation", percent(results["participation"])),
        ],
        "winners": [
            (p["title"], euros(p["cost_cents"]), str(p["votes"]))
            for pid in results["selected"]
            for p in results["projects"]
            if p["proposal_id"] == pid
        ],
        "fairness": [
            (
                RULE_NAMES.get(rule, rule) + (" (règle de l'appel)" if rule == results["rule"] else ""),
                f"{float(Fraction(f['winners_per_ballot'])):.2f}".replace(".", ","),
                percent(Fraction(f["share_with_a_winner"])),
            )
            for rule, f in explanations["fairness"].items()
        ],
        "rounds": [],
        "completion": None,
        "exclusions": [],
        "verification": [
            ("Moteur", results["engine_version"]),
            ("Empreinte des bulletins (SHA-256)", results["ballots_digest"]),
            ("Calculé le (UTC)", results["computed_at"]),
            ("Égalités", TIE_BREAK),
        ],
        "hashes": sorted(hashes.items()),
        "how_to_verify": HOW_TO_VERIFY,
    }
    explanation = explanations.get("explanation")
    if explanation:
        context["share"] = euros(explanation["share"])
        context["rounds"] = [
            (
                str(r["round"]),
                titles[r["project"]],
                euros(r["cost"]),
                str(r["supporters"]),
                euros(r["max_payment"]),
                str(r["paid_less"]),
                euros(r["spent"]),
            )
            for r in explanation["rounds"]
        ]
        if explanation["rule"] == "equal-shares-completed":
            context["completion"] = {
                "initial_share": euros(explanation["initial_share"]),
                "share": euros(explanation["share"]),
                "rounds_spent": euros(explanation["rounds_spent"]),
                "additions": [
                    (titles[a["project"]], euros(a["cost"]), str(a["votes"]), euros(a["left"]))
                    for a in explanation["additions"]
                ],
            }
        context["exclusions"] = [
            (
                titles[e["project"]],
                euros(e["cost"]),
                str(e["votes"]),
                REASONS[e["reason"]]
                + (
                    f" (il restait {euros(e['left'])})"
                    if e["reason"] == DID_NOT_FIT and e["left"] is not None
                    else f" (ils avaient encore {euros(e['supporters_money'])})"
                    if e["reason"] == SHARES_RAN_OUT
                    else ""
                ),
            )
            for e in explanation["exclusions"]
        ]
    return context


def report_html(context: dict[str, Any]) -> bytes:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    return environment.get_template("report_standalone.html").render(**context).encode("utf-8")


def report_pdf(context: dict[str, Any], moment: datetime) -> bytes:
    """The same report as a PDF, dated by ``moment`` (the results' computation) rather than the clock."""
    pdf = FPDF(format="A4")
    # One UTC form: a database may hand back the same instant with another tzinfo, which fpdf2 writes differently.
    pdf.set_creation_date(moment.astimezone(UTC).replace(microsecond=0))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    family = "Helvetica"
    if (FONT_DIR / "DejaVuSans.ttf").is_file():  # any Unicode title prints correctly
        pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        family = "DejaVu"

    def text(value: str) -> str:
        # The built-in Helvetica only knows Latin-1.
        return value if family == "DejaVu" else value.encode("latin-1", "replace").decode("latin-1")

    def para(value: str, size: int = 9, bold: bool = False) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, text(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    def table(headings: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...]) -> None:
        pdf.set_font(family, "", 8)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as grid:
            header = grid.row()
            for heading in headings:
                header.cell(text(heading))
            for row in rows:
                line = grid.row()
                for value in row:
                    line.cell(text(value))
        pdf.ln(3)

    para("Rapport de résultats", 16, True)
    para(context["title"], 12, True)
    para(f"Règle : {context['rule']}")
    para(" · ".join(f"{k} : {v}" for k, v in context["figures"]))
    para("Projets retenus", 12, True)
    table(("Projet", "Coût", "Votes"), context["winners"] or [("aucun", "", "")], (6, 2, 1))
    para("Équité : les projets retenus, bulletin par bulletin", 12, True)
    table(
        ("Règle", "Projets retenus par bulletin (moyenne)", "Bulletins avec au moins un projet retenu"),
        context["fairness"],
        (4, 3, 3),
    )
    if context["rounds"]:
        para("Comment les parts égales ont dépensé le budget, tour par tour", 12, True)
        para(f"Chaque votant disposait d'une part de {context['share']}.")
        table(
            ("Tour", "Projet", "Coût", "Soutiens", "Paiement maximal", "Ont payé moins", "Dépensé"),
            context["rounds"],
            (1, 5, 2, 2, 2, 2, 2),
        )
    if context["completion"]:
        c = context["completion"]
        para("La complétion", 12, True)
        para(
            f"Part de départ : {c['initial_share']} ; part relevée finalement utilisée : {c['share']} ; "
            f"dépensé par les tours : {c['rounds_spent']}. Ajoutés ensuite dans l'ordre des votes :"
        )
        table(("Projet", "Coût", "Votes", "Restait avant"), c["additions"] or [("aucun", "", "", "")], (5, 2, 1, 2))
    if context["exclusions"]:
        para("Pourquoi les autres projets sont restés dehors", 12, True)
        table(("Projet", "Coût", "Votes", "Pourquoi"), context["exclusions"], (4, 2, 1, 5))
    para("Vérification", 12, True)
    for label, value in context["verification"]:
        para(f"{label} : {value}", 8)
    table(("Fichier", "SHA-256"), context["hashes"], (2, 7))
    para(context["how_to_verify"], 8)
    return bytes(pdf.output())
