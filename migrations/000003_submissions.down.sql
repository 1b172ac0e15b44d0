DROP TABLE documents;
DROP TABLE submissions;
DROP TABLE blob_chunks;
DROP TABLE blobs;
DROP FUNCTION append_only_refuse();
