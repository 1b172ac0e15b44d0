package readcache_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"inspectrack/internal/readcache"
)

// reader counts the reads it makes, each returning value.
type reader struct {
	n     atomic.Int64
	value string
}

func (r *reader) read() (string, error) {
	r.n.Add(1)
	return r.value, nil
}

func get(t *testing.T, c *readcache.Cache, version int64, key string, r *reader) string {
	t.Helper()
	v, err := readcache.Get(context.Background(), c, version, key, r.read)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEntriesLastUntilTheVersionMoves: a value is read once per version and
// key; a newer version reads again; an older one (a request that read the
// version before a change) reads through and leaves the entries alone.
func TestEntriesLastUntilTheVersionMoves(t *testing.T) {
	c := readcache.New(1 << 20)
	r := &reader{value: "one"}
	get(t, c, 5, "k", r)
	get(t, c, 5, "k", r)
	if n := r.n.Load(); n != 1 {
		t.Fatalf("%d reads at one version, want 1", n)
	}
	r.value = "two"
	if v := get(t, c, 6, "k", r); v != "two" || r.n.Load() != 2 {
		t.Fatalf("after the version moved: %q after %d reads, want two after 2", v, r.n.Load())
	}
	get(t, c, 5, "k", r) // an older request
	get(t, c, 6, "k", r)
	if n := r.n.Load(); n != 3 {
		t.Fatalf("%d reads, want 3 (the older request read through, the entry stayed)", n)
	}
	st := c.Stats()
	if st.Hits != 2 || st.Misses != 3 || st.Version != 6 || st.Entries != 1 {
		t.Fatalf("stats %+v, want 2 hits, 3 misses, version 6, 1 entry", st)
	}
}

// TestConcurrentMissesReadOnce: requests that miss one key together wait
// for the first one's read; a failed read is not kept.
func TestConcurrentMissesReadOnce(t *testing.T) {
	c := readcache.New(1 << 20)
	var reads atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			v, err := readcache.Get(context.Background(), c, 1, "k", func() (string, error) {
				reads.Add(1)
				<-release
				return "v", nil
			})
			if err != nil || v != "v" {
				t.Errorf("got %q, %v", v, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for 20 requests at once, want 1", n)
	}

	boom := errors.New("boom")
	if _, err := readcache.Get(context.Background(), c, 1, "bad", func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	r := &reader{value: "fine"}
	if v := get(t, c, 1, "bad", r); v != "fine" || r.n.Load() != 1 {
		t.Fatalf("after a failed read: %q after %d reads", v, r.n.Load())
	}
}

// TestBoundedInBytes: the entries kept never pass the bound in bytes; the
// least recently used go first, and a value larger than the bound is
// returned but not kept.
func TestBoundedInBytes(t *testing.T) {
	const bound = 64 << 10
	c := readcache.New(bound)
	big := strings.Repeat("x", 10<<10) // 10 KiB a value: six fit
	r := &reader{value: big}
	keys := []string{"a", "b", "c", "d", "e", "f"}
	for _, k := range keys {
		get(t, c, 1, k, r)
	}
	get(t, c, 1, "a", r) // a is used again: b is now the oldest
	get(t, c, 1, "g", r)
	st := c.Stats()
	if st.Bytes > bound || st.Bytes < 6*10<<10 {
		t.Fatalf("%d bytes kept for a bound of %d, six values of 10 KiB", st.Bytes, bound)
	}
	n := r.n.Load()
	get(t, c, 1, "a", r)
	if r.n.Load() != n {
		t.Error("a, used recently, was evicted")
	}
	get(t, c, 1, "b", r)
	if r.n.Load() != n+1 {
		t.Error("b, the least recently used, was kept")
	}

	huge := &reader{value: strings.Repeat("y", bound+1)}
	if v := get(t, c, 1, "huge", huge); len(v) != bound+1 {
		t.Fatalf("a value larger than the bound: got %d bytes", len(v))
	}
	get(t, c, 1, "huge", huge)
	if huge.n.Load() != 2 {
		t.Errorf("a value larger than the bound was kept")
	}
	for i := range 4000 {
		get(t, c, 1, readcache.Key("dashboard", i, strings.Repeat("junk", 50)), r)
		if b := c.Stats().Bytes; b > bound {
			t.Fatalf("after %d keys: %d bytes kept, bound %d", i+1, b, bound)
		}
	}
}

// TestSizeCountsWhatAValueHolds: strings, slices, maps and pointers are
// followed; a time's location is shared and not counted.
func TestSizeCountsWhatAValueHolds(t *testing.T) {
	type row struct {
		Name string
		On   time.Time
		Tags []string
	}
	rows := make([]row, 100)
	for i := range rows {
		rows[i] = row{Name: strings.Repeat("n", 100), On: time.Now(), Tags: []string{strings.Repeat("t", 50)}}
	}
	got := readcache.Size(rows)
	if got < 100*150 || got > 100*400 {
		t.Fatalf("Size of 100 rows of 150 bytes of text = %d", got)
	}
	m := map[string]*row{"k": &rows[0]}
	if got := readcache.Size(m); got < 150 {
		t.Fatalf("Size of a map to a row = %d", got)
	}
}
