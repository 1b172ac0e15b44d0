package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Document is one file of a submission. Its bytes are the blob BlobID;
// Name is the cleaned name it was sent with, kept only for display.
type Document struct {
	ID           int64
	SubmissionID int64
	CaseID       int64
	ForceID      int64
	Position     int
	BlobID       int64
	Name         string
	ContentType  string
	Size         int64
	SHA256       []byte
}

const documentColumns = `d.id, d.submission_id, s.case_id, c.force_id, d.position, d.blob_id,
	d.display_name, d.content_type, b.size, b.sha256`

const documentFrom = ` FROM documents d JOIN blobs b ON b.id = d.blob_id
	JOIN submissions s ON s.id = d.submission_id JOIN cases c ON c.id = s.case_id `

func scanDocument(r pgx.Row) (Document, error) {
	var d Document
	err := r.Scan(&d.ID, &d.SubmissionID, &d.CaseID, &d.ForceID, &d.Position, &d.BlobID,
		&d.Name, &d.ContentType, &d.Size, &d.SHA256)
	return d, err
}

// Document returns document id within sc: a liaison reaches only their
// own force's documents.
func (s *Store) Document(ctx context.Context, sc Scope, id int64) (Document, error) {
	const q = `SELECT ` + documentColumns + documentFrom + `WHERE d.id = $1 AND ($2::bigint IS NULL OR c.force_id = $2)`
	d, err := scanDocument(s.db().QueryRow(ctx, q, id, sc.ForceArg()))
	if err != nil {
		return d, notFound(err, "store: document %d", id)
	}
	return d, nil
}
