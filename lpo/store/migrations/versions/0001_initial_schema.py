"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:13:38.883916
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('input_hashes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('control_numbers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('name', name=op.f('uq_batches_name'))
    )
    op.create_table('productions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('volume', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('begin_bates', sa.String(length=64), nullable=False),
    sa.Column('end_bates', sa.String(length=64), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('withheld', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_productions')),
    sa.UniqueConstraint('volume', name=op.f('uq_productions_volume'))
    )
    op.create_table('qa_samples',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('margin', sa.Float(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('control_numbers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_samples')),
    sa.UniqueConstraint('name', name=op.f('uq_qa_samples_name'))
    )
    op.create_table('source_files',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('custodian', sa.String(length=200), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_files')),
    sa.UniqueConstraint('custodian', 'path', name=op.f('uq_source_files_custodian'))
    )
    op.create_table('documents',
    sa.Column('control_number', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('custodian', sa.String(length=200), nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=True),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('family_id', sa.String(length=64), nullable=False),
    sa.Column('thread_id', sa.String(length=128), nullable=True),
    sa.Column('duplicate_of', sa.String(length=64), nullable=True),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('sha1', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('extension', sa.String(length=32), nullable=False),
    sa.Column('mime_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=True),
    sa.Column('modified', sa.DateTime(timezone=True), nullable=True),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('email', sa.JSON(), nullable=True),
    sa.Column('text_sha256', sa.String(length=64), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_file_id'], ['source_files.id'], name=op.f('fk_documents_source_file_id_source_files')),
    sa.PrimaryKeyConstraint('control_number', name=op.f('pk_documents')),
    sa.UniqueConstraint('custodian', 'source_path', name='uq_documents_custodian_source_path'),
    sa.UniqueConstraint('seq', name=op.f('uq_documents_seq'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_custodian'), ['custodian'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_source_file_id'), ['source_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_thread_id'), ['thread_id'], unique=False)

    op.create_table('processing_exceptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=True),
    sa.Column('custodian', sa.String(length=200), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_file_id'], ['source_files.id'], name=op.f('fk_processing_exceptions_source_file_id_source_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_exceptions')),
    sa.UniqueConstraint('custodian', 'source_path', 'stage', name='uq_exceptions_custodian_path_stage')
    )
    with op.batch_alter_table('processing_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_exceptions_source_file_id'), ['source_file_id'], unique=False)

    op.create_table('pretag_runs',
    sa.Column('control_number', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=200), nullable=False),
    sa.Column('privilege_score', sa.Float(), nullable=False),
    sa.Column('privilege_reasons', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['control_number'], ['documents.control_number'], name=op.f('fk_pretag_runs_control_number_documents')),
    sa.PrimaryKeyConstraint('control_number', name=op.f('pk_pretag_runs'))
    )
    op.create_table('pretags',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('control_number', sa.String(length=64), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['control_number'], ['documents.control_number'], name=op.f('fk_pretags_control_number_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pretags'))
    )
    with op.batch_alter_table('pretags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pretags_control_number'), ['control_number'], unique=False)

    op.create_table('production_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('production', sa.String(length=64), nullable=False),
    sa.Column('control_number', sa.String(length=64), nullable=False),
    sa.Column('beg_bates', sa.String(length=64), nullable=False),
    sa.Column('end_bates', sa.String(length=64), nullable=False),
    sa.Column('beg_attach', sa.String(length=64), nullable=False),
    sa.Column('end_attach', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('native_path', sa.Text(), nullable=True),
    sa.Column('text_path', sa.Text(), nullable=False),
    sa.Column('image_paths', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['control_number'], ['documents.control_number'], name=op.f('fk_production_documents_control_number_documents')),
    sa.ForeignKeyConstraint(['production'], ['productions.volume'], name=op.f('fk_production_documents_production_productions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_production_documents')),
    sa.UniqueConstraint('production', 'control_number', name='uq_proddocs_production_control')
    )
    with op.batch_alter_table('production_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_production_documents_production'), ['production'], unique=False)

    op.create_table('review_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('control_number', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responsive', sa.Boolean(), nullable=True),
    sa.Column('privilege', sa.String(length=32), nullable=False),
    sa.Column('issue_codes', sa.JSON(), nullable=False),
    sa.Column('redactions', sa.JSON(), nullable=False),
    sa.Column('designation', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('overturned', sa.Boolean(), nullable=True),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['control_number'], ['documents.control_number'], name=op.f('fk_review_decisions_control_number_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decisions')),
    sa.UniqueConstraint('site', 'annotation_id', name='uq_decisions_site_annotation')
    )
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decisions_control_number'), ['control_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_decisions_control_number'))

    op.drop_table('review_decisions')
    with op.batch_alter_table('production_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_documents_production'))

    op.drop_table('production_documents')
    with op.batch_alter_table('pretags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pretags_control_number'))

    op.drop_table('pretags')
    op.drop_table('pretag_runs')
    with op.batch_alter_table('processing_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_exceptions_source_file_id'))

    op.drop_table('processing_exceptions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_thread_id'))
        batch_op.drop_index(batch_op.f('ix_documents_source_file_id'))
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_family_id'))
        batch_op.drop_index(batch_op.f('ix_documents_custodian'))

    op.drop_table('documents')
    op.drop_table('source_files')
    op.drop_table('qa_samples')
    op.drop_table('productions')
    op.drop_table('batches')
    op.drop_table('audit_events')
