"""a one-time sign-in link is sent with the web console's sign-in code

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_sign_in_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_web_sign_in_code_link_hash'), ['link_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sign_in_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sign_in_code_link_hash'))
        batch_op.drop_column('link_hash')
