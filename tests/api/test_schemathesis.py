"""Property-based run of schemathesis over every operation of /api/v1/openapi.json.

The schema is loaded from the Flask app itself (WSGI, no server). Each operation gets a
bounded number of generated requests (valid and invalid inputs) against a database
holding a closed call, so the call and export operations answer 200 as well as 4xx.
Every response must be no 5xx and conform to the document: status code, content
type, headers and JSON body schema. Failures are collected per operation.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from participatory import clock
from participatory.extensions import db
from tests.builders import make_closed_call
from tests.crowdfunding.conftest import build_world

EXAMPLES_PER_OPERATION = 30


def test_api_conforms_to_its_openapi_document(app, now):
    # Seeded in its own app context, so that each request below gets a fresh session, as in production.
    with app.app_context():
        make_closed_call(db.session, now, proposals=4, voters=6)  # 33-04 has published results
        build_world(db.session, clock.now())  # an approved candidacy (donations summary)
        db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            # The WSGI test client does not inflate gzip as HTTP clients do: ask for the plain body.
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - reported with the operation's name
            failures[operation.label] = exc
    assert operations >= 10
    assert not failures, "\n\n".join(f"{label}:\n{exc}" for label, exc in failures.items())
