"""The endorser's page: reached by a single-use link, no account needed."""

from flask import Blueprint, render_template
from flask_babel import gettext as _

from awards_app.services import NotFound, ServiceError
from awards_app.services import endorsements as endorsement_service
from awards_app.web import carry_out
from awards_app.web.forms import EndorsementForm

bp = Blueprint("endorse", __name__, url_prefix="/endorse")


@bp.route("/<token>", methods=["GET", "POST"])
def respond(token: str):
    try:
        endorsement = endorsement_service.find_open(token)
    except NotFound:
        raise  # an unknown link is a plain 404
    except ServiceError as exc:
        return render_template("endorse/closed.html", message=exc.message, rule=exc.rule), 410
    form = EndorsementForm()
    if form.validate_on_submit():
        ok, _endorsement = carry_out(lambda: endorsement_service.respond(
            token, name=form.name.data, organisation=form.organisation.data, role=form.role.data,
            text=form.text.data), form, field="text")
        if ok:
            return render_template("endorse/thanks.html",
                                   message=_("Thank you: your endorsement is recorded."))
    return render_template("endorse/form.html", form=form, endorsement=endorsement), \
        (400 if form.errors else 200)
