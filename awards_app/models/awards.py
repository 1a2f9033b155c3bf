"""Award types, their cycles and the criteria each cycle published."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import workflows
from awards_app.extensions import db
from awards_app.models.events import Event
from awards_app.models.organisations import Country, Organisation
from awards_app.models.types import JSONType, UTCDateTime, check_in, utcnow
from workflows.base import FINAL, ROUNDS, SHORTLIST


class AwardType(db.Model):
    """An award MILSET gives, with the defaults a new cycle starts from."""

    __tablename__ = "award_type"
    __table_args__ = (
        CheckConstraint(check_in("candidate_kind", workflows.CANDIDATE_KINDS), name="candidate_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_es: Mapped[str] = mapped_column(String(120))
    candidate_kind: Mapped[str] = mapped_column(String(16))
    cadence: Mapped[str] = mapped_column(String(40))
    workflow_code: Mapped[str] = mapped_column(String(40))
    required_fields: Mapped[list] = mapped_column(JSONType(), default=list)
    default_settings: Mapped[dict] = mapped_column(JSONType(), default=dict)
    default_criteria: Mapped[list] = mapped_column(JSONType(), default=list)

    cycles: Mapped[list["Cycle"]] = relationship(back_populates="award_type")

    def name(self, locale: str = "en") -> str:
        return getattr(self, f"name_{locale}", None) or self.name_en

    @property
    def workflow(self):
        return workflows.REGISTRY[self.workflow_code]

    def __str__(self):
        return self.name_en


class Cycle(db.Model):
    """One edition of one award, with the rules that were in force for it.

    settings is a copy taken when the cycle was created, so changing an
    award's defaults later never rewrites a past cycle.
    """

    __tablename__ = "cycle"
    __table_args__ = (
        CheckConstraint(check_in("state", workflows.CYCLE_STATES), name="state"),
        UniqueConstraint("award_type_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_type_id: Mapped[int] = mapped_column(ForeignKey("award_type.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    year: Mapped[int]
    state: Mapped[str] = mapped_column(String(32), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    settings: Mapped[dict] = mapped_column(JSONType(), default=dict)
    max_laureates: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    judging_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    board_vote_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    criteria_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    odd_year_override_reason: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(Text)
    hearing_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hearing_notes: Mapped[str | None] = mapped_column(Text)
    deliberation_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award_type: Mapped[AwardType] = relationship(back_populates="cycles")
    event: Mapped[Event | None] = relationship()
    # The final round's criteria (every cycle has them), then the shortlist
    # round's where the cycle has one: each round is scored on its own rubric.
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="cycle", order_by="Criterion.position", cascade="all, delete-orphan",
        primaryjoin=f"and_(Cycle.id == Criterion.cycle_id, Criterion.round == '{FINAL}')",
    )
    shortlist_criteria: Mapped[list["Criterion"]] = relationship(
        order_by="Criterion.position", cascade="all, delete-orphan", overlaps="criteria,cycle",
        primaryjoin=f"and_(Cycle.id == Criterion.cycle_id, Criterion.round == '{SHORTLIST}')",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        return self.title_in("en")

    def title_in(self, locale: str) -> str:
        return f"{self.award_type.name(locale)} {self.year}"

    def criteria_of(self, round: str) -> list["Criterion"]:
        """The criteria a round is scored on."""
        return self.shortlist_criteria if round == SHORTLIST else self.criteria

    def rubric(self, round: str = FINAL) -> list[dict]:
        """A round's criteria in order as plain dicts (Criterion.as_row,
        without their ids): what the audit trail records of the rubric."""
        return [{k: v for k, v in c.as_row().items() if k != "id"} for c in self.criteria_of(round)]

    def setting(self, name: str):
        """One of the rules in force for this cycle: the stored value, else
        the award's default, else the one declared in workflows/settings.py
        (a settings dict stored before a setting existed still reads).
        Raises workflows.settings.UnknownSetting for an undeclared name."""
        return self.award_type.workflow.setting(self.settings, name)

    def __str__(self):
        return self.title


# A criterion's texts, each in the three languages.
RUBRIC_TEXTS = tuple(f"{part}_{lang}" for part in ("name", "description") for lang in ("en", "fr", "es"))


class Criterion(db.Model):
    """A published criterion of one cycle, with its weight and scale."""

    __tablename__ = "criterion"
    __table_args__ = (
        UniqueConstraint("cycle_id", "round", "code"),
        CheckConstraint(check_in("round", ROUNDS), name="round"),
        CheckConstraint("scale_min < scale_max", name="scale"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("scale_step > 0", name="scale_step_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    round: Mapped[str] = mapped_column(String(16), default=FINAL, server_default=FINAL)
    code: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(default=1.0)
    scale_min: Mapped[int] = mapped_column(default=0)
    scale_max: Mapped[int] = mapped_column(default=10)
    scale_step: Mapped[float] = mapped_column(default=1.0, server_default="1")
    # What a score in each band of the scale means, shown on the judge's
    # sheet: [{"min": 0, "max": 3, "en": ..., "fr": ..., "es": ...}, ...].
    descriptors: Mapped[list | None] = mapped_column(JSONType())
    comment_required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="criteria", overlaps="shortlist_criteria")

    def name(self, locale: str = "en") -> str:
        return getattr(self, f"name_{locale}", None) or self.name_en

    def description(self, locale: str = "en") -> str:
        return getattr(self, f"description_{locale}", None) or self.description_en or ""

    def as_row(self) -> dict:
        """The criterion as the rubric's plain dict (services.rubric)."""
        return {"id": self.id, "code": self.code, **{t: getattr(self, t) or "" for t in RUBRIC_TEXTS},
                "weight": self.weight, "scale_min": self.scale_min, "scale_max": self.scale_max,
                "scale_step": self.scale_step, "comment_required": bool(self.comment_required),
                "descriptors": [dict(b) for b in self.descriptors or []]}


LAUREATE_KINDS = ("individual", "organisation", "delegation")


class PastLaureate(db.Model):
    """A laureate from before the engine, or from outside it (the 2012
    Volunteer Award at an Expo-Sciences Europe). "Never won before" rules
    read this registry as well as the engine's own ratified laureates."""

    __tablename__ = "past_laureate"
    __table_args__ = (
        CheckConstraint(check_in("kind", LAUREATE_KINDS), name="kind"),
        UniqueConstraint("award_type_id", "year", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_type_id: Mapped[int] = mapped_column(ForeignKey("award_type.id"), index=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    # As the record gives it: a person's name, an organisation's, or a
    # delegation's (then organisation_id names whose delegation it was).
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)  # judging.names.normalise_name
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award_type: Mapped[AwardType] = relationship()
    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


SETTINGS_CHANGE_STATUSES = ("pending", "approved", "rejected", "withdrawn")


class SettingsChange(db.Model):
    """A change to a cycle's frozen settings or rubric, proposed with its
    reason; it takes effect only when the board approves it, and the replay
    reads the settings in force at each step from these rows' audit events."""

    __tablename__ = "settings_change"
    __table_args__ = (CheckConstraint(check_in("status", SETTINGS_CHANGE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    # {"settings": {name: value}, "criteria": [criterion dicts]}: what would be in force after.
    changes: Mapped[dict] = mapped_column(JSONType(), default=dict)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[Cycle] = relationship()
    votes: Mapped[list["SettingsChangeVote"]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="SettingsChangeVote.id")


class SettingsChangeVote(db.Model):
    """One board member's vote on a settings change."""

    __tablename__ = "settings_change_vote"
    __table_args__ = (
        UniqueConstraint("change_id", "user_id"),
        CheckConstraint("vote IN ('for', 'against', 'abstain')", name="vote"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("settings_change.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    vote: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change: Mapped[SettingsChange] = relationship(back_populates="votes")


class ReminderSent(db.Model):
    """A deadline reminder sent to one person for one cycle's deadline, so
    the scheduled command sends each reminder once however often it runs."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("cycle_id", "user_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))  # which deadline: judging_deadline, ...
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


SHORTLIST_BASES = ("rank", "threshold")


class ShortlistDecision(db.Model):
    """The chair's shortlist: which nominations go on from the shortlist
    round to the final round, on what basis (the top ``cutoff`` places of the
    round's ranking, ties at the last place kept, or every nomination scoring
    at least ``cutoff``), from which ranking (its inputs' hash) and why.
    One per cycle, never edited."""

    __tablename__ = "shortlist_decision"
    __table_args__ = (CheckConstraint(check_in("basis", SHORTLIST_BASES), name="basis"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), unique=True)
    basis: Mapped[str] = mapped_column(String(16))
    cutoff: Mapped[float]
    method: Mapped[str] = mapped_column(String(40))
    # The round's whole ranking as the chair saw it, and who goes on.
    ranking: Mapped[list] = mapped_column(JSONType(), default=list)
    nomination_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
