-- The tables newsmine writes (newsmine --out postgresql://...), PostgreSQL.
-- newsmine runs this file as it is when it opens the database, so every
-- statement must be harmless on a database that already has the tables.
-- docs/schema-sqlite.sql is the same for SQLite. Offsets: see docs/schema.md.
-- Ids and types compare by bytes (COLLATE "C"): a locale's collation makes
-- every index insert several times slower for nothing. ORDER BY doc COLLATE
-- "default" sorts by locale. The indexes come last: newsmine builds those of
-- tables it has just created at the end of the load, in one sort each.

-- One row per document processed (also those without entities).
CREATE TABLE IF NOT EXISTS documents (
    id       text COLLATE "C" PRIMARY KEY, -- the document id (id field, FILE, FILE:LINE, ARCHIVE!MEMBER...)
    metadata jsonb NOT NULL DEFAULT '{}', -- the input's other top-level fields
    text     text,                      -- the text with --store-text, else NULL
    repaired bigint NOT NULL DEFAULT 0  -- U+FFFD put in for undecodable input
);

-- One row per entity. id is stable: the first 32 hex digits of
-- sha256(doc || ':' || type || ':' || start || ':' || "end"), the same in
-- every load. It is unique without an index of its own: newsmine writes a
-- document's entities only with the document's row, in one transaction, and
-- skips documents already there. "end" is a reserved word: quote it.
CREATE TABLE IF NOT EXISTS entities (
    id       text COLLATE "C" NOT NULL,
    doc      text COLLATE "C" NOT NULL, -- documents.id
    type     text COLLATE "C" NOT NULL, -- place, count, rank, unit, date, quantity, person, org
    start    integer NOT NULL,          -- code points, from 0 (integer, as substr takes)
    "end"    integer NOT NULL,          -- code points, exclusive
    text     text NOT NULL,             -- substr(documents.text, start + 1, "end" - start)
    norm     jsonb NOT NULL,            -- normalised values, docs/schema.md
    rule     text NOT NULL              -- FILE:RULE that produced it
);

CREATE INDEX IF NOT EXISTS entities_doc ON entities (doc);
CREATE INDEX IF NOT EXISTS entities_type ON entities (type);
