"""The app the page benchmark serves: wsgi:app, as `make serve` runs it,
plus two reference endpoints that exist only in this benchmark process.

They split a page's cost into what every signed-in page pays and what the
page itself adds, so a ratio to /healthz can be read:

- /bench/signed-in: a JSON answer for a signed-in user (the session, the
  account read from the database, the security headers);
- /bench/layout: the same with the site's layout (base.html: the menu, the
  language switch, the CSRF token of the logout form) around an empty page.
"""

from flask import render_template
from flask_login import current_user, login_required
from jinja2 import ChoiceLoader, DictLoader

from wsgi import app

app.jinja_env.loader = ChoiceLoader([
    app.jinja_env.loader,
    DictLoader({"bench/layout.html": '{% extends "base.html" %}{% block content %}{% endblock %}'}),
])


@app.route("/bench/signed-in")
@login_required
def signed_in():
    return {"user": current_user.id}


@app.route("/bench/layout")
@login_required
def layout():
    return render_template("bench/layout.html")
