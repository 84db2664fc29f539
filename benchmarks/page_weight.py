"""What a phone on a slow connection downloads, and when it first sees something.

Builds the app on a fresh SQLite file under a temporary folder (the 577 constituencies, the shared
2012 boundaries, a small demo with published results, one resident), serves it on 127.0.0.1 with
werkzeug, then opens each page in Debian's Chromium (Playwright) with a cold cache (a new browser
context per page), Fast 3G (562.5 ms latency, 1.6 Mbit/s down, 750 kbit/s up, at 90 % as Lighthouse
applies it) and 4x CPU slowdown through the DevTools protocol (the server warm: one load first).
For each page: bytes transferred (what came over the wire, compressed, headers included) until
the load event and the network is idle, and the first contentful paint. Prints a table against the goals:

    home ≤ 350 KB and first paint ≤ 1.5 s; results page ≤ 250 KB; residence page (informative)

Usage::

    .venv/bin/python benchmarks/page_weight.py [--runs 1]

Tiles and the geocoder are off (offline, as in the tests): a real deployment adds the tiles in view.
Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(os.environ.get("PAGE_WEIGHT_ROOT", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(ROOT))

SHARED_GEOJSON = (
    ROOT.parent / "shared" / "data" / "constituencies" / "france-circonscriptions-legislatives-2012.geojson"
)
if not SHARED_GEOJSON.is_file():
    SHARED_GEOJSON = Path("/work/shared/data/constituencies/france-circonscriptions-legislatives-2012.geojson")
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "page-weight-benchmark-1"
# Lighthouse's "Fast 3G" (DevTools throttling): 150 ms RTT x 3.75, 1.6 Mbit/s and 750 kbit/s x 0.9.
LATENCY_MS = 562.5
DOWN_BYTES_PER_S = 1.6 * 1024 * 1024 / 8 * 0.9
UP_BYTES_PER_S = 750 * 1024 / 8 * 0.9
CPU_SLOWDOWN = 4
GOALS = {"home": (350, 1500), "results": (250, None), "residence": (None, None)}


def build_app(folder: Path):
    from participatory import clock, create_app
    from participatory.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "OUTBOX_DIR": str(folder / "outbox"),
            "UPLOAD_DIR": str(folder / "uploads"),
            "RATELIMIT_ENABLED": False,
            "MAP_TILE_URL": "",
            "GEOCODER_URL": "",
            "JOBS_INLINE": True,
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import select

        from constituencies.services import import_boundaries, sync_catalogue
        from participatory.calls.models import Call, CallResult
        from participatory.demo.services import SeedOptions, seed

        upgrade(revision="head")
        sync_catalogue(db.session)
        import_boundaries(db.session, SHARED_GEOJSON.read_bytes(), str(SHARED_GEOJSON), clock.now())
        db.session.commit()
        seed(db.session, clock.now(), SeedOptions(calls=5, voters_per_call=30, seed=3))
        db.session.commit()
        results_id = db.session.scalars(select(Call.id).join(CallResult)).first()
        _resident(db.session, clock.now())
        db.session.commit()
    return app, results_id


def _resident(session, now) -> None:
    from tests.accounts.conftest import password_hash
    from tests.builders import make_user

    make_user(
        session,
        now,
        "resident",
        "33-02",
        home=(44.84, -0.58),
        email="resident@example.org",
        password_hash=password_hash(PASSWORD),
    )


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def measure(browser, url: str, storage_state=None) -> tuple[float, float]:
    """Kilobytes transferred and first contentful paint (ms) of one cold load of `url`."""
    context = browser.new_context(locale="fr-FR", storage_state=storage_state, viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": DOWN_BYTES_PER_S,
            "uploadThroughput": UP_BYTES_PER_S,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    transferred: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    fcp = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime")
    context.close()
    return sum(transferred.values()) / 1024, float(fcp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="cold loads per page (the median is printed)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app, results_id = build_app(Path(tmp))
        server, base = serve(app)
        pages = {"home": "/", "results": f"/appels/{results_id}/resultats", "residence": "/compte/residence"}
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            signin = browser.new_context()
            tab = signin.new_page()
            tab.goto(base + "/compte/connexion")
            tab.get_by_label("Adresse électronique").fill("resident@example.org")
            tab.get_by_label("Mot de passe").fill(PASSWORD)
            tab.get_by_role("button", name="Se connecter").click()
            tab.wait_for_url(lambda url: "/compte/connexion" not in url)
            state = signin.storage_state()
            signin.close()
            for name, path in pages.items():
                # The server warm (its page cache filled, as for any visitor after the first), the browser cold.
                warm = browser.new_context(storage_state=state if name == "residence" else None)
                warm.new_page().goto(base + path)
                warm.close()
                runs = [measure(browser, base + path, state if name == "residence" else None) for _ in range(args.runs)]
                kb = statistics.median(r[0] for r in runs)
                fcp = statistics.median(r[1] for r in runs)
                rows.append((name, path, kb, fcp))
            browser.close()
        server.shutdown()
    print(f"Fast 3G ({LATENCY_MS} ms, {DOWN_BYTES_PER_S * 8 / 1e6:.2f} Mbit/s down), CPU x{CPU_SLOWDOWN}, cold cache")
    print(f"{'page':<10} {'path':<26} {'KB':>8} {'FCP ms':>8}  goal")
    for name, path, kb, fcp in rows:
        kb_goal, fcp_goal = GOALS[name]
        verdicts = []
        if kb_goal:
            verdicts.append(f"{'yes' if kb <= kb_goal else 'NO'} (≤ {kb_goal} KB)")
        if fcp_goal:
            verdicts.append(f"{'yes' if fcp <= fcp_goal else 'NO'} (FCP ≤ {fcp_goal / 1000:.1f} s)")
        print(f"{name:<10} {path:<26} {kb:8.0f} {fcp:8.0f}  {', '.join(verdicts) or '(informative)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
