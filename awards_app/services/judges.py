"""Judges' profiles: recorded expertise with its evidence, languages,
declared relations, and the secretariat's vetting."""

from datetime import UTC, datetime

from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import Cycle, Expertise, JudgeProfile, Panel, PanelMember
from awards_app.models.judging import CONFLICT_KINDS
from awards_app.services import N_, Message, ServiceError, audit
from awards_app.services import conflicts as conflict_service
from awards_app.services.personal_values import RELATION, personal
from judging import expertise


def existing_or_blank(user) -> JudgeProfile:
    """For showing: the stored profile, or an unsaved blank one (a GET creates nothing)."""
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == user.id))
    return profile or JudgeProfile(user_id=user.id, user=user, languages=[], regions=[], relations=[], expertise=[])


def profile_of(user) -> JudgeProfile:
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == user.id))
    if profile is None:
        profile = JudgeProfile(user_id=user.id, languages=[], regions=[], relations=[])
        db.session.add(profile)
        db.session.flush()
    return profile


def _changed(actor, profile: JudgeProfile, what: str, payload: dict) -> None:
    """Any change un-vets the profile and re-runs conflict detection where the judge sits."""
    if profile.vetted_at is not None:
        profile.vetted_at, profile.vetted_by_id = None, None
        payload = {**payload, "vetting": "withdrawn until the secretariat checks the change"}
    db.session.flush()
    audit.record(actor, f"judge_profile.{what}", profile, payload)
    cycles = db.session.scalars(select(Cycle).join(Panel).join(PanelMember)
                                .where(PanelMember.user_id == profile.user_id))
    for cycle in cycles:
        conflict_service.detect(actor, cycle, judges=[profile.user])


def update_languages(actor, profile: JudgeProfile, languages) -> None:
    unknown = set(languages) - set(expertise.LANGUAGES)
    if unknown:
        raise ServiceError("judge.language",
                           Message(N_("Unknown language(s): %(codes)s."), codes=", ".join(sorted(unknown))),
                           field="languages")
    profile.languages = sorted(set(languages))
    _changed(actor, profile, "languages", {"languages": profile.languages})


def add_expertise(actor, profile: JudgeProfile, field: str, evidence: str, years: int) -> Expertise:
    if field not in expertise.FIELDS:
        raise ServiceError("judge.field", N_("Choose a field from the list."), field="field")
    if not (evidence or "").strip():
        raise ServiceError("judge.evidence_required",
                           N_("Say what shows this expertise (roles, work, publications)."), field="evidence")
    if any(e.field == field for e in profile.expertise):
        raise ServiceError("judge.field_duplicate", N_("This field is already on your profile."), field="field")
    row = Expertise(profile=profile, field=field, evidence=evidence.strip(), years=years)
    db.session.add(row)
    _changed(actor, profile, "expertise_added", {"field": field, "years": years})
    return row


def remove_expertise(actor, profile: JudgeProfile, row: Expertise) -> None:
    db.session.delete(row)
    _changed(actor, profile, "expertise_removed", {"field": row.field})


def add_relation(actor, profile: JudgeProfile, name: str, email: str | None, kind: str) -> None:
    if kind not in CONFLICT_KINDS:
        raise ServiceError("conflict.kind", N_("Choose the kind of relation."), field="kind")
    if not (name or "").strip():
        raise ServiceError("judge.relation_name", N_("Give the person's name."), field="name")
    relation = {"name": name.strip(), "email": (email or "").strip().lower() or None, "kind": kind}
    profile.relations = [*profile.relations, relation]
    _changed(actor, profile, "relation_declared", {"relation": personal(relation, RELATION)})


def vet(actor, profile: JudgeProfile) -> None:
    """The secretariat checked the evidence: the expertise now counts for panels."""
    if not profile.expertise:
        raise ServiceError("judge.no_expertise", N_("A profile without expertise cannot be vetted."))
    profile.vetted_at = datetime.now(UTC)
    profile.vetted_by_id = actor.id
    db.session.flush()
    audit.record(actor, "judge_profile.vetted", profile,
                 {"user_id": profile.user_id, "fields": sorted(e.field for e in profile.expertise)})
