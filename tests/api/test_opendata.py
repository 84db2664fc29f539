"""National CSVs and the Frictionless datapackage.json that describes them."""

from __future__ import annotations

import csv
import io

from tests.builders import make_closed_call


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_datapackage_describes_each_national_csv_exactly(client, session, now):
    make_closed_call(session, now)
    package = client.get("/api/v1/datapackage.json").json
    assert package["profile"] == "tabular-data-package" and package["licenses"]
    names = {r["name"] for r in package["resources"]}
    assert {"calls", "results", "donation_aggregates"} <= names
    for resource in package["resources"]:
        assert resource["format"] == "csv" and resource["profile"] == "tabular-data-resource"
        rows = _csv(client, resource["path"].replace("http://localhost", ""))
        fields = resource["schema"]["fields"]
        assert rows[0] == [f["name"] for f in fields], resource["name"]
        assert set(resource["schema"]["primaryKey"]) <= set(rows[0])
        for row in rows[1:]:
            for value, field in zip(row, fields, strict=False):
                if field["type"] == "integer" and value != "":
                    int(value)
                if field["type"] == "boolean":
                    assert value in ("true", "false")


def test_national_results_list_every_project_of_published_calls(client, session, now):
    world = make_closed_call(session, now, proposals=5)
    rows = _csv(client, "/api/v1/national/results.csv")
    header, body = rows[0], rows[1:]
    selected = sorted(int(r[header.index("proposal_id")]) for r in body if r[header.index("selected")] == "true")
    assert selected == sorted(world.result.selected)
    calls = _csv(client, "/api/v1/national/calls.csv")
    assert calls[1][calls[0].index("phase")] == "results"
