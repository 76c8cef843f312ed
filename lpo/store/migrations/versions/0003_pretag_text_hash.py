"""pretag text hash

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:58:23.324226
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pretag_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_sha256', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('pretag_runs', schema=None) as batch_op:
        batch_op.drop_column('text_sha256')

