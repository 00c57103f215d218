"""document text hash, undo and learned unit aliases

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from tracker.importer.fingerprint import text_fingerprint


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_source_document_text_hash'), ['text_hash'], unique=False)
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('learned_aliases', sa.JSON(), nullable=False, server_default='[]'))
    # Documents imported before this version get their key from the text they stored.
    documents = sa.table('source_document', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                         sa.column('text_hash', sa.String))
    connection = op.get_bind()
    for document_id, text in connection.execute(sa.select(documents.c.id, documents.c.text)).all():
        connection.execute(documents.update().where(documents.c.id == document_id)
                           .values(text_hash=text_fingerprint(text or "")))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('learned_aliases')
    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_document_text_hash'))
        batch_op.drop_column('undone_at')
        batch_op.drop_column('text_hash')
