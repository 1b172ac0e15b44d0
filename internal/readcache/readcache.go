// Package readcache keeps what the busiest pages read, filed under the data
// version: a number PostgreSQL moves in the transaction of every change to
// a table a page reads (migration 000020, table data_version), whoever
// makes the change. A request reads the version first and passes it to
// Get; an entry is never older than its version, because the data behind
// it was read after the version was. Reads (sign-ins, sessions, the audit
// trail, downloads) never move the version, so they never empty the cache.
//
// The cache is bounded in bytes: each entry counts its key and the size of
// its value (Size), and the least recently used entries go first when a
// new one would pass the bound.
package readcache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Cache keeps values read at the newest data version it has seen.
type Cache struct {
	max    int64
	hits   atomic.Int64
	misses atomic.Int64

	mu      sync.Mutex
	version int64
	bytes   int64
	entries map[string]*entry
	lru     list.List // of *entry, most recently used first; only entries read
}

// entry is a value read at the cache's version, or being read: done is
// closed once value or err is set. Requests that miss the same key at once
// wait for the first one's read rather than all read the same rows (after a
// change, each page's next requests all miss together).
type entry struct {
	key   string
	done  chan struct{}
	value any
	err   error
	size  int64
	elem  *list.Element // nil while being read
}

// Stats is what the cache has done since it was made.
type Stats struct {
	Hits, Misses int64
	Entries      int
	Bytes        int64 // the size of the entries kept (keys and values)
	MaxBytes     int64
	Version      int64 // the data version the entries were read at
}

// New returns a cache that keeps at most maxBytes of entries.
func New(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, entries: map[string]*entry{}}
}

// Stats returns the hit and miss counts and the cache's size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: len(c.entries),
		Bytes: c.bytes, MaxBytes: c.max, Version: c.version}
}

// errNotRead is what waiters see when a read ended without a value (it
// panicked).
var errNotRead = errors.New("readcache: read did not finish")

// Key joins the parts of a key, each printed with %v: callers pass
// normalised parameters (parsed values, never a raw query string), so two
// requests that ask the same question share an entry.
func Key(parts ...any) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		fmt.Fprintf(&b, "%v", p)
	}
	return b.String()
}

// Get returns the value under key read at data version, else reads it and
// keeps it. The value is shared between requests: callers must not change
// it. A nil cache, or a version older than the cache's (a request that
// read the version before a change and arrives after one that read it
// after), reads straight through.
func Get[V any](ctx context.Context, c *Cache, version int64, key string, read func() (V, error)) (v V, err error) {
	if c == nil {
		return read()
	}
	c.mu.Lock()
	switch {
	case version < c.version:
		c.mu.Unlock()
		c.misses.Add(1)
		return read()
	case version > c.version:
		c.version, c.entries, c.bytes = version, map[string]*entry{}, 0
		c.lru.Init()
	}
	if e, ok := c.entries[key]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
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
	c.misses.Add(1)
	e := &entry{key: key, done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	err = errNotRead
	defer func() {
		c.mu.Lock()
		switch {
		case c.entries[key] != e:
			// The version moved on meanwhile: nothing to account.
		case err != nil:
			delete(c.entries, key)
		default:
			e.size = int64(len(key)) + Size(v) + entryOverhead
			if e.size > c.max {
				delete(c.entries, key)
				break
			}
			for c.bytes+e.size > c.max {
				c.evict(c.lru.Back().Value.(*entry))
			}
			e.elem = c.lru.PushFront(e)
			c.bytes += e.size
		}
		c.mu.Unlock()
		if err != nil {
			e.err = err
		} else {
			e.value = v
		}
		close(e.done)
	}()
	v, err = read()
	return v, err
}

// entryOverhead is what an entry costs besides its key and value: the map
// slot, the list element and the entry itself.
const entryOverhead = 160

// evict drops e (kept); c.mu is held.
func (c *Cache) evict(e *entry) {
	c.lru.Remove(e.elem)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// Size is the number of bytes v holds, followed through pointers, slices,
// maps and interfaces: what keeping it costs, near enough to bound the
// cache by (it does not count shared memory once, or the spare capacity of
// slices beyond their length).
func Size(v any) int64 {
	if v == nil {
		return 0
	}
	rv := reflect.ValueOf(v)
	return int64(rv.Type().Size()) + indirect(rv, 0)
}

// indirect is the size of what rv refers to beyond its own bytes.
func indirect(rv reflect.Value, depth int) int64 {
	if depth > 32 {
		return 0
	}
	if rv.Type() == timeType {
		return 0 // its location is shared
	}
	switch rv.Kind() {
	case reflect.String:
		return int64(rv.Len())
	case reflect.Pointer:
		if rv.IsNil() {
			return 0
		}
		return int64(rv.Elem().Type().Size()) + indirect(rv.Elem(), depth+1)
	case reflect.Interface:
		if rv.IsNil() {
			return 0
		}
		return int64(rv.Elem().Type().Size()) + indirect(rv.Elem(), depth+1)
	case reflect.Slice:
		n := int64(rv.Len()) * int64(rv.Type().Elem().Size())
		if hasIndirect(rv.Type().Elem()) {
			for i := range rv.Len() {
				n += indirect(rv.Index(i), depth+1)
			}
		}
		return n
	case reflect.Array:
		var n int64
		if hasIndirect(rv.Type().Elem()) {
			for i := range rv.Len() {
				n += indirect(rv.Index(i), depth+1)
			}
		}
		return n
	case reflect.Map:
		var n int64
		it := rv.MapRange()
		kt, vt := rv.Type().Key(), rv.Type().Elem()
		for it.Next() {
			n += int64(kt.Size()+vt.Size()) + indirect(it.Key(), depth+1) + indirect(it.Value(), depth+1)
		}
		return n + 48
	case reflect.Struct:
		var n int64
		for i := range rv.NumField() {
			n += indirect(rv.Field(i), depth+1)
		}
		return n
	}
	return 0
}

var timeType = reflect.TypeFor[time.Time]()

// hasIndirect reports whether values of t may refer to memory of their own.
func hasIndirect(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return hasIndirect(t.Elem())
	case reflect.Struct:
		if t == timeType {
			return false
		}
		for i := range t.NumField() {
			if hasIndirect(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
