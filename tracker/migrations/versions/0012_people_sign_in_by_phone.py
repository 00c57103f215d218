"""a person may have a phone number, unique in the ward, to sign in to the web console with

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint('uq_person_org_id_phone', ['org_id', 'phone'])


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('uq_person_org_id_phone', type_='unique')
        batch_op.drop_column('phone')
