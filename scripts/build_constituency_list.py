"""Derive data/constituencies.csv (the 577 constituencies) from ../shared/data.

Run once when the shared data changes: `python scripts/build_constituency_list.py`.
The output is a committed fact file; the platform never reads ../shared at run time
for the list, only for boundaries.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "data" / "constituencies.csv"
sys.path.insert(0, str(ROOT))
from participatory import csvfiles  # noqa: E402

# Department names as written by the Ministry of the Interior (with accents),
# keyed by the codes used in the shared files (overseas: Z-codes; abroad: ZZ).
DEPARTMENTS = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "ZA": "Guadeloupe",
    "ZB": "Martinique",
    "ZC": "Guyane",
    "ZD": "La Réunion",
    "ZM": "Mayotte",
    "ZN": "Nouvelle-Calédonie",
    "ZP": "Polynésie française",
    "ZS": "Saint-Pierre-et-Miquelon",
    "ZW": "Wallis-et-Futuna",
    "ZX": "Saint-Martin/Saint-Barthélemy",
    "ZZ": "Français établis hors de France",
}


def ordinal_fr(n: int) -> str:
    return "1re" if n == 1 else f"{n}e"


def main() -> int:
    voters: dict[tuple[str, int], int] = {}
    with open(SHARED / "elections" / "legislatives-2017-tour1-par-circonscription.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            voters[(row["departement"], int(row["circonscription"]))] = int(row["inscrits"])
    rows = []
    per_dept: dict[str, int] = defaultdict(int)
    with open(SHARED / "constituencies" / "circonscriptions-communes.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            dept, num = row["departement"], int(row["circonscription"])
            per_dept[dept] += 1
            rows.append(
                {
                    "code": f"{dept}-{num:02d}",
                    "department_code": dept,
                    "department_name": DEPARTMENTS[dept],
                    "number": num,
                    "name": f"{DEPARTMENTS[dept]} – {ordinal_fr(num)} circonscription",
                    "registered_voters": voters[(dept, num)],
                    "communes": " ".join(row["communes"].split()),
                }
            )
    if len(rows) != 577 or len({r["code"] for r in rows}) != 577:
        print(f"expected 577 distinct constituencies, got {len(rows)}", file=sys.stderr)
        return 1
    OUT.parent.mkdir(exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csvfiles.dict_writer(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} constituencies to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
