import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from awards_app.extensions import db
from awards_app.services import audit
from tests.factories import AuditEventFactory


def test_a_restore_reproduces_the_same_audit_head(runner, ctx, tmp_path):
    for i in range(3):
        AuditEventFactory(payload={"n": i})
    db.session.commit()
    chain = audit.verify_chain()
    count, head = chain.count, chain.head_hash
    target = tmp_path / "backup.dump"
    created = runner.invoke(args=["backup", "create", str(target)])
    assert created.exit_code == 0, created.output
    assert head in created.output and target.exists()
    AuditEventFactory(payload={"after": "the backup"})
    db.session.commit()
    assert audit.verify_chain().head_hash != head
    restored = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    restored_chain = audit.verify_chain()
    assert restored_chain.ok and (restored_chain.count, restored_chain.head_hash) == (count, head)
    assert head in restored.output
    if db.engine.dialect.name == "postgresql":
        # The restore re-created the tables; the runtime role (the app's
        # connection here) still may not change the audit trail, and may append.
        with pytest.raises(DBAPIError, match="permission denied"):
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_event"))
        AuditEventFactory(payload={"after": "the restore"})
        db.session.commit()
        assert audit.verify_chain().count == count + 1


def test_restore_asks_before_replacing_everything(runner, ctx, tmp_path):
    target = tmp_path / "backup.dump"
    runner.invoke(args=["backup", "create", str(target)])
    refused = runner.invoke(args=["backup", "restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and "Aborted" in refused.output
