"""review routing: batch pool and routing state, decision history (superseded/retracted, lead time),
collect rejections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:29:43.733391
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('collect_rejections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=False),
    sa.Column('control_number', sa.String(length=64), nullable=True),
    sa.Column('reviewer', sa.String(length=200), nullable=True),
    sa.Column('batch', sa.String(length=128), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('annotation_updated_at', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collect_rejections')),
    sa.UniqueConstraint('site', 'annotation_id', name='uq_rejections_site_annotation')
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
    # Batches made before routing was resumable were sent whole when their project was set.
    op.execute("UPDATE batches SET routed_at = created_at WHERE project_id IS NOT NULL")

    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_time', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_decisions_site_annotation'), type_='unique')
        batch_op.create_index('ix_decisions_site_project', ['site', 'project_id'], unique=False)
        batch_op.create_unique_constraint('uq_decisions_site_annotation_version', ['site', 'annotation_id', 'decided_at'])



def downgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_decisions_site_annotation_version', type_='unique')
        batch_op.drop_index('ix_decisions_site_project')
        batch_op.create_unique_constraint(batch_op.f('uq_decisions_site_annotation'), ['site', 'annotation_id'])
        batch_op.drop_column('retracted_at')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('collected_at')
        batch_op.drop_column('lead_time')

    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('routed_at')
        batch_op.drop_column('pool')

    op.drop_table('collect_rejections')
