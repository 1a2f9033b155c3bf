"""Placeholder replaced by the delegations feature."""

from flask import Blueprint

bp = Blueprint("delegations", __name__, url_prefix="/delegations")
