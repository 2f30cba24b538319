-- movedesk store, schema 2: news de-duplication and fetching.
-- article_fingerprints: the exact-duplicate key of every stored (original) article.
-- news_members: items not stored as articles because they duplicate one (exact copy, syndication or
--   update); each names its cluster and the cluster's current original (the earliest published).
-- fetch_validators: ETag / Last-Modified per URL, for conditional GET.
CREATE TABLE IF NOT EXISTS article_fingerprints (
    article_id VARCHAR PRIMARY KEY,
    text_hash VARCHAR NOT NULL,
    published TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS article_fingerprints_hash ON article_fingerprints (text_hash);
CREATE TABLE IF NOT EXISTS news_members (
    member_id VARCHAR PRIMARY KEY,
    cluster_id VARCHAR NOT NULL,
    original_id VARCHAR NOT NULL,
    relation VARCHAR NOT NULL,
    similarity DOUBLE PRECISION,
    source VARCHAR,
    url VARCHAR,
    title VARCHAR NOT NULL,
    published TIMESTAMPTZ NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS news_members_cluster ON news_members (cluster_id);
CREATE TABLE IF NOT EXISTS fetch_validators (
    url VARCHAR PRIMARY KEY,
    etag VARCHAR,
    last_modified VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL
);
