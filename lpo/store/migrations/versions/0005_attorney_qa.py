"""attorney QA: stratified, recorded samples (kind, plan, strata, census, population hash), batch verdicts,
re-review and QA batches linked to the batch they review

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_verdicts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch', sa.String(length=128), nullable=False),
    sa.Column('sample', sa.String(length=128), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('overturned', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('lower', sa.Float(), nullable=False),
    sa.Column('upper', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('rereview_batch', sa.String(length=128), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_verdicts')),
    sa.UniqueConstraint('batch', name=op.f('uq_batch_verdicts_batch'))
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviews_batch', sa.String(length=128), nullable=True))
    with op.batch_alter_table('qa_samples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='acceptance', nullable=False))
        batch_op.add_column(sa.Column('plan', sa.String(length=32), server_default='margin', nullable=False))
        batch_op.add_column(sa.Column('strata', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('census', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('population_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('qa_samples', schema=None) as batch_op:
        batch_op.drop_column('population_sha256')
        batch_op.drop_column('census')
        batch_op.drop_column('strata')
        batch_op.drop_column('plan')
        batch_op.drop_column('kind')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('reviews_batch')
    op.drop_table('batch_verdicts')
