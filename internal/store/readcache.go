package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// The busiest pages (the dashboard, a force, a case) are read far more
// often than anything in the portal changes, so the store keeps what they
// read, filed under the data version: the id of the newest audit event.
// Every change to the portal's data appends an audit event in its own
// transaction (the audit head row moves with the commit), so the version
// changes exactly when what the pages show can have changed; the test
// databases refuse a commit that changes a page's table without it (see
// testdb). A request learns the version in the statement that reads its
// session (Sessions.FindCtx), so checking it costs no round trip.
//
// Reading the version before the data means an entry is never older than
// its version: a request that started after a commit has a newer version,
// so it never sees an entry read before that commit.

// readCacheMax bounds the entries kept for one version (a few KiB to a few
// tens of KiB each); past it the cache starts again rather than choose
// what to drop.
const readCacheMax = 4096

// readCache keeps the values read at the newest data version it has seen.
type readCache struct {
	mu      sync.Mutex
	version int64
	entries map[any]*readEntry

	// hits and misses count, for the metrics, the reads answered from an
	// entry (or by waiting for one being read) and the reads made to fill
	// one; reads straight through count as neither.
	hits, misses atomic.Uint64
}

// ReadCacheStats returns how many reads the read cache has answered (hits)
// and made to keep (misses) since the store was made.
func (s *Store) ReadCacheStats() (hits, misses uint64) {
	if s.cache == nil {
		return 0, 0
	}
	return s.cache.hits.Load(), s.cache.misses.Load()
}

// readEntry is a value read at the cache's version, or being read: done is
// closed once value or err is set. Requests that miss the same key at once
// wait for the first one's read rather than all read the same rows (after
// every change, each page's next requests all miss together).
type readEntry struct {
	done  chan struct{}
	value any
	err   error
}

// errNotRead is what waiters see when a read ended without a value (it
// panicked).
var errNotRead = errors.New("store: cached read did not finish")

// DataVersionFrom returns the data version read with the session in ctx
// (see WithSessionUser): false when the request read none, and reads then
// go to the database.
func DataVersionFrom(ctx context.Context) (int64, bool) {
	if su, ok := ctx.Value(sessionUserKey{}).(*sessionUser); ok && su.found {
		return su.version, true
	}
	return 0, false
}

// Cached returns the value under key at the request's data version, else
// reads it and keeps it. key must be comparable and name everything the
// read depends on besides the data (scope, role, filters, dates). The
// value is shared between requests: callers must not change it. Inside a
// transaction, without a version, or with a version older than the
// cache's (a request that started before a change ends after another
// started), it reads straight through.
func Cached[V any](ctx context.Context, s *Store, key any, read func() (V, error)) (v V, err error) {
	version, ok := DataVersionFrom(ctx)
	if !ok || s.tx != nil || s.cache == nil {
		return read()
	}
	c := s.cache
	c.mu.Lock()
	switch {
	case version < c.version:
		c.mu.Unlock()
		return read()
	case version > c.version || c.entries == nil || len(c.entries) >= readCacheMax:
		c.version, c.entries = version, make(map[any]*readEntry)
	}
	if e, ok := c.entries[key]; ok {
		c.mu.Unlock()
		c.hits.Add(1)
		select {
		case <-e.done:
		case <-ctx.Done():
			return v, ctx.Err()
		}
		if e.err != nil {
			// The first reader failed (its client may have gone away):
			// this request reads for itself.
			return read()
		}
		return e.value.(V), nil
	}
	e := &readEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()
	c.misses.Add(1)

	err = errNotRead
	defer func() {
		if err != nil {
			e.err = err
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		} else {
			e.value = v
		}
		close(e.done)
	}()
	v, err = read()
	return v, err
}
