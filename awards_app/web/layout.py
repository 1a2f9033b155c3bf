"""What every page's layout (base.html) shows that is the same for many
requests, made once per process instead of once per page.

The main menu depends only on the reader's roles, their language and where
the app is mounted: its HTML (about twenty translated labels and a dozen
built URLs) is kept per such key. What belongs to one request (the CSRF
token, the name in the header, the page's own address) stays in the
template, rendered each time."""

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

# The roles the menu asks about; any other role changes nothing in it.
MENU_ROLES = frozenset({"judge", "chair", "board", "auditor", "nominator", "admin"})


def main_menu(user) -> Markup:
    """The menu for this reader: at most 3 languages x 64 sets of roles per mount point."""
    roles = frozenset(user.roles) & MENU_ROLES
    key = (str(get_locale()), roles, request.script_root)
    menus = current_app.extensions["layout_menus"]
    menu = menus.get(key)
    if menu is None:
        def has(*wanted: str) -> bool:
            return not roles.isdisjoint(wanted)

        # An autoescaped template's output, labels and URLs only: nobody's input.
        menu = menus[key] = Markup(current_app.jinja_env.get_template("_menu.html").render(has=has))  # noqa: S704  # nosec B704 - an autoescaped template of labels and URLs
    return menu


def init_layout(app) -> None:
    app.extensions["layout_menus"] = {}
    app.jinja_env.globals["main_menu"] = main_menu
