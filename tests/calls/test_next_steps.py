"""Every refusal says what to do next: a resident without a home is sent to declare it and back to the call;
after declaring, one lands on one's call; the MP is told the call is saved; the review shows the whole
proposal; the results page shows how each winning project is going."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from participatory import clock
from participatory.calls import rules
from participatory.calls.models import ImplementationUpdate, ProposalReport
from tests.calls import builders
from tests.calls.conftest import sign_in
from tests.permissions.routes_calls import _call_form


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("phase", "path", "constituency", "level", "message", "link"),
    [
        (
            rules.PROPOSALS,
            "proposer",
            None,
            "email",
            "déclarez d'abord votre lieu de résidence",
            "/compte/residence?next=",
        ),
        (rules.VOTING, "vote", None, "email", "déclarez d'abord votre lieu de résidence", "/compte/residence?next="),
        (rules.PROPOSALS, "proposer", "75-18", "letter", "Seuls les habitants", "/mon-appel"),
        (rules.VOTING, "vote", "33-04", "email", "niveau de vérification", "/compte/verification"),
    ],
)
def test_a_refused_resident_is_told_what_to_do_next(app, session, phase, path, constituency, level, message, link):
    now = clock.now()
    call = builders.call(session, now, phase)
    person = builders.user(session, now, constituency, level=level)
    session.commit()
    client = app.test_client()
    sign_in(client, person)
    response = client.get(f"/appels/{call.id}/{path}")
    page = _page(response)
    assert response.status_code == 403
    assert message in page and 'id="next-step-link"' in page and link in page
    if "next=" in link:  # and back to the call after
        assert f"next=/appels/{call.id}" in page


def test_declaring_a_home_leads_back_to_the_call_that_asked_or_to_ones_call(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.PROPOSALS, code="ZZ-03")
    person = builders.user(session, now, None, level="email")
    session.commit()
    client = app.test_client()
    sign_in(client, person)
    form = client.get(f"/compte/residence?next=/appels/{call.id}")
    assert f'action="/compte/residence?next=/appels/{call.id}"' in _page(form).replace("%2F", "/")
    response = client.post(f"/compte/residence?next=/appels/{call.id}", data={"mode": "abroad", "country": "GB"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/appels/{call.id}")
    # Without a page to go back to: one's constituency's call (never the postal-letter form).
    response = client.post("/compte/residence", data={"mode": "abroad", "country": "GB"})
    assert response.headers["Location"].endswith("/mon-appel")
    assert client.get("/mon-appel").headers["Location"].endswith(f"/appels/{call.id}")
    # Hostile "next" values go nowhere else than this site.
    response = client.post("/compte/residence?next=//evil.example", data={"mode": "abroad", "country": "GB"})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_ones_call_without_residence_or_without_call(app, session):
    now = clock.now()
    homeless = builders.user(session, now, None, level="email")
    elsewhere = builders.user(session, now, "ZZ-07")
    session.commit()
    client = app.test_client()
    sign_in(client, homeless)
    assert client.get("/mon-appel").headers["Location"].endswith("/compte/residence")
    sign_in(client, elsewhere)
    assert client.get("/mon-appel").headers["Location"].endswith("/circonscriptions/ZZ-07")


def test_the_call_page_links_to_the_letter_when_the_vote_asks_for_it(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.PROPOSALS, verification_level="letter")
    person = builders.user(session, now, "33-04", level="residence")
    session.commit()
    client = app.test_client()
    sign_in(client, person)
    page = _page(client.get(f"/appels/{call.id}"))
    assert 'id="participation-next"' in page and "/compte/verification" in page


def test_editing_a_call_says_it_is_saved(app, session):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.UPCOMING, year=2027)
    session.commit()

    class World:
        pass

    world = World()
    world.now = now
    client = app.test_client()
    sign_in(client, mp)
    response = client.post(f"/appels/{call.id}/modifier", data=_call_form(world, 2027, "Nouveau titre"))
    assert response.status_code == 302
    assert "Les paramètres de l'appel sont enregistrés." in _page(client.get(response.headers["Location"]))


def test_the_review_form_shows_the_whole_proposal(app, session):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.REVIEW)
    item = builders.proposal(session, now, call, feasible=None, lat=44.85, lon=-0.57)
    item.description = "Une description longue et précise"
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    page = _page(client.get(f"/propositions/{item.id}/examen"))
    assert "Une description longue et précise" in page
    assert "Environnement" in page and "10 000,00" in page and "latitude 44,85000" in page


def test_results_show_how_each_winning_project_is_going(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    winner = builders.proposal(session, now, call)
    voter = builders.user(session, now)
    from participatory.calls.services import ballots, results

    ballots.cast(session, voter, now, call.id, [winner.id])
    builders.move_to(session, call, rules.RESULTS, now)
    results.close_call(session, call.id, now)
    session.add(
        ImplementationUpdate(
            proposal_id=winner.id,
            status="in_progress",
            note="Travaux lancés",
            happened_on=date(2026, 3, 2),
            created_at=now,
        )
    )
    session.commit()
    page = _page(app.test_client().get(f"/appels/{call.id}/resultats"))
    assert f'data-status-for="{winner.id}"' in page and "En cours" in page and "Travaux lancés" in page
    assert ", 1 vote" in page and "1 votes" not in page


def test_the_mp_dashboard_shows_the_call_and_what_waits(app, session):
    now = clock.now()
    mp = builders.mp(session, now)
    builders.call(session, now, rules.RESULTS, year=2025)  # an older edition: not the one shown
    call = builders.call(session, now, rules.REVIEW, year=2026, title="Budget de la Gironde")
    waiting = builders.proposal(session, now, call, feasible=None, title="À examiner")
    reported = builders.proposal(session, now, call, title="Signalé")
    reporter = builders.user(session, now)
    session.add(ProposalReport(proposal_id=reported.id, reporter_id=reporter.id, reason="Spam", created_at=now))
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    assert 'href="/espace-depute"' in _page(client.get("/compte"))
    page = _page(client.get("/espace-depute"))
    assert "Budget de la Gironde" in page and "Examen des projets" in page
    assert "1 projet à examiner" in page and f"/propositions/{waiting.id}/examen" in page
    assert "1 projet signalé" in page and "0 courrier de vérification à envoyer" in page  # French: 0 is singular
    assert f"/appels/{call.id}/gestion" in page and "/gestion/courriers/33-04" in page


def test_proposals_are_browsed_with_filters_sorting_thumbnails_and_pages(app, session, uploads):
    now = clock.now()
    call = builders.call(session, now, rules.REVIEW)
    cheap = builders.proposal(session, now, call, cost=500_00, title="Zèbre peint", lat=44.84, lon=-0.58)
    dear = builders.proposal(session, now, call, cost=90_000_00, title="Abri vélo", feasible=None)
    builders.proposal(session, now, call, title="Retiré", withdrawn=True)
    builders.proposal(session, now, call, title="Masqué", hidden=True)
    dear.category = "mobility"
    cheap.image_name = "a" * 32 + ".jpg"
    for n in range(21):
        builders.proposal(session, now, call, cost=(n + 1) * 1_000_00, title=f"Lot {n:02d}")
    session.commit()
    client = app.test_client()

    def titles(query: str) -> list[str]:
        response = client.get(f"/appels/{call.id}/projets{query}")
        assert response.status_code == 200, query
        page = _page(response)
        return [t for t in re.findall(r'class="fw-semibold" href="/propositions/\d+">([^<]+)<', page)]

    assert titles("?categorie=mobility") == ["Abri vélo"]
    assert titles("?statut=pending") == ["Abri vélo"]
    assert titles("?tri=cost")[0] == "Zèbre peint" and titles("?tri=cost_desc")[0] == "Abri vélo"
    assert titles("?tri=title")[0] == "Abri vélo" and len(titles("?tri=title")) == 20
    assert len(titles("?tri=title&page=2")) == 3 and "Retiré" not in titles("?page=2") + titles("")
    assert "Masqué" not in titles("?page=2") + titles("")
    page = _page(client.get(f"/appels/{call.id}/projets?categorie=environment&tri=cost"))
    assert f'src="/propositions/{cheap.id}/image"' in page and 'id="proposals-map"' in page
    assert 'aria-label="Pages de la liste"' in page and "categorie=environment" in page  # pages keep the filters
    # Bad parameters: ignored and said, never an error page.
    response = client.get(f"/appels/{call.id}/projets?tri=evil&page=-1&categorie=sport")
    assert response.status_code == 400
    assert "ne sont pas valides" in _page(response) and "tri, page" in _page(response)
    assert client.get(f"/appels/{call.id}/projets?statut=%00").status_code == 400  # the app's input guard
    assert client.get("/appels/999999/projets").status_code == 404
