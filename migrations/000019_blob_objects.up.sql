-- Where a blob's bytes are kept when they are not (only) in blob_chunks: an
-- object in an S3-compatible bucket. A blob with a row here is read from
-- its object; one without is read from its chunks. A blob uploaded with
-- object storage configured has no chunks; one copied there by
-- `inspectrack blobs copy` keeps its chunks (blob_chunks is append-only).
-- Like blobs, a row is written once and never changed: the object's key
-- names it for good.
CREATE TABLE blob_objects (
    blob_id    bigint PRIMARY KEY REFERENCES blobs (id) DEFERRABLE INITIALLY DEFERRED,
    bucket     text NOT NULL CHECK (bucket <> ''),
    key        text NOT NULL CHECK (key <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bucket, key)
);

CREATE TRIGGER blob_objects_append_only BEFORE UPDATE OR DELETE ON blob_objects
    FOR EACH ROW EXECUTE FUNCTION append_only_refuse();
CREATE TRIGGER blob_objects_no_truncate BEFORE TRUNCATE ON blob_objects
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse();
