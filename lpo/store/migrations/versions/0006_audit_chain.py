"""audit log as a hash chain (prev_sha256, sha256, the chain's head), append-only by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 06:20:00
"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit log is append-only"


def upgrade() -> None:
    from lpo.audit import event_sha256
    from lpo.models import AuditEvent

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # Events written before the chain existed are chained now, in their order.
    conn = op.get_bind()
    events = sa.table('audit_events', sa.column('id'), sa.column('at', sa.DateTime(timezone=True)), sa.column('actor'), sa.column('action'),
                      sa.column('subject'), sa.column('detail', sa.JSON), sa.column('input_hashes', sa.JSON),
                      sa.column('prev_sha256'), sa.column('sha256'))
    prev, n = None, 0
    for r in conn.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        at = r['at'] if r['at'].tzinfo else r['at'].replace(tzinfo=timezone.utc)  # SQLite: naive UTC
        ev = AuditEvent(id=r['id'], at=at, actor=r['actor'], action=r['action'], subject=r['subject'],
                        detail=r['detail'], input_hashes=r['input_hashes'])
        h = event_sha256(ev, prev)
        conn.execute(events.update().where(events.c.id == r['id']).values(prev_sha256=prev, sha256=h))
        prev, n = h, n + 1
    op.bulk_insert(head, [{'id': 1, 'seq': n, 'sha256': prev}])
    if conn.dialect.name == 'postgresql':
        op.execute(f"CREATE FUNCTION lpo_append_only() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION lpo_append_only()")
        op.execute("CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION lpo_append_only()")
    else:
        for name, what, table in (('audit_events_no_update', 'UPDATE', 'audit_events'),
                                  ('audit_events_no_delete', 'DELETE', 'audit_events'),
                                  ('audit_head_no_delete', 'DELETE', 'audit_head')):
            op.execute(f"CREATE TRIGGER {name} BEFORE {what} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER audit_head_kept ON audit_head")
        op.execute("DROP FUNCTION lpo_append_only()")
    else:
        for name in ('audit_events_no_update', 'audit_events_no_delete', 'audit_head_no_delete'):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('sha256')
        batch_op.drop_column('prev_sha256')
