"""several processes share one database: leases (one poller per bot, one nightly backup), the bots' send
slots and pauses, and the web console's uploads waiting to be saved

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bot_pace',
        sa.Column('bot', sa.String(length=128), nullable=False),
        sa.Column('paused_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('touched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('bot')
    )
    op.create_table(
        'lease',
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=False),
        sa.Column('acquired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('renewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', 'role')
    )
    op.create_table(
        'send_slot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bot', sa.String(length=128), nullable=False),
        sa.Column('chat', sa.String(length=128), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('send_slot', schema=None) as batch_op:
        batch_op.create_index('ix_send_slot_bot_at', ['bot', 'at'], unique=False)
        batch_op.create_index('ix_send_slot_bot_chat_at', ['bot', 'chat', 'at'], unique=False)
    op.create_table(
        'pending_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('session_digest', sa.String(length=64), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('pending_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_upload_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_upload_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_upload_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pending_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_upload_person_id'))
        batch_op.drop_index(batch_op.f('ix_pending_upload_org_id'))
        batch_op.drop_index(batch_op.f('ix_pending_upload_created_at'))
    op.drop_table('pending_upload')
    with op.batch_alter_table('send_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_send_slot_bot_chat_at')
        batch_op.drop_index('ix_send_slot_bot_at')
    op.drop_table('send_slot')
    op.drop_table('lease')
    op.drop_table('bot_pace')
