"""QR codes that tie a delegation's stand or a performance to the judge's
score sheet at an ESI: what a code encodes, where following it leads whom,
and the sheet of codes the secretariat prints for an ESI.

A code encodes an absolute URL on this app (PUBLIC_URL, never the request's
Host) to a short route that decides at the moment it is opened: the code
itself grants nothing. Whoever may not reach a sheet or a page through it
gets the answer a missing id gets (NotFound), so a code found on the floor
tells a stranger nothing about what it points to.
"""

from dataclasses import dataclass

import segno
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from awards_app import permissions
from awards_app.extensions import db
from awards_app.models import Assignment, Cycle, Delegation, Event, Nomination
from awards_app.services import NotFound, rounds
from awards_app.services.links import public_url
from awards_app.services.nominations import with_candidate_name

# M recovers about 15% of a damaged or smudged code (segno raises it to Q or H
# where that fits in the same symbol); a quiet zone of four
# modules is what the QR standard asks around the symbol.
ERROR_CORRECTION = "m"
QUIET_ZONE = 4


def nomination_url(nomination_id: int) -> str:
    return public_url("codes.nomination", nomination_id=nomination_id)


def delegation_url(delegation_id: int) -> str:
    return public_url("codes.delegation", delegation_id=delegation_id)


def svg(url: str, title: str) -> str:
    """The code as an inline SVG element, sized by the page's CSS (no width
    or height of its own), black on white with its quiet zone."""
    code = segno.make(url, error=ERROR_CORRECTION, micro=False)
    return code.svg_inline(scale=1, border=QUIET_ZONE, omitsize=True, dark="#000", light="#fff",
                           title=title, svgclass="qr-code")


def png(url: str, scale: int = 8) -> bytes:
    """The same code as a PNG (what a test decodes)."""
    from io import BytesIO

    out = BytesIO()
    segno.make(url, error=ERROR_CORRECTION, micro=False).save(out, kind="png", scale=scale, border=QUIET_ZONE)
    return out.getvalue()


# --- following a code ------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where a code leads: the judge's sheet (``round`` set) or a nomination's page."""

    nomination: Nomination
    round: str | None = None


def _sheets_in_play(user, *conditions) -> list[Target]:
    """The user's score sheets, of the round each cycle is at, on the
    nominations the conditions select, that no conflict hides from them."""
    if not (user.is_authenticated and user.has_role(*permissions.JUDGE_ROLES)):
        return []
    rows = db.session.execute(
        select(Assignment.round, Nomination).join(Nomination, Assignment.nomination_id == Nomination.id)
        .where(Assignment.judge_id == user.id, ~permissions.hides(user.id, Nomination.id), *conditions)
        .options(joinedload(Nomination.cycle).joinedload(Cycle.award_type))
        .order_by(Nomination.cycle_id, Nomination.id)).all()
    return [Target(nomination, round) for round, nomination in rows if round == rounds.in_play(nomination.cycle)]


def may_open_page_by_code(user, nomination: Nomination) -> bool:
    """Besides the judges on their sheets, a code opens the nomination's page
    for the secretariat and for the chair of its cycle, where they may see it."""
    return (user.is_authenticated and (user.has_role("admin") or permissions.is_chair_of(user, nomination.cycle))
            and permissions.may_see_nomination(user, nomination))


def follow_nomination(user, nomination_id: int) -> Target:
    """Where the code of a nomination leads this user: their sheet of the
    round in play, else the nomination's page where they manage it, else
    NotFound (the same as for a missing id)."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None:
        raise NotFound("nomination")
    sheets = _sheets_in_play(user, Nomination.id == nomination.id)
    if sheets:
        return sheets[0]
    if may_open_page_by_code(user, nomination):
        return Target(nomination)
    raise NotFound("nomination")


def follow_delegation(user, delegation_id: int) -> list[Target]:
    """Where the code of a delegation's stand leads this user: their sheets
    of the nominations of that delegation in the cycles of its ESI (one, or
    a list to choose from), else those nominations' pages for the chair of
    their cycle; an empty list for the secretariat (the delegation's page);
    NotFound for everyone else and for a missing id alike."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound("delegation")
    of_the_delegation = (Nomination.candidate_delegation_id == delegation.id,
                         Nomination.cycle_id.in_(select(Cycle.id).where(Cycle.event_id == delegation.event_id)))
    sheets = _sheets_in_play(user, *of_the_delegation)
    if sheets:
        return sheets
    if not user.is_authenticated:
        raise NotFound("delegation")
    if user.has_role("admin"):
        return []
    if user.has_role("chair"):
        chaired = [Target(n) for n in db.session.scalars(
            select(Nomination).where(*of_the_delegation, permissions.nominations_visible_to(user))
            .options(joinedload(Nomination.cycle).joinedload(Cycle.award_type)).order_by(Nomination.id))
            if permissions.is_chair_of(user, n.cycle)]
        if chaired:
            return chaired
    raise NotFound("delegation")


# --- the printed sheet -----------------------------------------------------------

@dataclass(frozen=True)
class LabelledCode:
    title: str
    detail: str
    url: str
    svg: str


@dataclass(frozen=True)
class CodeSheet:
    event: Event
    delegations: list[LabelledCode]
    cycles: list[tuple[Cycle, list[LabelledCode]]]


def may_print_codes(user, event: Event) -> bool:
    """The codes of an ESI are printed by the secretariat."""
    return user.is_authenticated and user.has_role("admin")


def code_sheet(actor, event_id: int, *, locale: str = "en") -> CodeSheet:
    """Every delegation of the ESI with its code, and for each cycle of that
    ESI, each nomination before the panel with its code, its candidate and
    its award: what the secretariat prints and hands to the stands."""
    event = db.session.get(Event, event_id)
    if event is None or not may_print_codes(actor, event):
        raise NotFound("event")
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.event_id == event.id)
        .options(joinedload(Delegation.organisation)).order_by(Delegation.name)).all()
    delegation_codes = []
    for d in delegations:
        url = delegation_url(d.id)
        delegation_codes.append(LabelledCode(d.name, d.organisation.name, url, svg(url, d.name)))
    cycles = db.session.scalars(
        select(Cycle).where(Cycle.event_id == event.id).options(joinedload(Cycle.award_type))
        .order_by(Cycle.id)).all()
    # The candidates' names in one statement (with_candidate_name), not a load per nomination.
    listed: dict[int, list] = {cycle.id: [] for cycle in cycles}
    for nomination_id, cycle_id, name in db.session.execute(
            with_candidate_name(Nomination.id, Nomination.cycle_id)
            .where(Nomination.cycle_id.in_(list(listed)),
                   Nomination.state.in_(permissions.ACTIVE_NOMINATION_STATES))
            .order_by(Nomination.id)):
        listed[cycle_id].append((nomination_id, name))
    by_cycle = []
    for cycle in cycles:
        award = cycle.title_in(locale)
        codes = []
        for nomination_id, name in listed[cycle.id]:
            url = nomination_url(nomination_id)
            codes.append(LabelledCode(name, award, url, svg(url, f"{name} · {award}")))
        by_cycle.append((cycle, codes))
    return CodeSheet(event, delegation_codes, by_cycle)
