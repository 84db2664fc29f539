"""Issue 7 routes: the auditors' pages (audit.read) and the open-data API (everyone)."""

from participatory.audit.services import checkpoint_list
from tests.builders import make_closed_call
from tests.permissions.framework import ROLES, Case, everyone

EXPORT_CODE = "2A-01"  # not HERE/OTHER, so the calls domain's own fixtures keep their constituencies


def build(world):
    world.ids["export_call"] = make_closed_call(world.session, world.now, EXPORT_CODE, proposals=3, voters=4).call.id
    world.ids["checkpoint_seq"] = checkpoint_list(world.session, newest_first=True, limit=1)[0].seq  # its publication's


def auditors_only() -> dict[str, int]:
    expect = dict.fromkeys(ROLES, 403)
    expect.update(anonymous=302, auditor=200, admin=200)
    return expect


CASES = [
    Case("audit.log", "GET", "/audit/", auditors_only()),
    Case("audit.log_export", "GET", "/audit/journal.jsonl", auditors_only()),
    Case("audit.calls", "GET", "/audit/appels", auditors_only()),
    Case("audit.ledgers", "GET", "/audit/registres", auditors_only()),
    # How to check a call's results: the recipe, open to anyone; none before the results.
    Case("audit.verify_call", "GET", lambda w: f"/audit/appels/{w.ids['export_call']}/verifier", everyone(200)),
    Case("audit.verify_call", "GET", "/audit/appels/999999/verifier", everyone(404)),
    Case("api.call_export", "GET", f"/api/v1/calls/{EXPORT_CODE}/exports/manifest.json", everyone(200)),
    Case("api.call_export", "GET", f"/api/v1/calls/{EXPORT_CODE}/exports/explanations.json", everyone(200)),
    Case("api.call_export", "GET", f"/api/v1/calls/{EXPORT_CODE}/exports/report.pdf", everyone(200)),
    Case("api.call_results_pb", "GET", f"/api/v1/calls/{EXPORT_CODE}/results.pb", everyone(200)),
    Case("api.call_receipts", "GET", f"/api/v1/calls/{EXPORT_CODE}/receipts.txt", everyone(200)),
    Case("api.national_calls_csv", "GET", "/api/v1/national/calls.csv", everyone(200)),
    Case("api.national_results_csv", "GET", "/api/v1/national/results.csv", everyone(200)),
    Case("api.datapackage_json", "GET", "/api/v1/datapackage.json", everyone(200)),
    Case("api.openapi", "GET", "/api/v1/openapi.json", everyone(200)),
    Case("api.audit_checkpoints", "GET", "/api/v1/audit/checkpoints", everyone(200)),
    Case(
        "api.audit_checkpoint",
        "GET",
        lambda world: f"/api/v1/audit/checkpoints/{world.ids['checkpoint_seq']}.json",
        everyone(200),
    ),
    Case("api.audit_public_key", "GET", "/api/v1/audit/public-key", everyone(200)),
]
