"""The site's own settings: the organisation's name, its contact address and
the default time zone, changed by the secretariat on the Settings page.

Each has its default in the environment (config.py: ORGANISATION_NAME,
CONTACT_EMAIL, DEFAULT_TIMEZONE), read until someone saves the page; a saved
value lives in a site_setting row and is audited before and after. What
must be right before anyone logs in, or is a fact of the deployment (the
public URL, the mail server), stays in the environment: `deployment()`
lists those, read-only, with where each value comes from."""

import os
from functools import cache
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import SiteSetting
from awards_app.services import N_, Forbidden, ServiceError, audit

# name -> the config key holding its default
SETTINGS = {
    "organisation_name": "ORGANISATION_NAME",
    "contact_email": "CONTACT_EMAIL",
    "timezone": "DEFAULT_TIMEZONE",
}
NAME_MAX = 200


@cache
def timezones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted."""
    return tuple(sorted(available_timezones()))


def values() -> dict[str, str]:
    """Every setting: the saved value, else its default from the environment.

    Read once per request or command (g): every page's footer and every
    notice's footer ask, and a reminder run writes a notice per judge."""
    if "site_values" not in g:
        saved = dict(db.session.execute(select(SiteSetting.name, SiteSetting.value)).all())
        g.site_values = {name: saved.get(name) or str(current_app.config[key]) for name, key in SETTINGS.items()}
    return dict(g.site_values)


def saved_columns() -> list:
    """The saved values as columns (NULL where none is saved), one per
    setting, for a statement that reads something else on every request:
    the signed-in user's (web/login.py), so the footer costs no statement
    of its own. remember() takes them back."""
    return [select(SiteSetting.value).where(SiteSetting.name == name).scalar_subquery().label(f"site_{name}")
            for name in SETTINGS]


def remember(saved: list) -> None:
    """This request's values, from the columns of saved_columns() (in their order)."""
    g.site_values = {name: value or str(current_app.config[key])
                     for (name, key), value in zip(SETTINGS.items(), saved, strict=True)}


def get(name: str) -> str:
    return values()[name]


def sources() -> dict[str, str]:
    """Where each setting's value comes from: "page", "environment" or "default"."""
    saved = set(db.session.scalars(select(SiteSetting.name)))
    return {name: "page" if name in saved else "environment" if key in os.environ else "default"
            for name, key in SETTINGS.items()}


def deployment() -> list[tuple[str, str, str]]:
    """(key, value, source) of the settings only the environment gives; a
    password is shown as set or not, never its value."""
    config = current_app.config
    rows = []
    for key in ("PUBLIC_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD",
                "MAIL_SENDER"):
        value = config.get(key)
        if key == "MAIL_PASSWORD":
            value = "set" if value else ""
        rows.append((key, "" if value is None else str(value), "environment" if key in os.environ else "default"))
    return rows


def _clean(name: str, value: str) -> str:
    value = (value or "").strip()
    if name == "organisation_name":
        if not value or len(value) > NAME_MAX:
            raise ServiceError("site.organisation_name", N_("Give the organisation's name (at most 200 characters)."),
                               field=name)
    elif name == "contact_email":
        try:
            value = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ServiceError("site.contact_email", N_("Give a valid email address."), field=name) from None
    elif name == "timezone" and value not in timezones():
        raise ServiceError("site.timezone", N_("Choose a time zone from the list (e.g. Europe/Paris)."),
                           field=name)
    return value


def update(actor, **new_values) -> list[str]:
    """Save the settings given (names of SETTINGS); returns the names that
    changed, each audited as site.setting_changed with before and after."""
    if not actor.has_role("admin"):
        raise Forbidden("site.not_admin", N_("Only the secretariat changes the site's settings."))
    unknown = set(new_values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    cleaned = {name: _clean(name, value) for name, value in new_values.items()}
    current = values()
    changed = []
    for name, value in cleaned.items():
        if value == current[name]:
            continue
        row = db.session.get(SiteSetting, name)
        if row is None:
            db.session.add(SiteSetting(name=name, value=value))
        else:
            row.value = value
        audit.record(actor, "site.setting_changed", None, {"name": name, "before": current[name], "after": value},
                     object_type="site_setting", object_id=name)
        changed.append(name)
    db.session.flush()
    g.pop("site_values", None)  # this request's footer shows the new values
    return changed
