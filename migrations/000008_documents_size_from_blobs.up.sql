-- A document's size and hash are its blob's: kept once, in blobs.
ALTER TABLE documents DROP COLUMN size, DROP COLUMN sha256;
