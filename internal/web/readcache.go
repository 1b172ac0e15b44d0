package web

import (
	"context"

	"inspectrack/internal/readcache"
)

// defaultCacheBytes bounds the read cache unless Options.CacheBytes says
// otherwise: a dashboard's HTML is some tens of KiB, a list page's rows a
// few hundred KiB at most.
const defaultCacheBytes = 64 << 20

// cached returns what read reads under key, kept for the data version in
// the server's read cache (internal/readcache). The version is read first,
// in a statement of its own, and passed to the cache: what read then reads
// is at least as new as it. key names everything the value depends on
// besides the data, as normalised parameters (parsed values, never a raw
// query string): the page, the scope, the role when what is shown depends
// on it, the days.
func cached[V any](ctx context.Context, s *Server, key string, read func() (V, error)) (V, error) {
	version, err := s.store.DataVersion(ctx)
	if err != nil {
		var zero V
		return zero, err
	}
	return readcache.Get(ctx, s.cache, version, key, read)
}

// ReadCache is the server's read cache, for its Stats (hits, misses,
// bytes).
func (s *Server) ReadCache() *readcache.Cache { return s.cache }
