package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/testdb"
)

// trickle opens a connection to base and sends a POST /login whose body
// comes one byte every interval, until the server closes the connection
// or limit passes. It returns how long the connection stayed open.
func trickle(t *testing.T, base string, interval, limit time.Duration) time.Duration {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", u.Host)
	closed := make(chan struct{})
	go func() {
		// Whatever the server answers, the connection's end is what counts.
		conn.SetReadDeadline(start.Add(limit))
		io.Copy(io.Discard, conn)
		close(closed)
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			return time.Since(start)
		case <-tick.C:
			conn.Write([]byte("e"))
		}
	}
}

// A client sending its body a byte at a time is cut off once the read
// deadline of an ordinary request passes (2 s here), not held for
// minutes; and no more connections are open at once than the cap (4
// here): a fifth waits until one of them ends.
func TestSlowClientsAreCutOffAndConnectionsAreCapped(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_READ_TIMEOUT": "2s", "INSPECTRACK_MAX_CONNECTIONS": "4"}
	base, _ := startServe(t, vars)

	held := trickle(t, base, 100*time.Millisecond, 15*time.Second)
	t.Logf("a POST /login trickling a byte every 100 ms was held %v", held.Round(time.Millisecond))
	if held > 5*time.Second {
		t.Errorf("a trickling client was held %v; want it cut off about two seconds after it started", held)
	}

	u, _ := url.Parse(base)
	var conns []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// A request begun and never finished holds its connection.
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n", u.Host)
		conns = append(conns, c)
	}
	time.Sleep(200 * time.Millisecond)    // the server accepts the four
	fifth, err := net.Dial("tcp", u.Host) // the kernel accepts it; the server does not, yet
	if err != nil {
		t.Fatal(err)
	}
	defer fifth.Close()
	fmt.Fprintf(fifth, "GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", u.Host)
	answered := make(chan string, 1)
	go func() {
		fifth.SetReadDeadline(time.Now().Add(15 * time.Second))
		line, _ := bufio.NewReader(fifth).ReadString('\n')
		answered <- line
	}()
	select {
	case line := <-answered:
		t.Fatalf("a fifth connection was served while four were held: %q", line)
	case <-time.After(500 * time.Millisecond):
	}
	conns[0].Close()
	if line := <-answered; !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Errorf("the fifth connection, once one ended: %q, want 200", line)
	}
	if code, _ := get(t, http.DefaultClient, base+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz: %d", code)
	}
}
