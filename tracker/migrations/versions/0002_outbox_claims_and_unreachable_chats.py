"""outbox claims and unreachable chats

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows get empty strings; the models then fill these columns themselves.
    with op.batch_alter_table('chat_identity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unreachable_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('unreachable_reason', sa.String(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_index(batch_op.f('ix_notification_status'))
        batch_op.create_index('ix_notification_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_status_next')
        batch_op.create_index(batch_op.f('ix_notification_status'), ['status'], unique=False)
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('day')

    with op.batch_alter_table('chat_identity', schema=None) as batch_op:
        batch_op.drop_column('unreachable_reason')
        batch_op.drop_column('unreachable_at')

