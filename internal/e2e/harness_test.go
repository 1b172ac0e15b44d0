package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// findNginx returns Debian's nginx, or skips the test (fails it under CI,
// where `make test` installs it).
func findNginx(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no nginx: make ensure-nginx (sudo apt-get install nginx) installs it")
	}
	t.Skip("no nginx on this machine: run make ensure-nginx (sudo apt-get install nginx), or make e2e")
	return ""
}

// portalBinary is the inspectrack binary to run: INSPECTRACK_E2E_BIN when
// set (make e2e builds bin/inspectrack first), else built here.
func portalBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("INSPECTRACK_E2E_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "inspectrack")
	out, err := exec.Command("go", "build", "-o", bin, "inspectrack/cmd/inspectrack").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// environ is the process environment for the portal: PATH and vars only,
// so nothing of the test's own environment (a DATABASE_URL) leaks in.
func environ(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runBinary runs a command of the portal to its end and returns its output.
func runBinary(t *testing.T, bin string, vars map[string]string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = environ(vars)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("inspectrack %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// logBuffer keeps a process's output for the failure message.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingLine = regexp.MustCompile(`serving on http://(\S+)`)

// instance is one `inspectrack serve` process.
type instance struct {
	name string
	addr string // host:port it serves on
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{}
}

// startInstance starts `inspectrack serve` on a port of its own and waits
// until it says where it serves. Cleanup stops it with SIGTERM.
func startInstance(t *testing.T, name, bin string, vars map[string]string) *instance {
	t.Helper()
	in := &instance{name: name, log: &logBuffer{}, done: make(chan struct{})}
	in.cmd = exec.Command(bin, "serve", "--no-migrate", "--addr", "127.0.0.1:0")
	in.cmd.Env = environ(vars)
	in.cmd.Stderr = in.log
	out, err := in.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		fmt.Fprintln(in.log, lines.Text())
		if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
			in.addr = m[1]
			break
		}
	}
	go func() {
		io.Copy(in.log, out)
		in.cmd.Wait()
		close(in.done)
	}()
	if in.addr == "" {
		<-in.done
		t.Fatalf("instance %s did not start:\n%s", name, in.log.String())
	}
	t.Cleanup(func() {
		in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(10 * time.Second):
			in.cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("instance %s's log:\n%s", name, in.log.String())
		}
	})
	return in
}

// kill ends the instance at once, as a crash or an OOM kill would: no
// shutdown, in-flight requests cut.
func (in *instance) kill(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-in.done
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// and its key into dir, and returns the pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "inspectrack e2e"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// nginxConf is the proxy of the test: the deployment's own proxy settings
// (cmd/inspectrack/deploy/nginx-proxy.conf, included as it is), plus two upstreams of one instance each, chosen by the
// X-E2E-Instance header, so the test can send a request to the instance it
// means; without the header, requests go round the two as in production.
// X-E2E-Upstream says which instance answered.
var nginxConf = template.Must(template.New("nginx").Parse(`
daemon off;
master_process on;
worker_processes 1;
{{if .Root}}user root;{{end}}
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;
events { worker_connections 256; }
http {
	access_log {{.Dir}}/access.log;
	client_body_temp_path {{.Dir}}/client_body;
	proxy_temp_path {{.Dir}}/proxy;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;

	upstream inspectrack {
		server {{.A}} max_fails=1 fail_timeout=30s;
		server {{.B}} max_fails=1 fail_timeout=30s;
		keepalive 16;
	}
	upstream instance_a { server {{.A}}; }
	upstream instance_b { server {{.B}}; }
	map $http_x_e2e_instance $portal {
		a       instance_a;
		b       instance_b;
		default inspectrack;
	}

	server {
		listen 127.0.0.1:{{.Port}} ssl;
		server_name localhost;
		ssl_certificate     {{.Cert}};
		ssl_certificate_key {{.Key}};
		ssl_protocols TLSv1.2 TLSv1.3;

		# Above the portal's own limit (INSPECTRACK_MAX_SUBMISSION_MB and
		# the form around it), so the portal's 413 page answers, not nginx's.
		client_max_body_size 3m;
		client_body_timeout 60s;
		location / {
			proxy_pass http://$portal;
			include {{.Snippet}};
			add_header X-E2E-Upstream $upstream_addr always;
		}
	}
}
`))

// startNginx runs nginx in front of instances a and b on a free port and
// returns its https base URL.
func startNginx(t *testing.T, nginx, dir, certFile, keyFile string, a, b *instance) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	// As root, nginx's workers would run as nobody, who cannot reach the
	// test's private folder: keep them root here (the test's own nginx).
	err = nginxConf.Execute(f, map[string]any{"Dir": dir, "Root": os.Geteuid() == 0, "Port": port,
		"Cert": certFile, "Key": keyFile, "A": a.addr, "B": b.addr, "Snippet": deployFile(t, "nginx-proxy.conf")})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	log := &logBuffer{}
	cmd := exec.Command(nginx, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // nginx's graceful stop
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx:\n%s%s", log.String(), errs)
		}
	})
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	return base
}

// deployFile is the absolute path of a file of cmd/inspectrack/deploy.
func deployFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "cmd", "inspectrack", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitReady polls base's /healthz through c until it answers 200.
func waitReady(t *testing.T, c *http.Client, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := c.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz not answering: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newClient is a browser-like client of the proxy: its own cookie jar, the
// test's certificate trusted, connecting from local address from (any of
// 127/8 is this machine), so each user is a client address of its own.
// Redirects are not followed: the test reads each 303.
func newClient(t *testing.T, pool *x509.CertPool, from string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext:     d.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// The example site of cmd/inspectrack/deploy is one nginx accepts (nginx
// -t), with its certificate paths pointed at the test's own.
func TestNginxSiteExampleIsValid(t *testing.T) {
	t.Parallel()
	nginx := findNginx(t)
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	site, err := os.ReadFile(deployFile(t, "nginx-site.conf"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		"/etc/ssl/certs/portal.example.org.pem", certFile,
		"/etc/ssl/private/portal.example.org.key", keyFile,
		"/etc/nginx/snippets/inspectrack-proxy.conf", deployFile(t, "nginx-proxy.conf"),
	).Replace(string(site))
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("pid %[1]s/nginx.pid;\nerror_log %[1]s/error.log;\nevents {}\nhttp {\n"+
		"access_log off;\nclient_body_temp_path %[1]s/client_body;\nproxy_temp_path %[1]s/proxy;\n"+
		"fastcgi_temp_path %[1]s/fastcgi;\nuwsgi_temp_path %[1]s/uwsgi;\nscgi_temp_path %[1]s/scgi;\n"+
		"include %[1]s/site.conf;\n}\n", dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(nginx, "-t", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test is successful") {
		t.Fatalf("nginx -t of the example site: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "[warn]") {
		t.Errorf("nginx warns about the example site:\n%s", out)
	}
}
