"""Stripe Connect onboarding against the fake Connect server (tests/crowdfunding/fake_connect.py): the
account created, the Account Link followed back to our return_url, `account.updated` opening and
closing donations, foreign, badly signed, malformed and stale events."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from sqlalchemy import func, select

from participatory import clock
from participatory.audit.models import AuditEvent
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import MESSAGES
from participatory.crowdfunding.models import Candidacy, ConnectAccount, StripeEvent
from participatory.crowdfunding.services.donations import start_donation
from tests.browser.conftest import free_port
from tests.crowdfunding.conftest import FORM, donor, make_candidacy, make_user, reload, sign_in
from tests.crowdfunding.fake_connect import CONNECT_WEBHOOK_SECRET, SECRET_KEY, FakeConnect, signed_headers
from tests.crowdfunding.localstripe import WEBHOOK_SECRET, intent_event

RULES = [  # charges, payouts, card, submitted, due, disabled_reason -> state
    ((True, True, "active", True, False, None), rules.ACCOUNT_READY),
    ((True, True, "active", True, True, None), rules.ACCOUNT_READY),  # due later: still open, update offered
    ((False, False, "inactive", False, True, "requirements.past_due"), rules.ACCOUNT_ONBOARDING),
    ((False, False, "pending", True, False, "requirements.pending_verification"), rules.ACCOUNT_REVIEW),
    ((False, False, "inactive", True, True, "requirements.past_due"), rules.ACCOUNT_MORE_INFO),
    ((False, False, None, True, False, None), rules.ACCOUNT_MORE_INFO),  # submitted, capability missing
    ((True, False, "active", True, False, None), rules.ACCOUNT_REVIEW),  # payouts not yet enabled
    ((True, True, "inactive", True, False, None), rules.ACCOUNT_MORE_INFO),  # charges without card payments
    ((False, False, "inactive", True, False, "rejected.fraud"), rules.ACCOUNT_DISABLED),
    ((False, False, "inactive", False, True, "rejected.other"), rules.ACCOUNT_DISABLED),
    ((False, False, "inactive", True, False, "platform_paused"), rules.ACCOUNT_DISABLED),
    ((False, False, "pending", True, False, "under_review"), rules.ACCOUNT_REVIEW),
]


@pytest.mark.parametrize(("flags", "state"), RULES)
def test_account_state(flags, state):
    assert rules.account_state(rules.AccountFlags(*flags)) == state


@pytest.mark.parametrize(
    ("state", "due", "link"),
    [
        (rules.ACCOUNT_NONE, False, "account_onboarding"),
        (rules.ACCOUNT_ONBOARDING, True, "account_onboarding"),
        (rules.ACCOUNT_MORE_INFO, True, "account_update"),
        (rules.ACCOUNT_READY, True, "account_update"),
        (rules.ACCOUNT_READY, False, None),
        (rules.ACCOUNT_REVIEW, False, None),
        (rules.ACCOUNT_DISABLED, False, None),
    ],
)
def test_account_link_type(state, due, link):
    assert rules.account_link_type(state, due) == link


def test_donors_read_why_in_english_too(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        said = {code: str(MESSAGES[code]) for code in set(rules.DONOR_REASONS.values()) - {None}}
    assert "being opened with Stripe" in said["account_not_ready"]
    assert "waiting for information" in said["account_needs_information"]
    assert "disabled payments" in said["account_disabled"]


def test_only_a_ready_account_lets_donors_give():
    assert [s for s, reason in rules.DONOR_REASONS.items() if reason is None] == [rules.ACCOUNT_READY]


# --- The fake server and the live app --------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_connect_server():
    server = FakeConnect(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def connect(app, fake_connect_server, payments_live_server, monkeypatch):
    for key, value in fake_connect_server.config().items():
        monkeypatch.setitem(app.config, key, value)
    fake_connect_server.register_webhook(f"{payments_live_server.url}/stripe/connect/webhook")
    fake_connect_server.state.idempotent.clear()  # the database starts anew in each test, ids with it
    return fake_connect_server


@pytest.fixture
def fresh(session, world):
    """An approved campaign without a payment account, its mandataire signed in."""
    candidate = make_user(session, world.now, "fresh-candidate", "candidate")
    agent = make_user(session, world.now, "fresh-agent", "financial_agent")
    candidacy = make_candidacy(session, world.now, world.election, candidate, agent, code="2A-01", account=None)
    session.commit()
    return candidacy, agent, candidate


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def _audit(session, action: str, candidacy_id: int) -> list[AuditEvent]:
    session.rollback()
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == str(candidacy_id))
        .order_by(AuditEvent.seq)
    ).all()


def _row(session, candidacy_id: int) -> ConnectAccount:
    session.rollback()
    return session.scalar(select(ConnectAccount).where(ConnectAccount.candidacy_id == candidacy_id))


def _follow(url: str) -> str:
    """Follow a URL on the fake once, without following its redirect: where it sends the browser."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=15)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        return answer.headers["Location"]
    raise AssertionError("no redirect")


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def onboard(app, session, connect, candidacy, agent) -> str:
    """The mandataire opens the account, goes through Stripe's onboarding and comes back; the account id."""
    client = _client(app, agent)
    started = client.post(f"/mandataire/campagnes/{candidacy.id}/stripe")
    assert started.status_code == 303, started.get_data(as_text=True)
    assert started.headers["Location"].startswith(f"{connect.url}/setup/")
    back = _follow(started.headers["Location"])
    assert back.endswith(f"/mandataire/campagnes/{candidacy.id}/stripe/retour")
    returned = client.get(_path(back))
    assert returned.status_code == 302
    session.rollback()
    return session.get(Candidacy, candidacy.id).stripe_account_id


def test_the_mandataire_creates_the_account_follows_the_link_and_donations_open_then_close(
    app, session, connect, fresh
):
    candidacy, agent, _ = fresh
    donor_client = app.test_client()
    page = donor_client.get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "pas encore relié de compte de paiement" in page and "Faire un don</a>" not in page
    dashboard = _client(app, agent).get(f"/mandataire/campagnes/{candidacy.id}").get_data(as_text=True)
    assert "Ouvrir le compte de paiement avec Stripe" in dashboard

    account_id = onboard(app, session, connect, candidacy, agent)
    account = connect.account(account_id)
    assert account["type"] == "standard" and account["country"] == "FR" and account["email"] == agent.email
    assert account["metadata"] == {"platform": "participatory", "candidacy": str(candidacy.id)}
    row = _row(session, candidacy.id)
    assert row.account_id == account_id and row.origin == "created"
    assert row.details_submitted and row.state == rules.ACCOUNT_REVIEW
    created = _audit(session, "connect.account_created", candidacy.id)
    assert [e.details["account"] for e in created] == [account_id]
    links = _audit(session, "connect.link_issued", candidacy.id)
    assert links and links[-1].details["type"] == "account_onboarding"
    assert all("url" not in json.dumps(e.details) and "/setup/" not in json.dumps(e.details) for e in links)
    # Still closed while Stripe verifies: the page says why, the form refuses.
    page = donor_client.get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "en cours d'ouverture" in page and "Faire un don</a>" not in page
    refused = donor_client.post(f"/candidats/{candidacy.id}/don", data=FORM)
    assert refused.status_code == 400 and "en cours d'ouverture" in refused.get_data(as_text=True)

    connect.move(account_id, "enabled")  # Stripe enables card payments and payouts: account.updated
    assert _row(session, candidacy.id).state == rules.ACCOUNT_READY
    page = donor_client.get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "Faire un don</a>" in page
    assert "Continuer vers le paiement" in donor_client.get(f"/candidats/{candidacy.id}/don").get_data(as_text=True)

    connect.move(account_id, "disabled")  # Stripe disables the account
    row = _row(session, candidacy.id)
    assert row.state == rules.ACCOUNT_DISABLED and row.disabled_reason == "rejected.other"
    page = donor_client.get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "a désactivé les paiements" in page and "Faire un don</a>" not in page
    refused = donor_client.post(f"/candidats/{candidacy.id}/don", data=FORM)
    assert refused.status_code == 400 and "a désactivé les paiements" in refused.get_data(as_text=True)
    dashboard = _client(app, agent).get(f"/mandataire/campagnes/{candidacy.id}").get_data(as_text=True)
    assert "refusé par Stripe" in dashboard
    changes = [(e.details["from"], e.details["to"]) for e in _audit(session, "connect.status_changed", candidacy.id)]
    assert (rules.ACCOUNT_REVIEW, rules.ACCOUNT_READY) in changes and (
        rules.ACCOUNT_READY,
        rules.ACCOUNT_DISABLED,
    ) in changes


def test_stripe_asking_for_more_sends_the_mandataire_to_an_update_link(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.move(account_id, "enabled")
    connect.move(account_id, "needs_info")
    assert _row(session, candidacy.id).state == rules.ACCOUNT_MORE_INFO
    page = app.test_client().get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "attend des informations" in page
    client = _client(app, agent)
    assert "Compléter les informations chez Stripe" in client.get(f"/mandataire/campagnes/{candidacy.id}").get_data(
        as_text=True
    )
    again = client.post(f"/mandataire/campagnes/{candidacy.id}/stripe")
    assert again.status_code == 303
    assert _audit(session, "connect.link_issued", candidacy.id)[-1].details["type"] == "account_update"
    assert len(_audit(session, "connect.account_created", candidacy.id)) == 1  # not a second account
    # A used link sends the browser to refresh_url, which issues a new one.
    link = again.headers["Location"]
    _follow(link)
    refresh = _follow(link)
    assert refresh.endswith(f"/mandataire/campagnes/{candidacy.id}/stripe/nouveau-lien")
    # The first visit submitted the information: Stripe verifies, there is no link to give.
    assert _row(session, candidacy.id).state == rules.ACCOUNT_REVIEW
    renewed = client.get(_path(refresh))
    assert renewed.status_code == 302 and renewed.headers["Location"].endswith(f"/mandataire/campagnes/{candidacy.id}")
    connect.move(account_id, "needs_info")
    renewed = client.get(_path(refresh))
    assert renewed.status_code == 303 and renewed.headers["Location"] != link


def test_only_the_campaigns_own_mandataire_onboards(app, session, connect, fresh, world):
    candidacy, agent, candidate = fresh
    accounts_before = len(connect.state.accounts)
    for user in (candidate, world.agent, world.admin, make_user(session, world.now, "resident")):
        session.commit()
        client = _client(app, user)
        assert client.post(f"/mandataire/campagnes/{candidacy.id}/stripe").status_code == 403
        assert client.get(f"/mandataire/campagnes/{candidacy.id}/stripe/retour").status_code == 403
        assert client.get(f"/mandataire/campagnes/{candidacy.id}/stripe/nouveau-lien").status_code == 403
    assert app.test_client().post(f"/mandataire/campagnes/{candidacy.id}/stripe").status_code == 302  # to login
    assert _row(session, candidacy.id) is None
    assert len(connect.state.accounts) == accounts_before  # nothing created at Stripe either


def _post_event(client, event: dict, secret: str = CONNECT_WEBHOOK_SECRET, signature: str | None = None):
    payload = json.dumps(event)
    headers = signed_headers(payload, secret)
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/stripe/connect/webhook", data=payload, headers={**headers, "Content-Type": "application/json"})


def test_events_for_another_platforms_account_bad_signatures_and_malformed_payloads_change_nothing(
    app, session, connect, fresh
):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.move(account_id, "enabled")
    event = connect.move(account_id, "disabled", deliver=False)
    before = (
        session.scalar(select(func.count()).select_from(StripeEvent)),
        len(_audit(session, "connect.status_changed", candidacy.id)),
    )
    client = app.test_client()

    foreign = json.loads(json.dumps(event))
    foreign.update(id="evt_foreign1", account="acct_otherplatform1")
    foreign["data"]["object"]["id"] = "acct_otherplatform1"
    answer = _post_event(client, foreign)
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "not_ours"

    assert _post_event(client, event, secret="whsec_wrong").status_code == 400
    assert _post_event(client, event, signature="t=1,v1=deadbeef").status_code == 400
    assert _post_event(client, event, secret="").status_code == 400

    malformed = []
    for change in (
        lambda e: e["data"].update(object="not an object"),
        lambda e: e["data"]["object"].update(charges_enabled="yes"),
        lambda e: e["data"]["object"].update(id="not-an-account"),
        lambda e: e["data"]["object"].update(requirements=["x"]),
        lambda e: e["data"]["object"]["requirements"].update(currently_due="x"),
        lambda e: e["data"]["object"]["capabilities"].update(card_payments=7),
        lambda e: e.update(created="yesterday"),
        lambda e: e.update(account="acct_somebodyelse"),  # account and data.object disagree
        lambda e: e.update(account=12),
        lambda e: e.pop("data"),
    ):
        bad = json.loads(json.dumps(event))
        change(bad)
        malformed.append(_post_event(client, bad).status_code)
    assert malformed == [400] * len(malformed)
    not_json = client.post(
        "/stripe/connect/webhook", data=b"{nope", headers={**signed_headers("{nope", CONNECT_WEBHOOK_SECRET)}
    )
    assert not_json.status_code == 400

    after = (
        session.scalar(select(func.count()).select_from(StripeEvent)),
        len(_audit(session, "connect.status_changed", candidacy.id)),
    )
    assert after == before
    assert _row(session, candidacy.id).state == rules.ACCOUNT_READY  # nothing changed
    # The genuine event still applies, once.
    assert _post_event(client, event).get_json()["outcome"] == "updated"
    assert _post_event(client, event).get_json()["outcome"] == "duplicate"
    assert _row(session, candidacy.id).state == rules.ACCOUNT_DISABLED


def test_a_stale_event_does_not_overwrite_newer_state(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    enabled = connect.move(account_id, "enabled", deliver=False)
    disabled = connect.move(account_id, "disabled", deliver=False)
    assert enabled["created"] < disabled["created"]
    client = app.test_client()
    assert _post_event(client, disabled).get_json()["outcome"] == "updated"
    assert _post_event(client, enabled).get_json()["outcome"] == "stale"
    row = _row(session, candidacy.id)
    assert row.state == rules.ACCOUNT_DISABLED and row.stripe_as_of == disabled["created"]


def test_the_return_page_reads_stripe_not_the_url(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.state.accounts[account_id]["charges_enabled"] = True  # said by Stripe, without an event
    connect.state.accounts[account_id]["payouts_enabled"] = True
    connect.state.accounts[account_id]["capabilities"]["card_payments"] = "active"
    client = _client(app, agent)
    assert client.get(f"/mandataire/campagnes/{candidacy.id}/stripe/retour?charges_enabled=false").status_code == 302
    assert _row(session, candidacy.id).state == rules.ACCOUNT_READY


def test_the_admin_override_reads_the_account_from_stripe(app, session, connect, fresh, world):
    candidacy, agent, _ = fresh
    created = stripe.StripeClient(SECRET_KEY, base_addresses={"api": connect.url}).v1.accounts.create(
        params={"type": "standard", "country": "FR", "email": "elsewhere@example.org"}
    )
    admin = _client(app, world.admin)
    url = f"/admin/candidatures/{candidacy.id}/compte-stripe"
    assert admin.post(url, data={"account_id": "acct_unknown123456"}).status_code == 302
    assert _row(session, candidacy.id) is None  # Stripe does not know it: refused
    assert _client(app, agent).post(url, data={"account_id": created["id"]}).status_code == 403
    assert admin.post(url, data={"account_id": created["id"]}).status_code == 302
    row = _row(session, candidacy.id)
    assert row.origin == "admin" and row.state == rules.ACCOUNT_ONBOARDING  # as Stripe says, not "ready"
    assert session.get(Candidacy, candidacy.id).stripe_account_id == created["id"]
    assert _audit(session, "connect.account_linked", candidacy.id)[-1].details["account"] == created["id"]
    # Another campaign's account is refused.
    assert admin.post(url, data={"account_id": world.other.stripe_account_id}).status_code == 302
    assert session.get(Candidacy, candidacy.id).stripe_account_id == created["id"]


def test_sync_accounts_reads_every_linked_account_from_stripe(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.state.accounts[account_id].update(charges_enabled=True, payouts_enabled=True)
    connect.state.accounts[account_id]["capabilities"]["card_payments"] = "active"
    result = app.test_cli_runner().invoke(args=["donations", "sync-accounts"])
    assert f"candidacy {candidacy.id}: ready" in result.output
    assert result.exit_code == 1  # the world's hand-typed accounts are unknown to Stripe: reported
    assert _row(session, candidacy.id).state == rules.ACCOUNT_READY


def test_an_update_link_refused_by_stripe_falls_back_to_onboarding(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.move(account_id, "needs_info")
    connect.state.update_links = False
    try:
        answer = _client(app, agent).post(f"/mandataire/campagnes/{candidacy.id}/stripe")
    finally:
        connect.state.update_links = True
    assert answer.status_code == 303 and answer.headers["Location"].startswith(f"{connect.url}/setup/")
    assert _audit(session, "connect.link_issued", candidacy.id)[-1].details["type"] == "account_onboarding"


def test_donation_events_of_connected_accounts_apply_on_the_connect_endpoint(
    app, session, world, fake_gateway, monkeypatch, tmp_path
):
    """In live mode Stripe sends the events of direct charges to the Connect endpoint only."""
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", CONNECT_WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    started = start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=5000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
    )
    session.commit()
    event = intent_event(
        "evt_connect_pi", "payment_intent.succeeded", started.donation.payment_intent_id, 5000, account="acct_test0001"
    )
    answer = _post_event(app.test_client(), event)
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "succeeded"
    assert reload(started.donation.id).status == rules.SUCCEEDED
    # Signed with the other endpoint's secret: refused here.
    assert _post_event(app.test_client(), {**event, "id": "evt_connect_pi2"}, secret=WEBHOOK_SECRET).status_code == 400


def test_an_account_disconnected_from_the_platform_closes_donations(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    connect.move(account_id, "enabled")
    event = {
        "id": "evt_deauthorized1",
        "object": "event",
        "type": "account.application.deauthorized",
        "account": account_id,
        "created": connect.state.created(),
        "data": {"object": {"id": "ca_platform", "object": "application", "name": "Participatory"}},
    }
    assert _post_event(app.test_client(), event).get_json()["outcome"] == "updated"
    row = _row(session, candidacy.id)
    assert row.state == rules.ACCOUNT_DISABLED and row.disabled_reason == rules.DEAUTHORIZED
    assert "a désactivé les paiements" in app.test_client().get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    dashboard = _client(app, agent).get(f"/mandataire/campagnes/{candidacy.id}").get_data(as_text=True)
    assert "déconnecté de la plateforme" in dashboard
    assert _post_event(app.test_client(), {**event, "id": "evt_deauthorized2", "account": None}).status_code == 400


def test_a_campaign_linked_by_hand_is_read_not_replaced(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    created = stripe.StripeClient(SECRET_KEY, base_addresses={"api": connect.url}).v1.accounts.create(
        params={"type": "standard", "country": "FR", "email": "before@example.org"}
    )
    session.get(Candidacy, candidacy.id).stripe_account_id = created["id"]  # as before migration 0015
    session.commit()
    page = app.test_client().get(f"/candidats/{candidacy.id}").get_data(as_text=True)
    assert "en cours d'ouverture" in page and "Faire un don</a>" not in page  # no status from Stripe yet
    assert _client(app, agent).post(f"/mandataire/campagnes/{candidacy.id}/stripe").status_code == 303
    row = _row(session, candidacy.id)
    assert row.account_id == created["id"] and row.state == rules.ACCOUNT_ONBOARDING
    assert not _audit(session, "connect.account_created", candidacy.id)


def test_an_event_older_than_a_retrieval_is_stale(app, session, connect, fresh):
    candidacy, agent, _ = fresh
    account_id = onboard(app, session, connect, candidacy, agent)
    old = connect.move(account_id, "enabled", deliver=False)  # created now, by Stripe's clock
    connect.move(account_id, "disabled", deliver=False)
    clock.freeze(datetime.fromtimestamp(old["created"], UTC) + timedelta(minutes=5))  # we read Stripe later
    assert _client(app, agent).get(f"/mandataire/campagnes/{candidacy.id}/stripe/retour").status_code == 302
    assert _row(session, candidacy.id).state == rules.ACCOUNT_DISABLED
    assert _post_event(app.test_client(), old).get_json()["outcome"] == "stale"
    assert _row(session, candidacy.id).state == rules.ACCOUNT_DISABLED
