"""processing fields

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:55:50.386519
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('ocr', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('custodians', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('email_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('near_duplicate_group', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('near_duplicate_similarity', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('inclusive', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('filtered', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_email_hash'), ['email_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_near_duplicate_group'), ['near_duplicate_group'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_near_duplicate_group'))
        batch_op.drop_index(batch_op.f('ix_documents_email_hash'))
        batch_op.drop_column('filtered')
        batch_op.drop_column('inclusive')
        batch_op.drop_column('near_duplicate_similarity')
        batch_op.drop_column('near_duplicate_group')
        batch_op.drop_column('email_hash')
        batch_op.drop_column('custodians')
        batch_op.drop_column('ocr')
        batch_op.drop_column('language')

