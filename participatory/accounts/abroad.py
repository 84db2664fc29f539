"""French residents abroad: country of residence -> constituency ZZ-01 … ZZ-11.

From the table annexed to the Code électoral (article L. 125, tableau n° 1 ter,
ordonnance n° 2009-936). The cities of each constituency's consulates are in
Constituency.communes; people know their country, so the form asks for it.
Country names come from the CLDR data shipped with Babel, in the page's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from babel import Locale

_BY_CONSTITUENCY = {
    1: "CA US",
    2: "AG AR BB BO BR BS BZ CL CO CR CU DM DO EC GD GT GY HN HT JM KN LC MX NI PA PE PY SR SV TT UY VC VE",
    3: "DK EE FI FO GB GG GL IE IM IS JE LT LV NO SE",
    4: "BE LU NL",
    5: "AD ES MC PT",
    6: "CH LI",
    7: "AL AT BA BG CZ DE HR HU MK ME PL RO RS SI SK XK",
    8: "CY GR IL IT MT PS SM TR VA",
    9: "BF CI CV DZ GM GN GW LR LY MA ML MR NE SL SN TN",
    10: "AE AO BH BI BJ BW CD CF CG CM DJ EG ER ET GA GH GQ IQ JO KE KM KW LB LS MG MU MW MZ NA NG OM QA RW SA "
    "SC SD SO SS ST SY SZ TD TG TZ UG YE ZA ZM ZW",
    11: "AF AM AU AZ BD BN BT BY CN FJ FM GE HK ID IN IR JP KG KH KI KP KR KZ LA LK MD MH MM MN MO MV MY NP NR NZ "
    "PG PH PK PW RU SB SG TH TJ TL TM TO TV TW UA UZ VN VU WS",
}
COUNTRY_TO_CONSTITUENCY: dict[str, str] = {
    country: f"ZZ-{number:02d}" for number, countries in _BY_CONSTITUENCY.items() for country in countries.split()
}


def constituency_for_country(country: str) -> str | None:
    return COUNTRY_TO_CONSTITUENCY.get((country or "").upper())


def country_name(country: str, locale: str) -> str:
    names = Locale.parse(locale).territories
    return names.get(country, "Kosovo" if country == "XK" else country)


def country_choices(locale: str) -> list[tuple[str, str]]:
    """(ISO code, name) for the select, sorted by name in the page's language."""
    return sorted_by_name(COUNTRY_TO_CONSTITUENCY, locale)


def sorted_by_name(codes: Iterable[str], locale: str) -> list[tuple[str, str]]:
    """(ISO code, name) of these countries, sorted by their name in `locale`."""
    items = [(code, country_name(code, locale)) for code in codes]
    return sorted(items, key=lambda item: _sort_key(item[1]))


def _sort_key(name: str) -> str:
    # "Égypte" sorts with the E's, not after "Zimbabwe".
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
