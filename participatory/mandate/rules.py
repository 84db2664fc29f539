"""Pure decisions of the mandate domain (table-tested in tests/mandate/test_rules.py).

No Flask, no database: identifiers of the HATVP register, names matched across MPs, a bill's
text split into articles and paragraphs (alinéas), the readable word diff of an amendment,
and the checks of a meeting, a consultation and an amendment's answer.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

# --- Meetings ----------------------------------------------------------------------------------------

MAX_DURATION_MINUTES = 24 * 60
MAX_ORGANISATIONS = 20
MAX_ROLES = 20

# The national identifier of an interest representative in the HATVP register (`identifiantNational`):
# its SIREN (9 digits), its RNA number (W and 9 digits) or, without either, the HATVP's own (H and 9 digits).
_HATVP_ID = re.compile(r"^(?:[0-9]{9}|[WH][0-9]{9})$")


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clean_identifier(raw: str) -> str:
    """`309 255 400` or `w751234567` as stored: upper case, no spaces."""
    return re.sub(r"[\s.\-]", "", raw).upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def identifier_problem(identifier: str) -> str | None:
    """Why a cleaned `identifiantNational` is not one (None when it is, or when it is empty)."""
    if not identifier:
        return None
    if not _HATVP_ID.match(identifier):
        return "bad_identifier"
    if identifier.isdigit() and not _luhn_ok(identifier) and not identifier.startswith("356000000"):
        return "bad_siren"  # La Poste's SIREN is the one exception to the Luhn key
    return None


def name_key(name: str) -> str:
    """How two spellings of an organisation's name are matched: no accents, case, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    identifier: str = ""


def parse_organisations(text: str) -> list[OrganisationInput]:
    """One organisation a line: `Name` or `Name ; identifiantNational` (also `|` or a tab)."""
    found: list[OrganisationInput] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = re.split(r"[;|\t]", line, maxsplit=1)
        name = " ".join(parts[0].split())
        identifier = clean_identifier(parts[1]) if len(parts) > 1 else ""
        found.append(OrganisationInput(name, identifier))
    return found


def split_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def meeting_problem(
    subject: str, duration_minutes: int, organisations: list[OrganisationInput], roles: list[str]
) -> str | None:
    if not subject.strip():
        return "subject_required"
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        return "bad_duration"
    if not organisations:
        return "organisation_required"
    if len(organisations) > MAX_ORGANISATIONS:
        return "too_many_organisations"
    for organisation in organisations:
        if not organisation.name or len(organisation.name) > 200:
            return "bad_organisation_name"
        problem = identifier_problem(organisation.identifier)
        if problem:
            return problem
    if len(roles) > MAX_ROLES or any(len(role) > 200 for role in roles):
        return "too_many_roles"
    return None


# --- Consultations: a bill split into articles and paragraphs ---------------------------------------

MAX_ARTICLES = 300
MAX_PARAGRAPHS = 2000

# "Article 1er", "Article premier", "Art. 2", "ARTICLE 3 bis", "## Article 4", "**Article 5**", "Article unique".
_ARTICLE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:article|art\.)\s+"
    r"((?:1er|premier|unique|liminaire|[0-9]+(?:\s*(?:bis|ter|quater|quinquies|sexies|[A-Z]))?))"
    r"\b\s*(?:\*\*)?\s*[.:\-–—]?\s*(.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArticleText:
    label: str
    paragraphs: tuple[str, ...]


def _label(number: str) -> str:
    lowered = " ".join(number.lower().split())
    if lowered in ("1er", "premier"):
        return "Article 1er"
    return f"Article {lowered}"


def _plain(line: str) -> str:
    """A Markdown line as plain text: list markers, emphasis and heading marks removed."""
    line = re.sub(r"^\s*(?:[-*+]|[0-9]+[.)])\s+", "", line) if not re.match(r"^\s*[0-9]+°", line) else line
    line = re.sub(r"^\s*#{1,6}\s*", "", line)
    line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
    return " ".join(line.split())


def split_bill(text: str) -> list[ArticleText]:
    """The articles of a bill pasted as plain text or Markdown; each non-empty line after an
    article's heading is one paragraph (alinéa). Text before the first heading is ignored
    (exposé des motifs, title); a text without any heading is one "Article unique"."""
    articles: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        match = _ARTICLE.match(raw)
        if match:
            articles.append((_label(match.group(1)), []))
            rest = _plain(match.group(2))
            if rest:
                articles[-1][1].append(rest)
            continue
        line = _plain(raw)
        if line and articles:
            articles[-1][1].append(line)
    if not articles:
        lines = [_plain(line) for line in text.splitlines() if _plain(line)]
        return [ArticleText("Article unique", tuple(lines))] if lines else []
    return [ArticleText(label, tuple(paragraphs)) for label, paragraphs in articles]


def bill_problem(articles: list[ArticleText]) -> str | None:
    if not articles:
        return "text_required"
    if len(articles) > MAX_ARTICLES or sum(len(a.paragraphs) for a in articles) > MAX_PARAGRAPHS:
        return "text_too_long"
    if any(not a.paragraphs for a in articles):
        return "empty_article"
    labels = [a.label for a in articles]
    if len(set(labels)) != len(labels):
        return "duplicate_article"
    return None


def consultation_problem(title: str, opens_at: datetime, closes_at: datetime, now: datetime) -> str | None:
    if not title.strip():
        return "title_required"
    if aware(closes_at) <= aware(opens_at):
        return "dates_out_of_order"
    if aware(closes_at) <= now:
        return "closes_in_past"
    return None


def is_open(opens_at: datetime, closes_at: datetime, now: datetime) -> bool:
    return aware(opens_at) <= now < aware(closes_at)


# --- Amendments ---------------------------------------------------------------------------------------

UNDER_REVIEW = "under_review"
TABLED = "tabled"
MERGED = "merged"
NOT_RETAINED = "not_retained"
STATUSES = (UNDER_REVIEW, TABLED, MERGED, NOT_RETAINED)
# The fate as the Assemblée's open data words it (`sort`), for the export.
SORT = {UNDER_REVIEW: "En examen", TABLED: "Déposé", MERGED: "Fusionné", NOT_RETAINED: "Non retenu"}


def answer_problem(status: str, reason: str, merged_into: int | None, own_id: int, siblings: set[int]) -> str | None:
    """An MP's answer: a known status, a public reason except while under review, and a merge names
    another amendment of the same consultation."""
    if status not in STATUSES:
        return "bad_status"
    if status != UNDER_REVIEW and not reason.strip():
        return "reason_required"
    if status == MERGED:
        if merged_into is None or merged_into == own_id or merged_into not in siblings:
            return "bad_merge_target"
    elif merged_into is not None:
        return "merge_without_status"
    return None


def word_diff_html(before: str, after: str) -> str:
    """A readable diff, word by word, as escaped HTML: removed words in <del>, added ones in <ins>."""
    old, new = before.split(), after.split()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(' '.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(' '.join(new[j1:j2]))}</ins>")
    return " ".join(out)
