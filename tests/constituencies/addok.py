"""A real addok (the national address base's geocoder) for the tests, on a small fixture of addresses.

`addok_url` (session fixture, imported by the conftests that need it) loads tests/fixtures/addresses.ndjson
into a redis-server of its own (tests/servers.py: the SQLite and PostgreSQL passes run side by side), with
`addok batch` and `addok ngrams`, then serves it with `addok serve` on a free loopback port, and yields the
/search/ URL to put in GEOCODER_URL. addok lives in .venv-addok (`make setup`; it pins its own redis).
Skipped, with the reason, when that virtualenv or redis-server is absent.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import REDIS_SERVER, OwnRedis, free_port

ROOT = Path(__file__).resolve().parents[2]
ADDOK = ROOT / ".venv-addok" / "bin" / "addok"
FIXTURE = ROOT / "tests" / "fixtures" / "addresses.ndjson"
ADDOK_REDIS_DBS = (0, 1)  # indexes, documents

SETTINGS = """
REDIS = {{"host": "127.0.0.1", "port": {port}, "indexes": {{"db": {indexes}}}, "documents": {{"db": {documents}}}}}
LOG_DIR = {log_dir!r}
BATCH_WORKERS = 1
# addok-france and addok-fr, as the national service configures them.
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
    "addok.helpers.results.adjust_scores",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
"""


def _addok(settings: Path, *args: str, timeout: float = 120) -> None:
    env = {**os.environ, "ADDOK_CONFIG_MODULE": str(settings)}
    subprocess.run([str(ADDOK), *args], check=True, env=env, capture_output=True, timeout=timeout, cwd=settings.parent)


@pytest.fixture(scope="session")
def addok_url(tmp_path_factory):
    if not ADDOK.exists():
        pytest.skip("addok is not installed (.venv-addok: `make setup` builds it from requirements-addok.lock)")
    if REDIS_SERVER is None:
        pytest.skip("no redis-server binary (addok keeps its index in Redis)")
    folder = tmp_path_factory.mktemp("addok")
    redis = OwnRedis(folder)
    redis.start()
    settings = folder / "addok_settings.py"
    indexes, documents = ADDOK_REDIS_DBS
    settings.write_text(
        SETTINGS.format(port=redis.port, indexes=indexes, documents=documents, log_dir=str(folder)), encoding="utf-8"
    )
    _addok(settings, "reset", "--force")
    _addok(settings, "batch", str(FIXTURE))
    _addok(settings, "ngrams")
    port = free_port()
    env = {**os.environ, "ADDOK_CONFIG_MODULE": str(settings)}
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(ADDOK), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log, cwd=folder
    )
    url = f"http://127.0.0.1:{port}/search/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "?q=perpignan", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("addok serve did not start: " + (folder / "serve.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        redis.kill()
