"""per-outlet crawl outcomes, crawl checkpoints, run options

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        # Existing runs were asked for nothing special.
        batch_op.add_column(sa.Column('options', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table('source_crawls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_source_crawls_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_crawls_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_crawls')),
    sa.UniqueConstraint('run_id', 'source_id', name=op.f('uq_source_crawls_run_id'))
    )
    op.create_table('crawl_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=700), nullable=False),
    sa.Column('walked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marker', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_crawl_checkpoints_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_checkpoints')),
    sa.UniqueConstraint('source_id', 'name', name=op.f('uq_crawl_checkpoints_source_id'))
    )


def downgrade() -> None:
    op.drop_table('crawl_checkpoints')
    op.drop_table('source_crawls')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('options')
