"""Demo content drawn from a seeded numpy generator: people, proposals, ballots, donations.

No database here: each builder returns plain values or row tuples that services.py
inserts. Everything random comes from the generator it is given, so one seed always
gives the same data (times are relative to the `now` of the run).
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from participatory.calls import rules as call_rules
from participatory.demo import vocabulary as words

DEMO_EMAIL_DOMAIN = "example.org"  # reserved for documentation (RFC 2606): never a real person's address
RECEIPT_ALPHABET = np.array(list(call_rules.RECEIPT_ALPHABET))


def pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))]


def ascii_slug(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in bare.lower() if ch.isalnum())


def hex_tokens(rng: np.random.Generator, count: int, nbytes: int) -> list[str]:
    raw = rng.bytes(count * nbytes).hex()
    width = 2 * nbytes
    return [raw[i * width : (i + 1) * width] for i in range(count)]


def receipt_hashes(rng: np.random.Generator, count: int) -> list[str]:
    """SHA-256 of random receipt codes, like real ballots; the codes themselves are thrown away."""
    codes = RECEIPT_ALPHABET[rng.integers(0, len(RECEIPT_ALPHABET), size=(count, call_rules.RECEIPT_LENGTH))]
    return [hashlib.sha256("".join(row).encode("ascii")).hexdigest() for row in codes.tolist()]


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str

    def email(self, tag: str) -> str:
        return f"{ascii_slug(self.first_name)}.{ascii_slug(self.last_name)}.{tag}@{DEMO_EMAIL_DOMAIN}"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name[0]}."

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def people(rng: np.random.Generator, count: int) -> list[Person]:
    firsts = rng.integers(len(words.FIRST_NAMES), size=count).tolist()
    lasts = rng.integers(len(words.LAST_NAMES), size=count).tolist()
    return [Person(words.FIRST_NAMES[f], words.LAST_NAMES[last]) for f, last in zip(firsts, lasts, strict=False)]


def user_rows(
    rng: np.random.Generator,
    ids: list[int],
    tag: str,
    constituency: str | None,
    created_from: datetime,
    created_to: datetime,
) -> list[tuple]:
    """Rows for USER_COLUMNS: confirmed email, declared residence, no password (demo accounts cannot sign in)."""
    count = len(ids)
    persons = people(rng, count)
    pseudonyms = hex_tokens(rng, count, 8)
    span = max((created_to - created_from).total_seconds(), 1.0)
    offsets = rng.uniform(0, span, size=count).tolist()
    rows = []
    for user_id, person, pseudonym, offset, n in zip(ids, persons, pseudonyms, offsets, range(count), strict=False):
        created = created_from + timedelta(seconds=offset)
        rows.append(
            (
                user_id,
                person.email(f"{tag}-{n}"),
                None,
                person.display_name,
                "u_" + pseudonym,
                created,
                created,
                constituency,
                created if constituency else None,
            )
        )
    return rows


USER_COLUMNS = (
    "id",
    "email",
    "password_hash",
    "display_name",
    "pseudonym",
    "created_at",
    "email_confirmed_at",
    "constituency_code",
    "residence_declared_at",
)


def communes_of(communes: str, department_name: str) -> list[str]:
    names = [c.strip() for c in (communes or "").replace(" et ", ", ").split(",") if c.strip()]
    return names or [department_name]


@dataclass
class ProposalDraft:
    title: str
    summary: str
    description: str
    category: str
    estimated_cost_cents: int
    created_at: datetime


def proposal_drafts(
    rng: np.random.Generator, count: int, budget_cents: int, communes: list[str], opened: datetime, until: datetime
) -> list[ProposalDraft]:
    drafts = []
    categories = list(words.PROJECTS)
    span = max((until - opened).total_seconds(), 60.0)
    for _ in range(count):
        category = pick(rng, categories)
        spec = words.PROJECTS[category]
        commune = pick(rng, communes)
        title = pick(rng, spec["actions"]).format(lieu=pick(rng, words.PLACES))
        low, high = spec["cost"]
        cost = min(int(rng.integers(low // 100, high // 100 + 1)) * 100 * 100, budget_cents)
        drafts.append(
            ProposalDraft(
                title=title[:120],
                summary=pick(rng, words.SUMMARIES).format(commune=commune, benefit=spec["benefit"])[:300],
                description=pick(rng, words.DESCRIPTIONS),
                category=category,
                estimated_cost_cents=cost,
                created_at=opened + timedelta(seconds=float(rng.uniform(0, span))),
            )
        )
    return drafts


def reviewed_cost(rng: np.random.Generator, estimated_cents: int, budget_cents: int) -> int:
    """The MP's final cost: the estimate give or take 10 %, to the hundred euros, within the budget."""
    cost = int(round(estimated_cents * float(rng.uniform(0.9, 1.1)) / 10_000)) * 10_000
    return max(10_000, min(cost, budget_cents))


def ballots(
    rng: np.random.Generator, costs: np.ndarray, budget_cents: int, voters: int, max_projects: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Each voter's chosen projects, as (voter index, project index) pairs.

    Projects have a popularity drawn once per call (a few favourites, a long tail);
    each voter wants k projects (1 to the maximum, 6 without one) drawn by popularity
    without replacement (Gumbel top-k), and keeps them in order while the total fits
    the budget: every ballot passes the call's ballot rules.
    """
    projects = len(costs)
    if voters == 0 or projects == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    popularity = rng.lognormal(mean=0.0, sigma=0.9, size=projects)
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(voters, projects))
    order = np.argsort(-keys, axis=1)
    total = np.cumsum(costs[order], axis=1)
    most = min(max_projects or 6, projects)
    wanted = rng.integers(1, most + 1, size=voters)
    keep = (total <= budget_cents) & (np.arange(projects)[None, :] < wanted[:, None])
    voter_index, rank = np.nonzero(keep)
    return voter_index, order[voter_index, rank]


def moments(rng: np.random.Generator, count: int, start: datetime, end: datetime) -> list[datetime]:
    span = max((end - start).total_seconds(), 1.0)
    return [start + timedelta(seconds=s) for s in rng.uniform(0, span, size=count).tolist()]


def refs(rng: np.random.Generator, count: int) -> list[str]:
    """Like secrets.token_urlsafe(16): 22 URL-safe characters."""
    raw = rng.bytes(16 * count)
    return [base64.urlsafe_b64encode(raw[i * 16 : (i + 1) * 16]).rstrip(b"=").decode() for i in range(count)]


def postal_code(rng: np.random.Generator, department_code: str) -> tuple[str, str]:
    """(postal code, country) of an invented donor address in or for the department."""
    if department_code == "ZZ":  # French residents abroad give as French nationals
        return f"{int(rng.integers(1000, 99999)):05d}", pick(rng, words.ABROAD_COUNTRIES)
    if department_code.startswith("Z"):
        return f"97{int(rng.integers(100, 999))}", "FR"
    prefix = "20" if department_code in ("2A", "2B") else department_code
    return f"{prefix}{int(rng.integers(0, 1000)):03d}", "FR"


def donation_amount(rng: np.random.Generator) -> int:
    """Mostly the preset amounts (10, 20, 50, 100 €), sometimes a free amount up to 500 €."""
    if rng.random() < 0.8:
        return int(pick(rng, [1000, 2000, 2000, 5000, 5000, 10000]))
    return int(rng.integers(5, 501)) * 100
