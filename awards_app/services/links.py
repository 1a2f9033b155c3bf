"""Links sent by email: built from the configured PUBLIC_URL, carrying a
random token of which only the SHA-256 hash is stored."""

import hashlib
import secrets
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """Links in emails come from the configured PUBLIC_URL, never from the
    request's Host header (which a client controls), and work from the CLI."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme, script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
