"""review decisions and claims page indexes

Analysts' decisions on clusters (claim_reviews, and the latest on claim_clusters); indexes that let
the Claims page read a filtered first page of 100k clusters without a scan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 06:12:28.202668
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('claim_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['claim_clusters.id'], name=op.f('fk_claim_reviews_cluster_id_claim_clusters')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['claim_clusters.id'], name=op.f('fk_claim_reviews_merged_into_id_claim_clusters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_reviews'))
    )
    with op.batch_alter_table('claim_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_reviews_cluster_id'), ['cluster_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_cluster_id'), ['cluster_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_source_id'), ['source_id'], unique=False)

    with op.batch_alter_table('claim_clusters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_claim_clusters_category_last_seen', ['category', 'last_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_first_seen', ['first_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_last_seen', ['last_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_pair_last_seen', ['supplier', 'recipient', 'last_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_recipient_last_seen', ['recipient', 'last_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_review_last_seen', ['review_state', 'last_seen_at', 'id'], unique=False)
        batch_op.create_index('ix_claim_clusters_sources', ['source_count', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_claim_clusters_merged_into_id_claim_clusters'), 'claim_clusters', ['merged_into_id'], ['id'])

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_run_id'))
        batch_op.drop_index(batch_op.f('ix_claims_cluster_id'))
        batch_op.drop_index(batch_op.f('ix_claims_article_id'))

    with op.batch_alter_table('claim_clusters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claim_clusters_merged_into_id_claim_clusters'), type_='foreignkey')
        batch_op.drop_index('ix_claim_clusters_sources')
        batch_op.drop_index('ix_claim_clusters_review_last_seen')
        batch_op.drop_index('ix_claim_clusters_recipient_last_seen')
        batch_op.drop_index('ix_claim_clusters_pair_last_seen')
        batch_op.drop_index('ix_claim_clusters_last_seen')
        batch_op.drop_index('ix_claim_clusters_first_seen')
        batch_op.drop_index('ix_claim_clusters_category_last_seen')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('review_state')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_source_id'))

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_cluster_id'))

    with op.batch_alter_table('claim_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_reviews_cluster_id'))

    op.drop_table('claim_reviews')
