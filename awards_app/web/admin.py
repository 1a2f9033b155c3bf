"""The secretariat's pages."""

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards_app.extensions import db
from awards_app.models import User
from awards_app.permissions import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@role_required("admin")
def users():
    accounts = db.session.scalars(
        select(User).options(selectinload(User.person)).order_by(User.email)
    ).all()
    return render_template("admin/users.html", accounts=accounts)
