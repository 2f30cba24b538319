-- movedesk store, schema 1: bars, articles, their company links, extraction cache, briefs.
CREATE TABLE IF NOT EXISTS bars (
    symbol VARCHAR NOT NULL,
    session DATE NOT NULL,
    open DOUBLE PRECISION,
    high DOUBLE PRECISION,
    low DOUBLE PRECISION,
    close DOUBLE PRECISION NOT NULL,
    volume DOUBLE PRECISION,
    flags VARCHAR,
    PRIMARY KEY (symbol, session)
);
CREATE TABLE IF NOT EXISTS articles (
    id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    url VARCHAR,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    authors VARCHAR[],
    published TIMESTAMPTZ NOT NULL,
    published_inferred BOOLEAN NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    relays VARCHAR[],
    cluster_id VARCHAR,
    tickers VARCHAR[]
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
CREATE TABLE IF NOT EXISTS article_companies (
    article_id VARCHAR NOT NULL,
    company_id VARCHAR NOT NULL,
    published TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, article_id)
);
CREATE TABLE IF NOT EXISTS extractions (
    article_id VARCHAR PRIMARY KEY,
    pipeline VARCHAR NOT NULL,
    payload JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS briefs (
    slug VARCHAR PRIMARY KEY,
    company_id VARCHAR NOT NULL,
    session DATE NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    payload JSON NOT NULL
);
