-- Refuses to forget where documents are while any is kept only in object
-- storage: their bytes would be lost to the portal.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM blob_objects o JOIN blobs b ON b.id = o.blob_id WHERE b.chunks = 0 AND b.size > 0) THEN
        RAISE EXCEPTION 'blob_objects: some documents are kept only in object storage; migrating down would lose them';
    END IF;
END $$;
DROP TABLE blob_objects;
