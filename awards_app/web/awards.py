"""The awards MILSET gives, their cycles and their workflow diagrams."""

from flask import Blueprint, abort, render_template
from flask_login import login_required
from sqlalchemy import select

from awards_app.extensions import db
from awards_app.models import AwardType

bp = Blueprint("awards", __name__, url_prefix="/awards")


@bp.route("/")
@login_required
def index():
    award_types = db.session.scalars(select(AwardType).order_by(AwardType.id)).all()
    return render_template("awards/index.html", award_types=award_types)


@bp.route("/<code>")
@login_required
def show(code: str):
    award = db.session.scalar(select(AwardType).where(AwardType.code == code))
    if award is None:
        abort(404)
    return render_template("awards/show.html", award=award, workflow=award.workflow)
