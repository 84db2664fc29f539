"""Letter files for the MP's team: a PDF to print (one letter per page, address in the
window of a DL envelope) or a CSV for a mail-merge service. Built in memory, never stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from participatory import csvfiles
from participatory.accounts.abroad import country_name
from participatory.accounts.rules import PARIS
from participatory.accounts.services.letters import PrintableLetter

# A Unicode TrueType font so that every name prints (the PDF core fonts stop at Latin-1).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class LetterContext:
    constituency_name: str
    verify_url: str
    locale: str
    font_path: str = ""


def _font(configured: str) -> str | None:
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _address_lines(letter: PrintableLetter, locale: str) -> list[str]:
    lines = [letter.recipient, letter.street]
    if letter.complement:
        lines.append(letter.complement)
    lines.append(f"{letter.postcode} {letter.city}".strip())
    lines.append(country_name(letter.country, locale).upper() if letter.country else "FRANCE")
    return [line for line in lines if line]


def _last_day(letter: PrintableLetter):
    return letter.expires_at.astimezone(PARIS).date()  # rules.letter_expiry: the end of that day in Paris


def render_pdf(letters: list[PrintableLetter], context: LetterContext) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    font = _font(context.font_path)
    if font:
        pdf.add_font("body", "", font)
        family = "body"
    else:  # no Unicode font on this machine: Latin-1 with replacement characters
        family = "helvetica"

    def text(value: str) -> str:
        return value if font else value.encode("latin-1", "replace").decode("latin-1")

    for letter in letters:
        pdf.add_page()
        pdf.set_font(family, size=10)
        pdf.set_xy(20, 20)
        pdf.multi_cell(90, 5, text(_("Budget participatif — %(name)s", name=context.constituency_name)))
        # Address block where a left-window DL envelope shows it (La Poste: 100 x 45 mm from 110 mm, 45 mm).
        pdf.set_xy(110, 45)
        pdf.set_font(family, size=11)
        pdf.multi_cell(90, 5.5, text("\n".join(_address_lines(letter, context.locale))))
        pdf.set_xy(20, 110)
        pdf.set_font(family, size=11)
        pdf.multi_cell(
            170,
            6,
            text(
                _(
                    "Vous avez demandé à vérifier votre résidence sur la plateforme des budgets participatifs. "
                    "Saisissez le code ci-dessous sur la page %(url)s, connecté à votre compte, "
                    "avant le %(date)s. Il ne sert qu'une fois et seulement pour votre compte.",
                    url=context.verify_url,
                    date=format_date(_last_day(letter), "long"),
                )
            ),
        )
        pdf.set_xy(20, 150)
        pdf.set_font(family, size=24)
        pdf.cell(170, 14, letter.code, align="C", border=1)
        pdf.set_xy(20, 175)
        pdf.set_font(family, size=9)
        pdf.multi_cell(
            170,
            5,
            text(
                _(
                    "Si vous n'avez rien demandé, ignorez ce courrier. Référence : %(ref)s.",
                    ref=letter.letter_id,
                )
            ),
        )
    return bytes(pdf.output())


CSV_COLUMNS = ("reference", "recipient", "street", "complement", "postcode", "city", "country", "code", "valid_until")


def render_csv(letters: list[PrintableLetter], context: LetterContext) -> bytes:
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for letter in letters:
        country = country_name(letter.country, context.locale) if letter.country else "France"
        writer.writerow(
            [
                str(v)
                for v in (
                    letter.letter_id,
                    letter.recipient,
                    letter.street,
                    letter.complement,
                    letter.postcode,
                    letter.city,
                    country,
                    letter.code,
                    _last_day(letter).isoformat(),
                )
            ]
        )
    return out.getvalue().encode("utf-8-sig")  # BOM: spreadsheets then read the accents right


def filename(constituency_code: str, batch_id: int, file_format: str, now: datetime) -> str:
    return f"courriers-{constituency_code}-lot{batch_id}-{now.astimezone(PARIS):%Y%m%d}.{file_format}"
