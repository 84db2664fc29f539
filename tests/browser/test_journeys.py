"""The main journeys in a real browser, with axe-core on every page they cross.

One long journey follows a call from creation to exports, because each step needs the
state the previous one left (the suite empties the tables after each test):
the MP creates the call; a resident registers, confirms their email from the outbox,
sets their home on the map and proposes a project; the MP reviews; the resident votes
with the budget bar and changes the ballot; the call closes (the first request after
the close date computes the results) and the results page shows the winners; an auditor
downloads the call's exports. Phases move by shifting the call's dates in the database
between steps, as time would.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.models import User
from participatory.accounts.rules import AUDITOR, MP
from participatory.calls.models import Ballot, Call, Proposal
from participatory.calls.services import ballots as ballot_services
from participatory.calls.services import proposals as proposal_services
from participatory.extensions import db
from participatory.mail import read_outbox
from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.browser.steps import LANDED_ON_ONES_CALL, sign_in, spaced
from tests.conftest import requires_shared

pytestmark = [pytest.mark.browser, requires_shared]

CODE = "33-02"  # Gironde, 2nd constituency: part of Bordeaux
PARIS = ZoneInfo("Europe/Paris")
DAY = timedelta(days=1)


@pytest.fixture
def open_page(browser, request):
    """More signed-in people beside `page`: a fresh context each, screenshots kept on failure."""
    contexts = []

    def new(name: str):
        context = browser.new_context(locale="fr-FR", accept_downloads=True)
        contexts.append((name, context))
        return context.new_page()

    yield new
    failed = getattr(request.node, "rep_call", None)
    for name, context in contexts:
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):  # the page may be gone; the test's own failure is what matters
                context.pages[0].screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)
        context.close()


def paris_minutes(moment: datetime) -> str:
    """A UTC moment as typed in a datetime-local field (Paris time)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def shift_call(app, call_id: int, **offsets: timedelta) -> None:
    """Move the call's dates relative to now: what the passing of time would do between two steps."""
    now = clock.now()
    with app.app_context():
        db.session.execute(update(Call).where(Call.id == call_id).values({k: now + v for k, v in offsets.items()}))
        db.session.commit()
        db.session.remove()


def test_a_call_from_creation_to_the_auditors_exports(app, live_server, page, open_page):
    base = live_server.url
    with app.app_context():
        make_account("depute@example.org", roles=((MP, CODE),))
        make_account("auditrice@example.org", roles=((AUDITOR, None),))
        neighbour = make_account("voisin@example.org", constituency=CODE)

    # 1. The MP creates the call on the constituency page, proposals open since an hour ago.
    mp = open_page("mp")
    sign_in(mp, base, "depute@example.org", check=True)
    mp.goto(f"{base}/circonscriptions/{CODE}")
    assert_accessible(mp, label="constituency page (MP)")
    mp.get_by_role("link", name="Créer un appel à projets").click()
    mp.wait_for_url("**/appel/nouveau")
    assert_accessible(mp, label="call form")
    now = clock.now()
    mp.get_by_label("Titre").fill("Budget participatif de Bordeaux-Centre")
    mp.get_by_label("Description", exact=True).fill("Des projets pour le quartier, choisis par ses habitants.")
    mp.get_by_label("Budget (€)").fill("100000")
    mp.get_by_label("Ouverture du dépôt des projets").fill(paris_minutes(now - timedelta(hours=1)))
    mp.get_by_label("Début de l'examen des projets").fill(paris_minutes(now + DAY))
    mp.get_by_label("Ouverture du vote").fill(paris_minutes(now + 2 * DAY))
    # A vote lasts at least a week (VOTING_MIN_DAYS); later steps move the dates in the database.
    mp.get_by_label("Clôture du vote et résultats").fill(paris_minutes(now + 9 * DAY))
    mp.get_by_label("Règle de dépouillement").select_option("greedy")
    mp.get_by_role("button", name="Enregistrer").click()
    mp.wait_for_url(re.compile(r".*/appels/\d+$"))
    call_id = int(mp.url.rsplit("/", 1)[1])
    assert "Dépôt des projets" in mp.content()
    assert_accessible(mp, label="call page (MP)")

    # 2. A resident registers and confirms their email from the outbox.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.wait_for_url("**/compte/inscription")
    assert_accessible(page, label="registration")
    page.get_by_label("Adresse électronique").fill("camille@example.org")
    page.get_by_label("Nom affiché publiquement").fill("Camille")
    page.get_by_label("Mot de passe (12 caractères au moins)").fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/connexion")
    messages = [m for m in read_outbox(Path(app.config["OUTBOX_DIR"])) if m["To"] == "camille@example.org"]
    assert len(messages) == 1
    link = re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", messages[0].get_content())
    assert link, messages[0].get_content()
    page.goto(base + link.group(1))
    assert "Votre adresse électronique est confirmée." in page.content()
    sign_in(page, base, "camille@example.org")

    # 3. ... sets their home: finds the constituency in the list, then clicks the map there.
    page.goto(f"{base}/compte/residence")
    page.wait_for_selector("#residence-map[data-ready='yes']")
    assert_accessible(page, label="residence page")
    page.get_by_label("Sans la carte : cherchez votre circonscription").fill("bordeaux")
    page.get_by_role("button", name="Gironde – 2e circonscription").click()  # the map zooms there
    status = page.locator("#point-status")
    status.filter(has_text="Gironde – 2e circonscription").wait_for()
    from_list = page.locator("#lat").input_value()
    box = page.locator("#residence-map").bounding_box()
    with page.expect_response(lambda response: "/constituencies/lookup" in response.url):
        # A few pixels off the middle of the zoomed map (about 100 m): still inside the constituency.
        page.locator("#residence-map").click(position={"x": box["width"] / 2 + 8, "y": box["height"] / 2 + 8})
    assert page.locator("#lat").input_value() != from_list  # the click moved the point
    status.filter(has_text="Ce point est dans : Gironde – 2e circonscription").wait_for()
    page.get_by_role("button", name="Enregistrer ce point").click()
    page.wait_for_url(LANDED_ON_ONES_CALL)  # after declaring a home: one's call (or constituency)
    assert "Votre résidence est enregistrée : Gironde – 2e circonscription" in page.content()
    assert_accessible(page, label="verification page")

    # 4. ... and proposes a project, placed by a click in the constituency on the proposal map.
    page.goto(f"{base}/circonscriptions/{CODE}")
    assert_accessible(page, label="constituency page")
    page.get_by_role("link", name="Budget participatif de Bordeaux-Centre").click()
    page.get_by_role("link", name="Proposer un projet").click()
    page.wait_for_selector("#proposal-map[data-ready='yes']")
    assert_accessible(page, label="proposal form")
    page.get_by_label("Titre").fill("Un jardin partagé place Pey-Berland")
    page.get_by_label("Résumé").fill("Des bacs potagers ouverts à tous.")
    page.get_by_label("Description").fill("Douze bacs, un récupérateur d'eau de pluie et des ateliers.")
    page.get_by_label("Catégorie").select_option("environment")
    page.get_by_label("Coût estimé (€)").fill("40000")
    page.locator("#proposal-map").click()
    assert page.locator("#lat").input_value() and page.locator("#lon").input_value()
    page.get_by_role("button", name="Déposer le projet").click()
    page.wait_for_url(re.compile(r".*/propositions/\d+$"))
    assert "Votre projet est déposé." in page.content()
    assert_accessible(page, label="proposal page")

    # Two more projects from a neighbour (straight through the services: their browser adds nothing).
    with app.app_context():
        call = db.session.get(Call, call_id)
        author = db.session.get(User, neighbour.id)
        inside = db.session.get(Constituency, CODE)  # its label point lies inside the shape
        for title, cost in (("Des arceaux à vélos", 30_000_00), ("Une fresque rue Sainte-Catherine", 50_000_00)):
            proposal_services.submit(
                db.session,
                author,
                clock.now(),
                call,
                proposal_services.ProposalInput(
                    title=title,
                    summary="Pour le quartier.",
                    description="Détails du projet.",
                    category="mobility",
                    estimated_cost_cents=cost,
                    lat=inside.label_lat,
                    lon=inside.label_lon,
                ),
            )
        db.session.commit()
        db.session.remove()

    # 5. Review opens; the MP marks the three projects feasible with their final cost.
    shift_call(
        app,
        call_id,
        proposals_open_at=-2 * DAY,
        review_open_at=-timedelta(minutes=1),
        voting_open_at=DAY,
        voting_close_at=2 * DAY,
    )
    mp.goto(f"{base}/appels/{call_id}/gestion")
    assert_accessible(mp, label="review dashboard")
    for index in range(3):
        mp.get_by_role("link", name="Examiner").nth(index).click()
        if index == 0:
            assert_accessible(mp, label="review form")
        mp.get_by_label("Réalisable", exact=True).check()
        mp.get_by_role("button", name="Enregistrer l'examen").click()
        mp.wait_for_url(f"**/appels/{call_id}/gestion")
    assert mp.locator("#manage-table .badge").all_inner_texts() == ["Réalisable"] * 3
    author_mail = [m for m in read_outbox(Path(app.config["OUTBOX_DIR"])) if m["To"] == "camille@example.org"]
    assert len(author_mail) == 2  # the confirmation, then the review notice

    # 6. Voting opens; the resident fills the ballot and watches the budget bar.
    shift_call(
        app,
        call_id,
        proposals_open_at=-3 * DAY,
        review_open_at=-2 * DAY,
        voting_open_at=-timedelta(minutes=1),
        voting_close_at=DAY,
    )
    page.goto(f"{base}/appels/{call_id}")
    assert_accessible(page, label="call page (voting)")
    page.get_by_role("link", name="Voter").click()
    page.wait_for_url(f"**/appels/{call_id}/vote")
    assert_accessible(page, label="ballot page")
    used = page.locator("#budget-used")
    page.get_by_label(re.compile("Un jardin partagé")).check()
    assert spaced(used) == "40 000,00 €"
    page.get_by_label(re.compile("Une fresque")).check()
    assert spaced(used) == "90 000,00 €"
    page.get_by_label(re.compile("Des arceaux")).check()  # 120,000 € > 100,000 €
    assert page.locator("#ballot-status").inner_text() == "Le total dépasse le budget."
    page.get_by_label(re.compile("Des arceaux")).uncheck()
    assert page.locator("#ballot-status").inner_text() == "Votre bulletin est valide."
    page.get_by_role("button", name="Enregistrer mon bulletin").click()
    page.locator("text=Votre code de reçu").first.wait_for()
    assert_accessible(page, label="receipt issued")

    # ... then changes it: the bicycle racks instead of the mural.
    page.goto(f"{base}/appels/{call_id}/vote")
    assert page.locator("#has-ballot").is_visible()
    page.get_by_label(re.compile("Une fresque")).uncheck()
    page.get_by_label(re.compile("Des arceaux")).check()
    assert spaced(used) == "70 000,00 €"
    page.get_by_role("button", name="Modifier mon bulletin").click()
    page.locator("text=Votre code de reçu").first.wait_for()
    with app.app_context():
        ballots = db.session.scalars(select(Ballot).where(Ballot.call_id == call_id)).all()
        titles = {p.id: p.title for p in db.session.scalars(select(Proposal).where(Proposal.call_id == call_id))}
        assert [sorted(titles[item.proposal_id] for item in b.items) for b in ballots] == [
            ["Des arceaux à vélos", "Un jardin partagé place Pey-Berland"]
        ]
        # The neighbour votes too (services: their ballot page is the one above).
        voter = db.session.get(User, neighbour.id)
        ballot_services.cast(
            db.session, voter, clock.now(), call_id, [i for i, t in titles.items() if t != "Des arceaux à vélos"]
        )
        db.session.commit()
        db.session.remove()

    # 7. The vote closes; the first visit to the results page computes and publishes them.
    shift_call(
        app,
        call_id,
        proposals_open_at=-4 * DAY,
        review_open_at=-3 * DAY,
        voting_open_at=-2 * DAY,
        voting_close_at=-timedelta(seconds=1),
    )
    page.goto(f"{base}/appels/{call_id}/resultats")
    winners = page.locator("#winners li")
    # Greedy: the garden (2 votes, 40 k€); the racks and the mural tie at 1 vote, the racks were
    # submitted first and fit (70 k€); the mural no longer does (120 k€ > 100 k€).
    assert [w.split(" — ")[0] for w in winners.all_inner_texts()] == [
        "Un jardin partagé place Pey-Berland",
        "Des arceaux à vélos",
    ]
    assert_accessible(page, label="results page")
    page.goto(f"{base}/appels")
    assert_accessible(page, label="calls list")

    # 8. An auditor downloads the call's exports from the auditor pages.
    auditor = open_page("auditor")
    sign_in(auditor, base, "auditrice@example.org")
    auditor.goto(f"{base}/audit/")
    assert_accessible(auditor, label="audit log")
    auditor.get_by_role("link", name="Exports des appels").click()
    auditor.wait_for_url("**/audit/appels")
    assert_accessible(auditor, label="audit call exports")
    with auditor.expect_download() as pb:
        auditor.get_by_role("link", name="ballots.pb").click()
    ballots_pb = pb.value.path().read_text(encoding="utf-8")
    assert ballots_pb.startswith("META") and "receipt_hash" not in ballots_pb  # receipts prove inclusion only
    with auditor.expect_download() as receipts:
        auditor.get_by_role("link", name="receipts.txt").click()
    hashes = receipts.value.path().read_text(encoding="ascii").splitlines()
    assert hashes == sorted(hashes) and len(hashes) == int(ballots_pb.split("num_votes;", 1)[1].split("\n", 1)[0])
    with auditor.expect_download() as manifest:
        auditor.get_by_role("link", name="manifest.json").click()
    data = json.loads(manifest.value.path().read_text(encoding="utf-8"))
    assert data["rule"] == "greedy" and "ballots.pb" in json.dumps(data)
    auditor.goto(f"{base}/audit/registres")
    assert_accessible(auditor, label="audit ledgers")
