"""One person, one ballot per call, for good: ballots are keyed by a keyed hash of the person's
verified identity (accounts/voter_keys.py), which outlives the account and is erased when the
call's results are published. Rules table-tested; services on the real database; pages through
the Flask client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.accounts import voter_keys
from participatory.accounts.models import User
from participatory.accounts.services.deletion import erase_account
from participatory.audit.models import AuditEvent
from participatory.calls import rules
from participatory.calls.errors import Conflict
from participatory.calls.models import Ballot, CallResult
from participatory.calls.services import ballots, results
from participatory.config import ConfigError, check
from participatory.mail import read_outbox
from tests.calls import builders

KEY = voter_keys.derive("a test secret")
PASSWORD = "correct horse battery staple"


# --- the key --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("anne@example.org", "anne@example.org"),
        ("  Anne@Example.ORG \n", "anne@example.org"),
        ("anne@Élysée.fr", "anne@xn--lyse-9oad.fr"),  # IDNA: the Unicode domain and ...
        ("anne@xn--lyse-9oad.fr", "anne@xn--lyse-9oad.fr"),  # ... its ASCII spelling are one
        ("anne@bad..domain", "anne@bad..domain"),  # not IDNA-encodable: kept as typed, lower-cased
        ("Anne.Dupont+vote@example.org", "anne.dupont+vote@example.org"),  # the local part is not rewritten
    ],
)
def test_emails_are_normalised_before_keying(typed, normalised):
    assert voter_keys.normalise_email(typed) == normalised
    assert voter_keys.voter_key(voter_keys.EMAIL, typed, KEY) == voter_keys.voter_key(voter_keys.EMAIL, normalised, KEY)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("email", "anne@example.org", KEY), ("email", "ANNE@example.org ", KEY), True),
        (("email", "anne@example.org", KEY), ("email", "anne2@example.org", KEY), False),
        # The kind is part of the message: an email and a FranceConnect subject spelled alike differ.
        (("email", "anne@example.org", KEY), ("franceconnect", "anne@example.org", KEY), False),
        # Another secret, other keys: a leaked table cannot be matched against a list of emails.
        (("email", "anne@example.org", KEY), ("email", "anne@example.org", voter_keys.derive("other")), False),
        # FranceConnect subjects are opaque: case matters.
        (("franceconnect", "AbC123", KEY), ("franceconnect", "abc123", KEY), False),
    ],
)
def test_one_identity_one_key(a, b, same):
    assert (voter_keys.voter_key(*a) == voter_keys.voter_key(*b)) is same
    assert re.fullmatch(r"[0-9a-f]{64}", voter_keys.voter_key(*a))


def test_a_key_needs_a_known_kind_and_a_value():
    with pytest.raises(voter_keys.NoVerifiedIdentity):
        voter_keys.voter_key(voter_keys.EMAIL, "  ", KEY)
    with pytest.raises(ValueError):
        voter_keys.voter_key("postal_address", "1 rue de la Paix", KEY)  # an address is not a person


def test_an_unconfirmed_email_makes_no_key(session, now):
    with pytest.raises(voter_keys.NoVerifiedIdentity):
        voter_keys.key_of(builders.user(session, now, level=None), KEY)


def test_the_secret_is_voter_key_secret_else_secret_key():
    base = {"SECRET_KEY": "s" * 40, "VOTER_KEY_SECRET": ""}
    assert voter_keys.configured_key(base) == voter_keys.derive("s" * 40)
    assert voter_keys.configured_key(base | {"VOTER_KEY_SECRET": "v" * 40}) == voter_keys.derive("v" * 40)
    assert voter_keys.derive("s" * 40) != ("s" * 40).encode()  # derived, never the secret itself


def test_production_refuses_a_short_voter_key_secret():
    production = {
        "ENV_NAME": "production",
        "SECRET_KEY": "s" * 40,
        "AUDIT_SIGNING_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=",  # 32 bytes, base64
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }
    check(production)
    check(production | {"VOTER_KEY_SECRET": "v" * 40})
    with pytest.raises(ConfigError, match="VOTER_KEY_SECRET"):
        check(production | {"VOTER_KEY_SECRET": "short"})


# --- services -------------------------------------------------------------------------------


@pytest.fixture
def voting(session, now):
    call = builders.call(session, now, rules.VOTING, max_projects=1)
    items = {name: builders.proposal(session, now, call, title=name) for name in ("a", "b")}
    return call, items


def _ballots(session, call) -> list[Ballot]:
    session.expire_all()
    return list(session.scalars(select(Ballot).where(Ballot.call_id == call.id).order_by(Ballot.id)))


def test_deleting_the_account_and_registering_again_cannot_add_a_ballot(session, now, voting):
    call, items = voting
    first = builders.user(session, now, email="anne@example.test")
    ballots.cast(session, first, now, call.id, [items["a"].id])
    erase_account(session, first, now=now)
    [kept] = _ballots(session, call)
    assert kept.voter_id is None and kept.voter_key is not None  # unlinked from the account, not from the person

    again = builders.user(session, now, email="anne@example.test")  # the address is free again
    receipt = ballots.cast(session, again, now, call.id, [items["b"].id])
    assert receipt.changed  # the ballot already counted, replaced: not a second one
    [ballot] = _ballots(session, call)
    assert (ballot.id, ballot.voter_id, ballot.proposal_ids) == (kept.id, again.id, [items["b"].id])
    assert ballot.receipt_hash == rules.receipt_hash(receipt.code)

    builders.move_to(session, call, rules.RESULTS, now)
    assert results.close_call(session, call.id, now).ballots == 1


def test_the_returning_voter_finds_and_may_cancel_the_ballot_already_counted(session, now, voting):
    call, items = voting
    first = builders.user(session, now, email="anne@example.test")
    ballots.cast(session, first, now, call.id, [items["a"].id])
    erase_account(session, first, now=now)
    again = builders.user(session, now, email="Anne@Example.test")
    assert ballots.ballot_of(session, call, again).proposal_ids == [items["a"].id]
    stranger = builders.user(session, now)
    assert ballots.ballot_of(session, call, stranger) is None
    ballots.cancel(session, again, now, call.id)
    assert _ballots(session, call) == []


def test_two_people_of_one_home_both_count(session, now, voting):
    """A letter-verified residence proves an address, which a household shares: never a key."""
    call, items = voting
    household = [builders.user(session, now, level="letter", email=f"{name}@example.test") for name in ("ana", "leo")]
    for person in household:
        person.home_lat, person.home_lon, person.residence_verified_by = 44.8378, -0.5792, "letter"
    session.flush()
    for person in household:
        assert not ballots.cast(session, person, now, call.id, [items["a"].id]).changed
    assert len({b.voter_key for b in _ballots(session, call)}) == 2
    builders.move_to(session, call, rules.RESULTS, now)
    assert results.close_call(session, call.id, now).ballots == 2


def test_the_key_is_the_keyed_hash_of_the_confirmed_email(app, session, now, voting):
    call, items = voting
    voter = builders.user(session, now, email="nina@example.test")
    ballots.cast(session, voter, now, call.id, [items["a"].id])
    [ballot] = _ballots(session, call)
    expected = voter_keys.voter_key(voter_keys.EMAIL, "nina@example.test", voter_keys.configured_key(app.config))
    assert ballot.voter_key == expected and "nina" not in ballot.voter_key


def test_voter_keys_are_erased_when_the_results_are_published(session, now, voting):
    call, items = voting
    other = builders.call(session, now, rules.VOTING, code="75-18")
    other_item = builders.proposal(session, now, other)
    for _ in range(3):
        ballots.cast(session, builders.user(session, now), now, call.id, [items["a"].id])
    elsewhere = builders.user(session, now, "75-18")
    ballots.cast(session, elsewhere, now, other.id, [other_item.id])
    assert all(b.voter_key for b in _ballots(session, call))

    builders.move_to(session, call, rules.RESULTS, now)
    result = results.close_call(session, call.id, now)
    assert result.ballots == 3
    # In the transaction that stores the result, before anything commits.
    assert session.scalar(select(func.count()).select_from(Ballot).where(Ballot.voter_key.is_not(None))) == 1
    assert [b.voter_key for b in _ballots(session, call)] == [None] * 3
    assert all(b.voter_key for b in _ballots(session, other))  # a call still voting keeps its keys


def test_keys_are_not_erased_when_closing_stores_nothing(session, now, voting):
    call, items = voting
    ballots.cast(session, builders.user(session, now), now, call.id, [items["a"].id])
    assert results.close_call(session, call.id, now) is None  # still voting
    assert all(b.voter_key for b in _ballots(session, call))


def test_forget_voter_keys_reports_how_many_it_erased(session, now, voting):
    call, items = voting
    for _ in range(2):
        ballots.cast(session, builders.user(session, now), now, call.id, [items["a"].id])
    assert ballots.forget_voter_keys(session, call.id) == 2
    assert ballots.forget_voter_keys(session, call.id) == 0


def test_a_secret_changed_during_the_vote_refuses_the_change_until_the_ballots_are_rekeyed(app, session, now, voting):
    """A new secret gives the voter a new key: the upsert would insert a second ballot, and the per-account
    unique refuses it (a clear Conflict, not an error page); `flask calls rekey-voters` mends it."""
    call, items = voting
    voter = builders.user(session, now, email="anne@example.test")
    gone = builders.user(session, now, email="gone@example.test")
    ballots.cast(session, voter, now, call.id, [items["a"].id])
    ballots.cast(session, gone, now, call.id, [items["a"].id])
    erase_account(session, gone, now=now)
    session.commit()
    new_key = voter_keys.derive("a new secret")

    with pytest.raises(Conflict) as refused:
        ballots.cast(session, voter, now, call.id, [items["b"].id], voter_key=voter_keys.key_of(voter, new_key))
    assert refused.value.code == "voter_key_changed" and "reste compté" in refused.value.message
    session.rollback()

    assert ballots.rekey_open_ballots(session, new_key, now) == (1, 1)  # the deleted account's cannot be
    assert ballots.cast(
        session, voter, now, call.id, [items["b"].id], voter_key=voter_keys.key_of(voter, new_key)
    ).changed
    assert [b.proposal_ids for b in _ballots(session, call)] == [[items["b"].id], [items["a"].id]]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ballots.rekeyed"))
    assert event.details == {"rekeyed": 1, "unkeyed": 1}


def test_rekeying_leaves_published_calls_alone_and_keeps_one_key_per_person(app, session, now, voting):
    call, items = voting
    published = builders.call(session, now, rules.VOTING, code="75-18")
    winner = builders.proposal(session, now, published)
    # Two live accounts, two spellings of one mailbox, voted before the key normalised domains:
    # rekeying gives the key to the older ballot only.
    twins = [builders.user(session, now, email=e) for e in ("anne@élysée.fr", "anne@xn--lyse-9oad.fr")]
    for n, twin in enumerate(twins):
        ballots.cast(session, twin, now, call.id, [items["a"].id], voter_key=f"{n:064d}")
    ballots.cast(session, builders.user(session, now, "75-18"), now, published.id, [winner.id])
    builders.move_to(session, published, rules.RESULTS, now)
    results.close_call(session, published.id, now)
    key = voter_keys.configured_key(app.config)

    assert ballots.rekey_open_ballots(session, key, now) == (1, 1)
    first, second = _ballots(session, call)
    assert (first.voter_key, second.voter_key) == (voter_keys.key_of(twins[0], key), None)
    assert [b.voter_key for b in _ballots(session, published)] == [None]


def test_the_rekey_command(app, session, now, voting):
    call, items = voting
    voter = builders.user(session, now)
    ballots.cast(session, voter, now, call.id, [items["a"].id], voter_key="0" * 64)
    session.commit()
    output = app.test_cli_runner().invoke(args=["calls", "rekey-voters"])
    assert output.exit_code == 0 and "1 ballot(s) rekeyed, 0 left without a key" in output.output
    [ballot] = _ballots(session, call)
    assert ballot.voter_key == voter_keys.key_of(voter, voter_keys.configured_key(app.config))


# --- pages ----------------------------------------------------------------------------------


def _register_and_confirm(client, outbox: Path, email: str) -> None:
    response = client.post(
        "/compte/inscription",
        data={"email": email, "display_name": "Anne", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    body = read_outbox(outbox)[-1].get_content()
    link = re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", body).group(1)
    assert client.get(link).status_code == 302
    signed = client.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302
    # Residents abroad declare a country: no map needed (ZZ-03 covers the United Kingdom).
    assert client.post("/compte/residence", data={"mode": "abroad", "country": "GB"}).status_code == 302


def test_through_the_pages_a_deleted_and_recreated_account_changes_its_ballot(app, session, outbox):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, code="ZZ-03", max_projects=1, verification_level="residence")
    a, b = (builders.proposal(session, now, call, title=name) for name in ("Projet A", "Projet B"))
    session.commit()
    call_id = call.id

    client = app.test_client()
    _register_and_confirm(client, outbox, "anne@example.org")
    voted = client.post(f"/appels/{call_id}/vote", data={"projects": [str(a.id)]})
    assert "Votre bulletin est enregistré" in voted.get_data(as_text=True)
    deleted = client.post("/compte/suppression", data={"password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302

    client = app.test_client()
    _register_and_confirm(client, outbox, " Anne@Example.org ")
    page = client.get(f"/appels/{call_id}/vote").get_data(as_text=True)
    assert re.search(rf'value="{a.id}"[^>]*checked|checked[^>]*value="{a.id}"', page)  # the counted ballot
    again = client.post(f"/appels/{call_id}/vote", data={"projects": [str(b.id)]})

    assert "Votre bulletin est modifié" in again.get_data(as_text=True)  # told it replaced the counted one

    [ballot] = _ballots(session, call)
    assert ballot.proposal_ids == [b.id]
    assert ballot.voter_id == session.scalar(select(User.id).where(User.email == "anne@example.org"))


# --- the migration --------------------------------------------------------------------------


def test_the_migration_keys_the_ballots_of_calls_still_open(app, tmp_path):
    """Upgrading an existing database keys the ballots that can still change (calls without results),
    by their voter's email under the app's secret; published and unlinked ballots get no key."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from constituencies.services import sync_catalogue
    from participatory import create_app
    from participatory.extensions import db
    from tests.conftest import _postgres_database

    url, drop = (
        _postgres_database(app.config["SQLALCHEMY_DATABASE_URI"])
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        else (f"sqlite:///{tmp_path / 'old.sqlite3'}", lambda: None)
    )
    old = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "VOTER_KEY_SECRET": "m" * 40})
    try:
        with old.app_context():
            upgrade(revision="0008_audit_pending")
            sync_catalogue(db.session)
            now = clock.now()
            s = db.session
            # The models are newer than this schema: the columns added to `call` since (0018) are there
            # for the builders' inserts, and dropped again before the upgrade adds them for real.
            s.execute(text("ALTER TABLE call ADD COLUMN min_supports INTEGER NOT NULL DEFAULT 0"))
            open_call = builders.call(s, now, rules.VOTING)
            published = builders.call(s, now, rules.RESULTS, code="75-18")
            voters = [builders.user(s, now, email=f"v{n}@example.test") for n in range(3)]
            s.add(
                CallResult(
                    call_id=published.id,
                    rule=published.rule,
                    engine_version="test",
                    ballots_digest="0" * 64,
                    computed_at=now,
                    selected=[],
                    spent_cents=0,
                    budget_cents=published.budget_cents,
                    ballots=1,
                    registered_voters=0,
                    projects=[],
                    alternatives={},
                )
            )
            s.flush()
            rows = [(open_call.id, voters[0].id), (open_call.id, voters[1].id), (open_call.id, None)]
            rows.append((published.id, voters[2].id))
            for n, (call_id, voter_id) in enumerate(rows):
                s.execute(
                    text(
                        "INSERT INTO ballot (call_id, voter_id, public_id, receipt_hash, created_at, updated_at)"
                        " VALUES (:call_id, :voter_id, :public_id, :receipt_hash, :now, :now)"
                    ),
                    {
                        "call_id": call_id,
                        "voter_id": voter_id,
                        "public_id": f"{n:032d}",
                        "receipt_hash": "0" * 64,
                        "now": now,
                    },
                )
            s.execute(text("ALTER TABLE call DROP COLUMN min_supports"))
            s.commit()
            upgrade(revision="head")
            keys = dict(s.execute(text("SELECT public_id, voter_key FROM ballot")).all())
            secret = voter_keys.derive("m" * 40)
            assert keys == {
                f"{0:032d}": voter_keys.voter_key(voter_keys.EMAIL, "v0@example.test", secret),
                f"{1:032d}": voter_keys.voter_key(voter_keys.EMAIL, "v1@example.test", secret),
                f"{2:032d}": None,  # its account was deleted before the upgrade: nothing to key it on
                f"{3:032d}": None,  # published: its key would protect nothing
            }
            s.remove()
            db.engine.dispose()
    finally:
        drop()
