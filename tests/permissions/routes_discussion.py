"""Routes of discussion: comments, supports, follows, notifications, preferences, unsubscribe.

build(world) creates, in world.here, a call in its proposals phase (year 2021, older than the calls
module's, which stay "the" calls of world.here) with a proposal by resident_here, a comment by
resident_here (still editable) and one by resident_other; the results call of routes_calls gives a
proposal whose comments are closed.
"""

from __future__ import annotations

from participatory.calls import rules
from participatory.discussion.models import Comment
from participatory.discussion.services.notifications import unsubscribe_token
from tests.calls import builders
from tests.permissions.framework import ROLES, Case, everyone, signed_in

ELIGIBLE_HERE = ("resident_here", "mp_here", "candidate", "financial_agent")  # live and verified in world.here


def build(world) -> None:
    s, now = world.session, world.now
    call = builders.call(s, now, rules.PROPOSALS, code=world.here, year=2021)
    proposal = builders.proposal(s, now, call, world.users["resident_here"], feasible=None)
    own = Comment(
        subject_kind="proposal",
        subject_id=str(proposal.id),
        author_id=world.users["resident_here"].id,
        body="Une question",
        created_at=now,
        hidden_reason="",
    )
    other = Comment(
        subject_kind="proposal",
        subject_id=str(proposal.id),
        author_id=world.users["resident_other"].id,
        body="Un avis",
        created_at=now,
        hidden_reason="",
    )
    s.add_all([own, other])
    s.flush()
    world.ids.update(
        delib_call=call.id,
        delib_proposal=proposal.id,
        own_comment=own.id,
        other_comment=other.id,
        token=unsubscribe_token(world.users["resident_other"].id),
    )


def only(statuses: dict[str, int], default: int = 403, anonymous: int = 302) -> dict[str, int]:
    return {role: statuses.get(role, anonymous if role == "anonymous" else default) for role in ROLES}


def _proposal(world, action: str = "commentaires") -> str:
    return f"/debats/proposal/{world.ids['delib_proposal']}/{action}"


CASES = [
    # Comments: anyone signed in, while the proposal is in its proposals or review phase.
    Case("discussion.post_comment", "POST", _proposal, signed_in(302), data={"body": "Où exactement ?"}),
    Case("discussion.post_comment", "POST", _proposal, signed_in(400), data={"body": "   "}),
    Case("discussion.post_comment", "POST", _proposal, signed_in(400), data={"body": "a\x00b"}),
    Case("discussion.post_comment", "POST", _proposal, signed_in(400), data={"body": "x" * 2001}),
    Case(
        "discussion.post_comment",
        "POST",
        lambda w: f"/debats/proposal/{w.ids['winner']}/commentaires",
        signed_in(403),
        data={"body": "Trop tard"},
    ),
    Case("discussion.post_comment", "POST", "/debats/nothing/1/commentaires", everyone(404), data={"body": "x"}),
    Case(
        "discussion.post_comment", "POST", "/debats/proposal/99999999/commentaires", everyone(404), data={"body": "x"}
    ),
    # Editing: the author alone, within the window.
    Case(
        "discussion.edit_comment",
        "GET",
        lambda w: f"/commentaires/{w.ids['own_comment']}/modifier",
        only({"resident_here": 200}),
    ),
    Case(
        "discussion.edit_comment",
        "POST",
        lambda w: f"/commentaires/{w.ids['own_comment']}/modifier",
        only({"resident_here": 302}),
        data={"body": "Une question précise"},
    ),
    Case("discussion.edit_comment", "GET", "/commentaires/99999999/modifier", everyone(404)),
    # Reporting: anyone signed in; hiding: the MP of the constituency or an admin, with a reason.
    Case(
        "discussion.report_comment",
        "POST",
        lambda w: f"/commentaires/{w.ids['other_comment']}/signaler",
        signed_in(302),
        data=lambda w: {f"report-{w.ids['other_comment']}-reason": "Hors sujet"},
    ),
    Case(
        "discussion.hide_comment",
        "POST",
        lambda w: f"/commentaires/{w.ids['other_comment']}/masquer",
        only({"mp_here": 302, "admin": 302}),
        data=lambda w: {f"hide-{w.ids['other_comment']}-reason": "Propos injurieux"},
    ),
    Case(
        "discussion.hide_comment",
        "POST",
        lambda w: f"/commentaires/{w.ids['other_comment']}/masquer",
        only({"mp_here": 400, "admin": 400}),
        data={},
    ),
    # Supports: residents of the constituency at the call's level, during the proposals phase.
    Case("discussion.support", "POST", lambda w: _proposal(w, "soutenir"), only(dict.fromkeys(ELIGIBLE_HERE, 302))),
    Case(
        "discussion.support",
        "POST",
        lambda w: f"/debats/proposal/{w.ids['winner']}/soutenir",
        signed_in(403),
    ),
    Case("discussion.support", "POST", lambda w: f"/debats/call/{w.ids['delib_call']}/soutenir", signed_in(403)),
    Case(
        "discussion.withdraw_support",
        "POST",
        lambda w: _proposal(w, "retirer-soutien"),
        only(dict.fromkeys(ELIGIBLE_HERE, 302)),
    ),
    # Follows: anyone signed in, a call, a proposal or a constituency.
    Case("discussion.follow", "POST", lambda w: f"/debats/call/{w.ids['delib_call']}/suivre", signed_in(302)),
    Case("discussion.follow", "POST", "/debats/constituency/33-04/suivre", signed_in(302)),
    Case("discussion.follow", "POST", "/debats/constituency/99-99/suivre", everyone(404)),
    Case("discussion.unfollow", "POST", "/debats/constituency/33-04/ne-plus-suivre", signed_in(302)),
    Case("discussion.unfollow", "POST", "/debats/nothing/1/ne-plus-suivre", signed_in(404)),
    # Notifications and preferences: one's own.
    Case("discussion.notifications_page", "GET", "/notifications", signed_in(200)),
    Case("discussion.mark_read", "POST", "/notifications/lues", signed_in(302)),
    Case("discussion.preferences", "POST", "/notifications/preferences", signed_in(302), data={"delivery": "daily"}),
    Case("discussion.preferences", "POST", "/notifications/preferences", signed_in(400), data={"delivery": "x"}),
    # One-click unsubscribe: the signed token is the authority, signed in or not (RFC 8058).
    Case("discussion.unsubscribe", "GET", lambda w: f"/notifications/desabonnement/{w.ids['token']}", everyone(200)),
    Case(
        "discussion.unsubscribe",
        "POST",
        lambda w: f"/notifications/desabonnement/{w.ids['token']}",
        everyone(200),
        data={"List-Unsubscribe": "One-Click"},
    ),
    Case("discussion.unsubscribe", "GET", "/notifications/desabonnement/forged.token", everyone(404)),
    Case("discussion.unsubscribe", "POST", "/notifications/desabonnement/forged.token", everyone(404)),
]
