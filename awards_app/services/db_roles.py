"""Two database roles on PostgreSQL: the owner, who runs the migrations and
owns every table (and so its triggers), and the runtime role the app connects
as, with rights on rows only. The runtime role cannot create or alter tables,
cannot disable the audit triggers, and cannot UPDATE, DELETE or TRUNCATE the
append-only audit tables: the privilege refuses it before the trigger would.

SQLite has no roles: there the owner is the app's own connection.
"""

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from awards_app.extensions import db

# What the runtime role may do to each table; SELECT, INSERT, UPDATE and
# DELETE on every other. The audit tables are only ever inserted (migrations
# 0002, 0003 and 0009 add triggers refusing the rest, even to their owner;
# the subtree hashes, a cache, and the witnesses' cosignatures, each
# checked against its key by `flask audit verify`, have none, and are only
# inserted); every append updates the one head row, which is never deleted;
# the migrations alone write alembic_version. Never TRUNCATE, REFERENCES or TRIGGER.
TABLE_RIGHTS = {
    "audit_event": "SELECT, INSERT",
    "audit_checkpoint": "SELECT, INSERT",
    "audit_subtree": "SELECT, INSERT",
    "audit_signed_checkpoint": "SELECT, INSERT",
    "audit_cosignature": "SELECT, INSERT",  # the board's cosignatures: kept as given
    "audit_head": "SELECT, INSERT, UPDATE",
    "alembic_version": "SELECT",
}


def owner_engine() -> Engine:
    """The engine of the role that owns the schema: MIGRATION_DATABASE_URL's
    when set, otherwise the app's own. Kept on the app, disposed with it."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not url:
        return db.engine
    engine = current_app.extensions.get("owner_engine")
    if engine is None:
        engine = current_app.extensions["owner_engine"] = create_engine(url, pool_pre_ping=True)
    return engine


def runtime_role() -> str | None:
    """The app's own role when it is not the owner's, else None (one role)."""
    owner = current_app.config.get("MIGRATION_DATABASE_URL")
    if not owner:
        return None
    runtime = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if runtime.get_backend_name() != "postgresql" or runtime.username == make_url(owner).username:
        return None
    return runtime.username


class RoleError(Exception):
    pass


def grant_runtime(conn: Connection, role: str) -> list[str]:
    """Give ROLE exactly the rights the app needs on the owner's schema, and
    no others; run as the owner, after every `flask db upgrade`. Idempotent:
    everything is revoked from ROLE first, in the same transaction."""
    found = conn.execute(text(
        "SELECT r.rolsuper, pg_has_role(r.rolname, current_user, 'MEMBER'), current_user, "
        "current_database(), current_schema(), "
        "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        " WHERE c.relowner = r.oid AND n.nspname = current_schema()), "
        "(SELECT array_agg(tablename::text) FROM pg_tables WHERE schemaname = current_schema()) "
        "FROM pg_roles r WHERE r.rolname = :role"), {"role": role}).first()
    if found is None:
        raise RoleError(f"There is no role {role!r}. As a superuser: CREATE ROLE {role} LOGIN PASSWORD '...';")
    superuser, member_of_owner, owner, database, schema, owns, tables = found
    if superuser:
        raise RoleError(f"{role!r} is a superuser, which no privilege restrains: "
                        f"ALTER ROLE {role} NOSUPERUSER; or use another role.")
    if role == owner or member_of_owner:
        raise RoleError(f"{role!r} is (or can act as) {owner!r}, the role that runs the migrations and owns "
                        "the tables: the runtime role must be another one.")
    if owns:
        raise RoleError(f"{role!r} owns {owns} tables, indexes or sequences in schema {schema!r}, and with them their "
                        f"triggers. As a superuser: REASSIGN OWNED BY {role} TO {owner};")
    quote = conn.dialect.identifier_preparer.quote_identifier
    r, s, d = quote(role), quote(schema), quote(database)
    statements = [
        f"GRANT CONNECT ON DATABASE {d} TO {r}",
        # Before PostgreSQL 15 every role could create tables in public.
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        *(statement for table, rights in TABLE_RIGHTS.items() if table in (tables or ())
          for statement in (f"REVOKE ALL ON {quote(table)} FROM {r}", f"GRANT {rights} ON {quote(table)} TO {r}")),
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # Tables a later migration creates: reading and adding rows only,
        # until this runs again after it. (So pg_restore, which re-creates the
        # tables, then adds the grants the backup recorded, never widens them.)
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON TABLES FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON SEQUENCES FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]
    for statement in statements:
        conn.execute(text(statement))
    return statements
