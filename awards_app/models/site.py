"""Settings the secretariat changes from its pages (the rest come from the
environment: see config.py)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from awards_app.extensions import db
from awards_app.models.types import UTCDateTime, utcnow


class SiteSetting(db.Model):
    """One named value; a name with no row reads its default from config."""

    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
