"""The site's Settings page: the organisation's name, contact address and
default time zone (services/site.py), and, read-only, what only the
environment sets (the public URL, the mail server) with where each comes from."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from awards_app.permissions import role_required
from awards_app.services import site
from awards_app.web import carry_out
from awards_app.web.forms import Form

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


class SettingsForm(Form):
    organisation_name = StringField(_l("Organisation's name"), validators=[DataRequired(), Length(max=site.NAME_MAX)])
    contact_email = EmailField(_l("Contact address"), validators=[DataRequired(), Length(max=254)])
    timezone = StringField(_l("Default time zone (IANA name, e.g. Europe/Paris)"),
                           validators=[DataRequired(), Length(max=64)])


@bp.app_context_processor
def _site_settings():
    """site_settings() in every template (the footer): called only where used."""
    return {"site_settings": site.values}


def _render(form, status=200):
    return render_template("admin/settings.html", form=form, sources=site.sources(),
                           deployment=site.deployment(), timezones=site.timezones()), status


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def edit():
    form = SettingsForm(data=site.values())
    if not form.is_submitted():
        return _render(form)
    if not form.validate():
        return _render(form, 400)
    ok, changed = carry_out(lambda: site.update(current_user, organisation_name=form.organisation_name.data,
                                                contact_email=form.contact_email.data, timezone=form.timezone.data),
                            form)
    if not ok:
        return _render(form, 400)
    flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("settings.edit"), 303)
