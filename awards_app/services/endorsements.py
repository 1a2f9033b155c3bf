"""Endorsements: a single-use, expiring link emailed to the endorser, who
answers without an account. Only the link token's hash is stored."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Endorsement, Nomination
from awards_app.services import N_, NotFound, ServiceError, actors, audit, outbox


def public_url(endpoint: str, **values) -> str:
    """Links in emails come from the configured PUBLIC_URL, never from the
    request's Host header (which a client controls), and work from the CLI."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme, script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request(actor, nomination: Nomination, email: str, *, from_candidate_organisation: bool
            ) -> tuple[Endorsement, str]:
    """Ask an endorser; returns the endorsement and the token (sent by email only)."""
    if nomination.state != "draft":
        raise ServiceError("endorsement.not_draft", N_("Endorsements are requested while in draft."))
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise ServiceError("endorsement.email", N_("Give the endorser's email address."), field="email")
    days = int(nomination.cycle.setting("endorsement_valid_days"))
    token = secrets.token_urlsafe(32)
    endorsement = Endorsement(nomination=nomination, email=email, token_hash=_hash(token),
                              expires_at=datetime.now(UTC) + timedelta(days=days),
                              from_candidate_organisation=from_candidate_organisation)
    db.session.add(endorsement)
    db.session.flush()
    link = public_url("endorse.respond", token=token)
    # The endorser has no account: they read the nominator's language.
    outbox.notify(email, actor.locale, nomination.cycle, N_("Endorsement requested: %(cycle)s"),
                  N_("%(nominator)s asks you to endorse the nomination of %(candidate)s for %(cycle)s.\n\n"
                     "Answer here (the link works once, for %(days)s days): %(link)s"),
                  nominator=actor.name, candidate=str(nomination.candidate), days=days, link=link)
    audit.record(actor, "endorsement.requested", endorsement,
                 {"nomination_id": nomination.id, "email": email,
                  "from_candidate_organisation": from_candidate_organisation},
                 cycle_id=nomination.cycle_id)
    return endorsement, token


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
    return endorsement


def respond(token: str, *, name: str, organisation: str, role: str, text: str) -> Endorsement:
    endorsement = find_open(token)
    missing = [f for f, v in (("name", name), ("organisation", organisation), ("role", role),
                              ("text", text)) if not (v or "").strip()]
    if missing:
        raise ServiceError("endorsement.incomplete", N_("Fill in every field."), field=missing[0])
    endorsement.endorser_name = name.strip()
    endorsement.endorser_organisation = organisation.strip()
    endorsement.endorser_role = role.strip()
    endorsement.text = text.strip()
    endorsement.received_at = datetime.now(UTC)
    db.session.flush()
    nomination = endorsement.nomination
    audit.record(actors.SystemActor(f"endorser:{endorsement.email}"), "endorsement.received", endorsement,
                 {"nomination_id": nomination.id, "name": endorsement.endorser_name,
                  "organisation": endorsement.endorser_organisation},
                 cycle_id=nomination.cycle_id)
    nominator = nomination.nominator
    outbox.notify(nominator.email, nominator.locale, nomination.cycle, N_("Endorsement received: %(cycle)s"),
                  N_("%(endorser)s (%(organisation)s) endorsed your nomination of %(candidate)s."),
                  endorser=endorsement.endorser_name, organisation=endorsement.endorser_organisation,
                  candidate=str(nomination.candidate))
    return endorsement
