-- movedesk store, schema 5: the desk's news sources, their polling state, and events read from filings.
-- (Independent of 0004: it only creates tables of its own.)
-- news_sources: the desk's list, seeded from data/sources.csv on first use; a removed source keeps its row with
--   removed = true, so a shipped source the user removed is not seeded again.
-- source_polls: when each source was last polled, how it went, and the newest item it served (freshness).
-- article_events: what a primary source says an article is, e.g. an 8-K's items (scheme 'sec-8k', code '2.02')
--   mapped to a move-reason category (data/edgar_8k_items.csv); the explain layer reads it by article id.
CREATE TABLE IF NOT EXISTS news_sources (
    name VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    timezone VARCHAR NOT NULL,
    interval_minutes INTEGER NOT NULL,
    markets VARCHAR[] NOT NULL,
    rate_per_second DOUBLE PRECISION,
    targets VARCHAR[] NOT NULL,
    enabled BOOLEAN NOT NULL,
    licence VARCHAR NOT NULL,
    verified VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    removed BOOLEAN NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS source_polls (
    name VARCHAR PRIMARY KEY,
    attempted_at TIMESTAMPTZ NOT NULL,
    succeeded_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    error VARCHAR,
    new_articles INTEGER NOT NULL,
    newest_item TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS article_events (
    article_id VARCHAR NOT NULL,
    scheme VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    category VARCHAR,
    label VARCHAR NOT NULL,
    company_id VARCHAR,
    PRIMARY KEY (article_id, scheme, code)
);
