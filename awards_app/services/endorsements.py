"""Endorsements: a single-use, expiring link emailed to the endorser, who
answers without an account. Only the link token's hash is stored, and the
outbox forgets the link once the notice is sent. A link is consumed by one
conditional update, so two answers sent at once cannot both count, and it
dies with its nomination."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from awards_app.extensions import db
from awards_app.models import Endorsement, Nomination, Organisation
from awards_app.services import N_, Message, NotFound, ServiceError, actors, audit, outbox
from awards_app.services import conflicts as conflict_service
from awards_app.services import text as text_rules
from awards_app.services.links import public_url
from awards_app.services.organisations import name_key
from awards_app.services.personal_values import EMAIL, NAME, personal

# Each request emails the nominator's words to an address they choose: bounded,
# so the engine cannot be used to send mail to anyone at will.
MAX_PER_NOMINATION = 10
MAX_PER_NOMINATOR_PER_DAY = 30
# A nomination in these states is void: its links no longer open.
VOID_NOMINATION_STATES = ("withdrawn", "ineligible", "cancelled")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request(actor, nomination: Nomination, email: str, *,
            locale: str | None = None) -> tuple[Endorsement, str]:
    """Ask an endorser; returns the endorsement and the token (sent by email only).

    locale: the language the nominator chose for the endorser, who has no
    account to say it; by default the nominator's own."""
    if nomination.state != "draft":
        raise ServiceError("endorsement.not_draft", N_("Endorsements are requested while in draft."))
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise ServiceError("endorsement.email", N_("Give the endorser's email address."), field="email")
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise ServiceError("endorsement.locale", N_("Choose English, French or Spanish."), field="locale")
    _within_limits(actor, nomination)
    days = int(nomination.cycle.setting("endorsement_valid_days"))
    token = secrets.token_urlsafe(32)
    endorsement = Endorsement(nomination=nomination, email=email, token_hash=_hash(token),
                              expires_at=datetime.now(UTC) + timedelta(days=days))
    db.session.add(endorsement)
    db.session.flush()
    link = public_url("endorse.respond", token=token)
    outbox.notify(email, locale or actor.locale, nomination.cycle, N_("Endorsement requested: %(cycle)s"),
                  N_("%(nominator)s asks you to endorse the nomination of %(candidate)s for %(cycle)s.\n\n"
                     "Answer here (the link works once, for %(days)s days): %(link)s"),
                  secret=link, nominator=actor.name, candidate=str(nomination.candidate), days=days, link=link)
    audit.record(actor, "endorsement.requested", endorsement,
                 {"nomination_id": nomination.id, "email": personal(email, EMAIL)},
                 cycle_id=nomination.cycle_id)
    return endorsement, token


def _within_limits(actor, nomination: Nomination) -> None:
    asked = db.session.scalar(select(func.count()).select_from(Endorsement)
                              .where(Endorsement.nomination_id == nomination.id))
    if asked >= MAX_PER_NOMINATION:
        raise ServiceError("endorsement.too_many",
                           Message(N_("A nomination can ask at most %(n)s endorsers."), n=MAX_PER_NOMINATION),
                           field="email")
    since = datetime.now(UTC) - timedelta(days=1)
    today = db.session.scalar(select(func.count()).select_from(Endorsement).join(Nomination)
                              .where(Nomination.nominator_id == actor.id, Endorsement.requested_at >= since))
    if today >= MAX_PER_NOMINATOR_PER_DAY:
        raise ServiceError("endorsement.rate_limited",
                           Message(N_("You have asked %(n)s endorsers today; ask more tomorrow."),
                                   n=MAX_PER_NOMINATOR_PER_DAY), field="email")


def find_open(token: str) -> Endorsement:
    """The endorsement a link is for, if it is still usable."""
    endorsement = db.session.scalar(select(Endorsement).where(Endorsement.token_hash == _hash(token)))
    if endorsement is None:
        raise NotFound("endorsement link")
    if endorsement.received_at is not None:
        raise ServiceError("endorsement.used", N_("This link has already been used."))
    if datetime.now(UTC) > endorsement.expires_at:
        raise ServiceError("endorsement.expired",
                           N_("This link has expired. Ask the nominator for a new one."))
    if endorsement.nomination.state in VOID_NOMINATION_STATES:
        raise ServiceError("endorsement.void", N_("This nomination was withdrawn or closed: the link no longer works."))
    return endorsement


def respond(token: str, *, name: str, organisation: str, role: str, text: str) -> Endorsement:
    endorsement = find_open(token)
    missing = [f for f, v in (("name", name), ("organisation", organisation), ("role", role),
                              ("text", text)) if not (v or "").strip()]
    if missing:
        raise ServiceError("endorsement.incomplete", N_("Fill in every field."), field=missing[0])
    for field, value in (("name", name), ("organisation", organisation), ("role", role), ("text", text)):
        if text_rules.has_control_character(value):  # the update below bypasses the session's guard
            raise text_rules.refusal(field)
    # One conditional update claims the link: of two answers sent at once,
    # only the one that finds it unused writes anything.
    claimed = db.session.execute(
        update(Endorsement)
        .where(Endorsement.id == endorsement.id, Endorsement.received_at.is_(None))
        .values(endorser_name=name.strip(), endorser_organisation=organisation.strip(),
                endorser_role=role.strip(), text=text.strip(), received_at=datetime.now(UTC))
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("endorsement.used", N_("This link has already been used."))
    db.session.refresh(endorsement)
    nomination = endorsement.nomination
    endorsement.from_candidate_organisation = speaks_for_candidate_organisation(endorsement)
    db.session.flush()
    endorser = actors.SystemActor(f"endorser:{endorsement.id}")
    audit.record(endorser, "endorsement.received", endorsement,
                 {"nomination_id": nomination.id, "name": personal(endorsement.endorser_name, NAME),
                  "organisation": endorsement.endorser_organisation,
                  "from_candidate_organisation": endorsement.from_candidate_organisation},
                 cycle_id=nomination.cycle_id)
    # The endorser's name is known only now: a judge who endorsed it is conflicted.
    conflict_service.detect_for(endorser, nomination)
    nominator = nomination.nominator
    outbox.notify(nominator.email, nominator.locale, nomination.cycle, N_("Endorsement received: %(cycle)s"),
                  N_("%(endorser)s (%(organisation)s) endorsed your nomination of %(candidate)s."),
                  endorser=endorsement.endorser_name, organisation=endorsement.endorser_organisation,
                  candidate=str(nomination.candidate))
    return endorsement


def candidate_organisation(nomination: Nomination) -> Organisation | None:
    if nomination.candidate_person is not None:
        return nomination.candidate_person.organisation
    if nomination.candidate_delegation is not None:
        return nomination.candidate_delegation.organisation
    return nomination.candidate_organisation


def speaks_for_candidate_organisation(endorsement: Endorsement) -> bool:
    """Whether a received endorsement is the candidate's own organisation's.

    The engine decides, never the nominator: the endorser, answering through
    the single-use link sent to their address, names their organisation, and
    it must be the candidate's organisation in the register, by its name or
    one of its recorded other names, with case, accents, punctuation and word
    order ignored (the register's own key). No email domain is trusted: the
    register records none, and any address can be at a public provider. An
    answer from the nominator's or the candidate's own address never counts:
    the candidature is endorsed by someone else in the organisation."""
    if endorsement.received_at is None or not endorsement.endorser_organisation:
        return False
    nomination = endorsement.nomination
    organisation = candidate_organisation(nomination)
    if organisation is None:
        return False
    email = endorsement.email.lower()
    person = nomination.candidate_person
    if email == (nomination.nominator.email or "").lower() or (
            person is not None and email == (person.email or "").lower()):
        return False
    key = name_key(endorsement.endorser_organisation)
    return bool(key) and key in {organisation.name_key or name_key(organisation.name),
                                 *(alias.name_key for alias in organisation.aliases)}
