"""People, their login accounts and the roles those accounts hold."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards_app.extensions import db
from awards_app.models.organisations import Country, Organisation
from awards_app.models.types import UTCDateTime, check_in, utcnow

# admin is the secretariat: it runs the cycles.
ROLES = ("admin", "nominator", "judge", "chair", "board", "auditor")


class Person(db.Model):
    """Anyone the engine records: a candidate, a judge, a participant's contact."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    date_of_birth: Mapped[date | None]

    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def __str__(self):
        return self.name


class User(UserMixin, db.Model):
    """A login account; one person, any number of roles."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped to end every signed-in session of the account at once (logout,
    # password or role change): a session cookie carries the value it was
    # issued under and stops working when they differ. Signed cookies cannot
    # be recalled, so the server must be able to refuse them.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the address of the person's calendar feed (iCalendar):
    # calendar programs cannot sign in, so the address itself is the key.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Second factor (RFC 6238 TOTP). The secret is written at enrolment and
    # counts only once a code made from it was accepted (totp_enabled_at).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step whose code was accepted: a code is good once.
    totp_last_step: Mapped[int | None]

    person: Mapped[Person] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def name(self) -> str:
        return self.person.name

    def __str__(self):
        return self.email


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(check_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="role_rows")


ACCOUNT_LINK_PURPOSES = ("invite", "reset")


class AccountLink(db.Model):
    """A single-use, expiring link sent by email: an invitation to set a
    first password, or a password reset. Only the token's hash is stored."""

    __tablename__ = "account_link"
    __table_args__ = (CheckConstraint(check_in("purpose", ACCOUNT_LINK_PURPOSES), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor when the phone
    is lost; only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
