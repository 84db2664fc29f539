"""Constituency search: what a person types ("Gironde 4", "4e circonscription de la Gironde",
"33-04", "st etienne", "Perpignan") to the constituencies it names. Pure: no database, no Flask.

The catalogue is a list of `Entry` (built once per process by constituencies.queries); `search`
returns the matches best first. Folding (`fold`) makes accents, case, hyphens, apostrophes and
"st"/"ste" indifferent; a query is read as, in order:
  1. a code: "33-04", "3304", "33 4", "2a-01", "971-02" (overseas INSEE codes are the Z-codes);
  2. a department (name, code or INSEE code) with or without a number or ordinal, in any order:
     "gironde 4", "gironde 4e", "4ème circonscription de la Gironde", "33", "Corse du Sud 1";
  3. communes: the exact name first (a commune split between constituencies, "Perpignan (en
     partie)", gives each of its constituencies, marked partial), then names starting with the
     words typed, then names holding them; with a number too, the number narrows the communes'
     constituencies only when it names one of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from constituencies.rules import INSEE_TO_MINISTRY  # overseas INSEE codes -> the platform's Z-codes

# Other names people use for a department (folded).
DEPARTMENT_ALIASES = {
    "reunion": "ZD",
    "corse": "",  # both Corsican departments: handled by name prefix below
    "saint martin": "ZX",
    "saint barthelemy": "ZX",
    "polynesie": "ZP",
    "caledonie": "ZN",
    "etranger": "ZZ",
    "francais de l etranger": "ZZ",
    "hors de france": "ZZ",
    "abroad": "ZZ",
}
ORDINAL_WORDS = {
    "premiere": 1,
    "premier": 1,
    "first": 1,
    "deuxieme": 2,
    "seconde": 2,
    "second": 2,
    "troisieme": 3,
    "third": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "sixieme": 6,
    "septieme": 7,
    "huitieme": 8,
    "neuvieme": 9,
    "dixieme": 10,
    "onzieme": 11,
    "douzieme": 12,
}
# Words that say "constituency" or glue a phrase together; dropped from the place name.
NOISE = {
    "circonscription",
    "circonscriptions",
    "circ",
    "circo",
    "constituency",
    "departement",
    "dept",
    "dep",
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
    "d",
    "en",
    "of",
    "the",
    "n",
    "no",
    "num",
    "numero",
    "partie",  # "Perpignan (en partie)", as the lists write split communes
}
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
ORDINAL_RE = re.compile(r"^(\d{1,2})(?:e|er|ere|re|eme|ieme|em|nd|nde|d|de|st|th|rd|o)?$")
CODE_RE = re.compile(r"^(\d{2,3}|2[ab]|z[a-z]) ?(\d{1,2})$")
PARTIAL_SUFFIX = "(en partie)"
MAX_QUERY_LENGTH = 100

# How a constituency matched, best first (the order of the results).
CODE, DEPARTMENT_NUMBER, DEPARTMENT, COMMUNE, DEPARTMENT_PREFIX, COMMUNE_PREFIX, COMMUNE_WORDS = range(7)
REASONS = {
    CODE: "code",
    DEPARTMENT_NUMBER: "department_number",
    DEPARTMENT: "department",
    COMMUNE: "commune",
    DEPARTMENT_PREFIX: "department",
    COMMUNE_PREFIX: "commune",
    COMMUNE_WORDS: "commune",
}


def key(text: str) -> str:
    """The words that tell names apart: folded, without articles and "circonscription" words."""
    return " ".join(word for word in fold(text).split() if word not in NOISE)


def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space; "St-Étienne" -> "saint etienne"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    words = re.sub(r"[^0-9a-z]+", " ", plain).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True)
class Commune:
    name: str  # as written, without "(en partie)"
    folded: str
    partial: bool


@dataclass(frozen=True)
class Entry:
    code: str
    department_code: str
    department_name: str
    number: int
    name: str
    communes: tuple[Commune, ...] = ()
    department_folded: str = field(default="", compare=False)


def entry(code: str, department_code: str, department_name: str, number: int, name: str, communes: str) -> Entry:
    """A catalogue entry from the constituency's columns (communes: "A, B (en partie) et C")."""
    return Entry(
        code=code,
        department_code=department_code,
        department_name=department_name,
        number=number,
        name=name,
        communes=tuple(_communes(communes)),
        department_folded=key(department_name),
    )


def _communes(text: str) -> list[Commune]:
    text = text.strip()
    if not text:
        return []
    # "A, B, C et D": split on commas, then the last piece on its last " et " (a name inside the list
    # may hold " et " itself: "Nivigne et Suran").
    names = text.split(", ")
    head, sep, last = names[-1].rpartition(" et ")
    if sep:
        names[-1:] = [head, last]
    result = []
    for raw in names:
        raw = raw.strip()
        if not raw:
            continue
        partial = raw.endswith(PARTIAL_SUFFIX)
        name = raw[: -len(PARTIAL_SUFFIX)].strip() if partial else raw
        result.append(Commune(name=name, folded=key(name), partial=partial))
    return result


@dataclass(frozen=True)
class Match:
    code: str
    rank: int  # CODE … COMMUNE_WORDS
    commune: str | None = None  # the commune that matched, as written
    partial: bool = False  # that commune is split between several constituencies

    @property
    def reason(self) -> str:
        return REASONS[self.rank]


@dataclass(frozen=True)
class Query:
    """A query read: an explicit code, a number (or ordinal) and the words naming a place."""

    code: str | None
    number: int | None
    place: str  # folded words without noise
    digits: str | None  # a lone number that may be a department code ("33", "2a", "971")


def read_query(text: str) -> Query:
    folded = fold(text[:MAX_QUERY_LENGTH])
    code = _code(folded)
    if code is not None:
        return Query(code=code, number=None, place="", digits=None)
    words = folded.split()
    number: int | None = None
    digits: str | None = None
    place_words: list[str] = []
    for word in words:
        ordinal = ORDINAL_RE.match(word)
        if word in ORDINAL_WORDS and number is None:
            number = ORDINAL_WORDS[word]
        elif ordinal and ordinal.group(0) != ordinal.group(1) and number is None:
            number = int(ordinal.group(1))  # "4e", "1re", "4eme"
        elif word.isdigit() or word in ("2a", "2b"):
            if digits is None and _department_code(word) is not None:
                digits = word
            elif number is None:
                number = int(word) if word.isdigit() else None
        elif word not in NOISE:
            place_words.append(word)
    if digits is not None and place_words and number is None:  # "Gironde 4": the number of a constituency
        number, digits = int(digits) if digits.isdigit() else None, None
    return Query(code=None, number=number, place=" ".join(place_words), digits=digits)


def _code(folded: str) -> str | None:
    """ "33-04", "33 4", "3304", "2a01", "971-02", "97102" as a constituency code, else None."""
    match = CODE_RE.match(folded)
    if match is None:
        return None
    department, number = match.group(1), match.group(2)
    if " " not in folded and len(department) == 3 and department not in INSEE_TO_MINISTRY:
        department, number = department[:2], department[2] + number  # "3304": 33 and 04
    code = _department_code(department)
    return f"{code}-{int(number):02d}" if code is not None and int(number) > 0 else None


def _department_code(raw: str) -> str | None:
    raw = raw.upper()
    if raw in ("2A", "2B") or (len(raw) == 2 and raw.startswith("Z")):
        return raw
    if raw in INSEE_TO_MINISTRY:
        return INSEE_TO_MINISTRY[raw]
    if raw.isdigit() and 1 <= int(raw) <= 95 and int(raw) != 20 and len(raw) <= 2:
        return f"{int(raw):02d}"
    return None


def search(catalogue: list[Entry], text: str) -> list[Match]:
    """The constituencies `text` names, best first (ties by code); [] for an empty query."""
    query = read_query(text)
    if query.code:
        return [Match(e.code, CODE) for e in catalogue if e.code == query.code]
    departments = _departments(catalogue, query)
    if departments is not None:
        codes, exact = departments
        chosen = [e for e in catalogue if e.department_code in codes]
        if query.number is not None:
            numbered = [Match(e.code, DEPARTMENT_NUMBER) for e in chosen if e.number == query.number]
            if numbered or exact:
                return numbered
        rank = DEPARTMENT if exact else DEPARTMENT_PREFIX
        found = {e.code: Match(e.code, rank) for e in chosen}
        if not exact and query.place:  # "loire" is a department and a prefix of others: communes too
            for m in _communes_matching(catalogue, query.place):
                found.setdefault(m.code, m)
        return _sorted(found.values(), catalogue)
    if not query.place:
        return []
    matches = _communes_matching(catalogue, query.place)
    if query.number is not None:
        by_code = {e.code: e for e in catalogue}
        narrowed = [m for m in matches if by_code[m.code].number == query.number]
        if narrowed:
            matches = narrowed
    return _sorted(matches, catalogue)


def _departments(catalogue: list[Entry], query: Query) -> tuple[set[str], bool] | None:
    """The departments the query names (codes, exactly named?) or None when it names none."""
    names = {e.department_code: e.department_folded for e in catalogue}
    if query.digits is not None and not query.place:
        code = _department_code(query.digits)
        return ({code}, True) if code in names else None
    if not query.place:
        return None
    place = query.place
    exact = {code for code, name in names.items() if name == place}
    alias = DEPARTMENT_ALIASES.get(place)
    if alias:
        exact.add(alias)
    if exact:
        return exact, True
    if len(place) >= 3:
        prefixed = {code for code, name in names.items() if name.startswith(place)}
        if place == "corse":
            return {"2A", "2B"}, True
        if prefixed:
            return prefixed, False
    return None


def _communes_matching(catalogue: list[Entry], place: str) -> list[Match]:
    if len(place) < 2:
        return []
    best: dict[str, Match] = {}
    padded = f" {place}"
    for e in catalogue:
        for commune in e.communes:
            if commune.folded == place:
                rank = COMMUNE
            elif commune.folded.startswith(place + " ") or (len(place) >= 3 and commune.folded.startswith(place)):
                rank = COMMUNE_PREFIX
            elif len(place) >= 3 and padded in f" {commune.folded}":
                rank = COMMUNE_WORDS
            else:
                continue
            current = best.get(e.code)
            if current is None or rank < current.rank:
                best[e.code] = Match(e.code, rank, commune.name, commune.partial)
    return list(best.values())


def _sorted(matches, catalogue: list[Entry]) -> list[Match]:
    order = {e.code: i for i, e in enumerate(catalogue)}
    return sorted(matches, key=lambda m: (m.rank, (m.commune or "").casefold(), order.get(m.code, 0)))
