package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"inspectrack/internal/store"
)

// FuzzSessionCodecDecode feeds the session codec any bytes: it never
// panics, and what it reads in its own format encodes again and reads back
// as the same deadline and values.
func FuzzSessionCodecDecode(f *testing.F) {
	deadline := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	for _, values := range []map[string]any{
		{},
		{store.SessionUserID: int64(42), "epoch": 3, "flash": "Plan sent: “version 2”.", "ok": true, "no": false},
		{"seen": int64(-1), "empty": ""},
	} {
		b, err := store.SessionCodec{}.Encode(deadline, values)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	gob, err := scs.GobCodec{}.Encode(deadline, map[string]any{store.SessionUserID: int64(7)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gob)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'k', 'x', 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, values, err := store.SessionCodec{}.Decode(b)
		if err != nil || len(b) == 0 || b[0] != 0 {
			return // gob (sessions from before the codec) is only required not to panic
		}
		again, err := store.SessionCodec{}.Encode(d, values)
		if err != nil {
			t.Fatalf("decoded %v, which does not encode: %v", values, err)
		}
		d2, values2, err := store.SessionCodec{}.Decode(again)
		if err != nil || !d2.Equal(d) || !reflect.DeepEqual(values2, values) {
			t.Fatalf("round trip: %v %v %v, want %v %v", d2, values2, err, d, values)
		}
	})
}
