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
