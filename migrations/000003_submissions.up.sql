-- Submissions (a force's plan versions and progress updates), their
-- documents, and the blobs that hold the documents' bytes in chunks.
--
-- Nothing here is ever changed or deleted: a later version supersedes an
-- earlier one, and the triggers at the end refuse UPDATE, DELETE and
-- TRUNCATE, so a lost document cannot be the portal's doing.

-- A blob is the bytes of one stored file. Its content lives in blob_chunks,
-- so reading and writing stream one chunk at a time (bounded memory,
-- whatever the size). size and sha256 are of the whole content.
CREATE TABLE blobs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     bytea NOT NULL CHECK (length(sha256) = 32),
    chunks     integer NOT NULL CHECK (chunks >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The foreign key is checked at commit: chunks stream in first and the
-- blobs row, whose size and hash are known only at the end, comes last.
CREATE TABLE blob_chunks (
    blob_id bigint NOT NULL REFERENCES blobs (id) DEFERRABLE INITIALLY DEFERRED,
    seq     integer NOT NULL CHECK (seq >= 0),
    data    bytea NOT NULL CHECK (length(data) > 0),
    PRIMARY KEY (blob_id, seq)
);
-- Documents arrive compressed (PDF, Office, ODF): TOAST's compression would
-- spend CPU to gain nothing, so chunks are stored out of line as they are.
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- A submission is a plan version or a progress update sent by a liaison for
-- their force's case. Plans and progress updates are numbered separately.
-- due_on is the plan's due date when it was sent: whether a version was late
-- is judged against the date that applied then, not a later extension.
CREATE TABLE submissions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    kind         text NOT NULL CHECK (kind IN ('plan', 'progress')),
    version      integer NOT NULL CHECK (version > 0),
    submitted_by bigint NOT NULL REFERENCES users (id),
    submitted_at timestamptz NOT NULL,
    due_on       date,
    note         text NOT NULL DEFAULT '',
    UNIQUE (case_id, kind, version)
);
CREATE INDEX submissions_case_idx ON submissions (case_id, submitted_at);

-- A document is one file of a submission. The stored name is the blob's id;
-- display_name is the cleaned name the liaison's file had, kept only to show
-- and to suggest when downloading.
CREATE TABLE documents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id bigint NOT NULL REFERENCES submissions (id),
    position      integer NOT NULL CHECK (position > 0),
    blob_id       bigint NOT NULL UNIQUE REFERENCES blobs (id),
    display_name  text NOT NULL CHECK (display_name <> ''),
    content_type  text NOT NULL CHECK (content_type <> ''),
    size          bigint NOT NULL CHECK (size > 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    UNIQUE (submission_id, position)
);

CREATE FUNCTION append_only_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER blobs_append_only BEFORE UPDATE OR DELETE ON blobs
    FOR EACH ROW EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER blob_chunks_append_only BEFORE UPDATE OR DELETE ON blob_chunks
    FOR EACH ROW EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER blob_chunks_no_truncate BEFORE TRUNCATE ON blob_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER submissions_append_only BEFORE UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON submissions
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse();
