package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The probe reads client-go's feature gates (env, read once per process) and
// configures klog's global state, so every probe run in these tests is a
// separate process: the test binary re-executes itself as informer-probe.
const asMainEnv = "INFORMER_PROBE_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const testToken = "s3cr3t-test-token-do-not-print"

// ---------------------------------------------------------------------------
// A tiny fake API server: LIST and WATCH (incl. watch-list) for one resource,
// no discovery (the dynamic informer needs none).

type watchMode int

const (
	// watch-list: initial ADDED events, then the initial-events-end bookmark.
	modeBookmark watchMode = iota
	// watch-list: initial ADDED events and no bookmark; the stream is held open.
	modeNoBookmark
	// watch-list rejected with 422 Invalid, as by a server whose WatchList
	// gate is off; plain watches are served.
	modeReject422
)

type fakeAPI struct {
	t          *testing.T
	mode       watchMode
	basePath   string // "/api/v1" or "/apis/<group>/<version>"
	apiVersion string // "v1" or "<group>/<version>"
	kind       string
	resource   string
	namespace  string // objects' namespace
	items      int
	// eventDelay delays the initial ADDED events of a watch-list stream
	// (the response headers are sent at once).
	eventDelay time.Duration
	listRV     string
	tls        bool // serve HTTPS with httptest's self-signed certificate
	// bookmarkKind / bookmarkAPIVersion replace kind / apiVersion on the
	// initial-events-end bookmark object when set.
	bookmarkKind       string
	bookmarkAPIVersion string

	stop chan struct{}

	mu       sync.Mutex
	requests []string // "LIST <query>" / "WATCH <query>"
	authFail int
}

func newFakeAPI(t *testing.T, f *fakeAPI) *httptest.Server {
	t.Helper()
	f.t = t
	f.stop = make(chan struct{})
	if f.listRV == "" {
		f.listRV = "100"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(f)
	srv.Listener.Close()
	srv.Listener = l
	if f.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		close(f.stop)
		srv.Close()
	})
	return srv
}

func (f *fakeAPI) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeAPI) object(i int, rv string) map[string]any {
	meta := map[string]any{"name": fmt.Sprintf("obj-%d", i), "resourceVersion": rv, "uid": fmt.Sprintf("uid-%d", i)}
	if f.namespace != "" {
		meta["namespace"] = f.namespace
	}
	return map[string]any{"apiVersion": f.apiVersion, "kind": f.kind, "metadata": meta, "data": map[string]any{"i": fmt.Sprint(i)}}
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code,
	})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		f.mu.Lock()
		f.authFail++
		f.mu.Unlock()
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return
	}
	if r.URL.Path == "/version" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.0-fake"}`))
		return
	}
	collection := f.basePath + "/" + f.resource
	if f.namespace != "" {
		nsCollection := f.basePath + "/namespaces/" + f.namespace + "/" + f.resource
		if r.URL.Path != nsCollection && r.URL.Path != collection {
			writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
			return
		}
	} else if r.URL.Path != collection {
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		return
	}
	if r.Method != http.MethodGet {
		writeStatus(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET")
		return
	}
	q := r.URL.Query()
	if q.Get("watch") == "true" {
		f.mu.Lock()
		f.requests = append(f.requests, "WATCH "+r.URL.RawQuery)
		f.mu.Unlock()
		f.serveWatch(w, r)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, "LIST "+r.URL.RawQuery)
	f.mu.Unlock()
	items := make([]any, 0, f.items)
	for i := 0; i < f.items; i++ {
		items = append(items, f.object(i, fmt.Sprint(10+i)))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiVersion": f.apiVersion, "kind": f.kind + "List",
		"metadata": map[string]any{"resourceVersion": f.listRV},
		"items":    items,
	})
}

func (f *fakeAPI) serveWatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if f.mode == modeReject422 && q.Get("sendInitialEvents") != "" {
		writeStatus(w, http.StatusUnprocessableEntity, "Invalid",
			"ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()
	enc := json.NewEncoder(w) // one compact object per line, like kube-apiserver
	send := func(typ string, obj any) {
		_ = enc.Encode(map[string]any{"type": typ, "object": obj})
		fl.Flush()
	}
	if q.Get("sendInitialEvents") == "true" {
		if f.eventDelay > 0 {
			select {
			case <-time.After(f.eventDelay):
			case <-r.Context().Done():
				return
			case <-f.stop:
				return
			}
		}
		for i := 0; i < f.items; i++ {
			send("ADDED", f.object(i, fmt.Sprint(10+i)))
		}
		if f.mode == modeBookmark && q.Get("allowWatchBookmarks") == "true" {
			kind, apiVersion := f.kind, f.apiVersion
			if f.bookmarkKind != "" {
				kind = f.bookmarkKind
			}
			if f.bookmarkAPIVersion != "" {
				apiVersion = f.bookmarkAPIVersion
			}
			send("BOOKMARK", map[string]any{
				"apiVersion": apiVersion, "kind": kind,
				"metadata": map[string]any{
					"resourceVersion": f.listRV,
					"annotations":     map[string]any{"k8s.io/initial-events-end": "true"},
				},
			})
		}
	}
	// Hold the stream open (no further events) until the client goes away.
	timeout := 10 * time.Minute
	select {
	case <-r.Context().Done():
	case <-f.stop:
	case <-time.After(timeout):
	}
}

// ---------------------------------------------------------------------------
// Running the probe.

type probeRun struct {
	code   int
	res    Result
	stdout string
	stderr string
}

func runProbe(t *testing.T, env []string, args ...string) probeRun {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"--token-file", tokenFile}, args...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), asMainEnv+"=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	pr := probeRun{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		pr.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running probe: %v", err)
	}
	if strings.Contains(pr.stdout, testToken) || strings.Contains(pr.stderr, testToken) {
		t.Errorf("the token was printed")
	}
	if pr.code == 0 {
		lines := strings.Split(strings.TrimSpace(pr.stdout), "\n")
		if len(lines) != 1 {
			t.Fatalf("stdout must be exactly one JSON line, got %q", pr.stdout)
		}
		dec := json.NewDecoder(strings.NewReader(lines[0]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&pr.res); err != nil {
			t.Fatalf("stdout is not the result JSON: %v\n%s", err, pr.stdout)
		}
	}
	t.Logf("exit %d, stdout: %s", pr.code, strings.TrimSpace(pr.stdout))
	return pr
}

func resourceArgs(srv *httptest.Server, group, version, resource, namespace string, deadline string) []string {
	return []string{"--server", srv.URL, "--group", group, "--version", version, "--resource", resource,
		"--namespace", namespace, "--deadline", deadline, "--quiet"}
}

// klog's text header, then client-go's structured message.
var warningLine = regexp.MustCompile(`^I\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ reflector\.go:\d+\] "Warning: event bookmark expired" .*err="`)

// ---------------------------------------------------------------------------
// Tests.

// The longest test comes first: go test runs at most GOMAXPROCS parallel
// tests at once (2 on the project's machines).

// (b) watch-list answered with ADDED events and no bookmark, held open.
// client-go's ticker (10 s) starts when the watch response arrives; a warning
// is logged on a tick only if no event was seen for >= 10 s. The ADDED events
// arrive just after the ticker started, so the 10 s tick stays silent (or is
// borderline) and the 20 s tick warns: "received last event ~20s ago".
func TestWatchListWithoutBookmarkNeverSyncs(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeNoBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 3}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "22s")...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if r.Synced || r.SyncedAfterMs != nil || r.Items != 0 {
		t.Errorf("must not sync: %+v", r)
	}
	if r.ListRequests != 0 || r.WatchRequests != 1 || r.WatchListRequests != 1 {
		t.Errorf("requests: list=%d watch=%d watchList=%d, want 0/1/1 (no fallback)", r.ListRequests, r.WatchRequests, r.WatchListRequests)
	}
	if r.BookmarkExpiredWarnings < 1 || r.BookmarkExpiredWarnings > 2 || r.FirstWarning == nil {
		t.Fatalf("want 1..2 warnings, got %d (%v)", r.BookmarkExpiredWarnings, r.FirstWarning)
	}
	if !warningLine.MatchString(*r.FirstWarning) ||
		!strings.Contains(*r.FirstWarning, "hasn't received required bookmark event marking the end of initial events stream, received last event") {
		t.Errorf("first warning does not look like client-go's: %q", *r.FirstWarning)
	}
}

// (a) watch-list answered with ADDED events + the initial-events-end bookmark.
func TestWatchListWithBookmarkSyncs(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 3}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "10s")...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if r.ClientGoVersion != "v0.37.2" || !r.WatchListClient {
		t.Errorf("clientGoVersion=%q watchListClient=%v", r.ClientGoVersion, r.WatchListClient)
	}
	if !r.Synced || r.SyncedAfterMs == nil || *r.SyncedAfterMs > 5000 {
		t.Errorf("expected a quick sync, got synced=%v syncedAfterMs=%v", r.Synced, r.SyncedAfterMs)
	}
	if r.ListRequests != 0 || r.WatchRequests != 1 || r.WatchListRequests != 1 {
		t.Errorf("requests: list=%d watch=%d watchList=%d, want 0/1/1", r.ListRequests, r.WatchRequests, r.WatchListRequests)
	}
	if r.Items != 3 || r.BookmarkExpiredWarnings != 0 || r.FirstWarning != nil {
		t.Errorf("items=%d warnings=%d first=%v", r.Items, r.BookmarkExpiredWarnings, r.FirstWarning)
	}
	reqs := f.recorded()
	if len(reqs) != 1 {
		t.Fatalf("server saw %v", reqs)
	}
	for _, want := range []string{"watch=true", "sendInitialEvents=true", "allowWatchBookmarks=true", "resourceVersionMatch=NotOlderThan", "timeoutSeconds="} {
		if !strings.Contains(reqs[0], want) {
			t.Errorf("watch-list request %q lacks %q", reqs[0], want)
		}
	}
}

// (a') the same for a namespaced custom resource in a named group.
func TestWatchListCustomResourceInNamespace(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/apis/kinm.test/v1", apiVersion: "kinm.test/v1", kind: "Widget", resource: "widgets", namespace: "ns1", items: 2}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, resourceArgs(srv, "kinm.test", "v1", "widgets", "ns1", "10s")...)
	if pr.code != 0 || !pr.res.Synced || pr.res.Items != 2 || pr.res.WatchListRequests != 1 {
		t.Fatalf("exit %d, result %+v, stderr %s", pr.code, pr.res, pr.stderr)
	}
	if reqs := f.recorded(); len(reqs) != 1 {
		t.Errorf("server saw %v", reqs)
	}
}

// (b') the same, but the ADDED events come 2 s after the response headers: the
// 10 s tick is then certainly silent, so a 12 s deadline sees no warning at all.
func TestWatchListWithoutBookmarkFirstTickSilentAfterEvents(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeNoBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 3, eventDelay: 2 * time.Second}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "12s")...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if r.Synced || r.BookmarkExpiredWarnings != 0 || r.FirstWarning != nil || r.WatchListRequests != 1 || r.ListRequests != 0 {
		t.Errorf("want unsynced, 0 warnings, 1 watch-list, 0 lists: %+v", r)
	}
}

// (b”) watch-list on an empty collection, no bookmark: no event at all, so
// every tick warns ("awaiting required bookmark event ..."), the first at 10 s.
func TestWatchListEmptyWithoutBookmarkWarnsWithin12s(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeNoBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 0}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "12s")...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if r.Synced || r.WatchListRequests != 1 || r.ListRequests != 0 {
		t.Errorf("want unsynced, 1 watch-list, 0 lists: %+v", r)
	}
	if r.BookmarkExpiredWarnings != 1 || r.FirstWarning == nil {
		t.Fatalf("want exactly 1 warning within 12 s, got %d", r.BookmarkExpiredWarnings)
	}
	if !warningLine.MatchString(*r.FirstWarning) ||
		!regexp.MustCompile(`awaiting required bookmark event for initial events stream, no events received for 10\.\d+s`).MatchString(*r.FirstWarning) {
		t.Errorf("first warning does not look like client-go's: %q", *r.FirstWarning)
	}
}

// (c) KUBE_FEATURE_WatchListClient=false: LIST, then WATCH from the list's RV.
// The fake never sends the bookmark, so syncing proves no watch-list was used.
func TestWatchListClientOffUsesListThenWatch(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeNoBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 3}
	srv := newFakeAPI(t, f)
	args := append(resourceArgs(srv, "", "v1", "configmaps", "", "10s"), "--after-sync", "1s")
	pr := runProbe(t, []string{"KUBE_FEATURE_WatchListClient=false"}, args...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if r.WatchListClient || !r.Synced || r.Items != 3 {
		t.Errorf("want watchListClient=false, synced, 3 items: %+v", r)
	}
	if r.ListRequests != 1 || r.WatchRequests != 1 || r.WatchListRequests != 0 {
		t.Errorf("requests: list=%d watch=%d watchList=%d, want 1/1/0", r.ListRequests, r.WatchRequests, r.WatchListRequests)
	}
	reqs := f.recorded()
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0], "LIST ") || !strings.HasPrefix(reqs[1], "WATCH ") {
		t.Fatalf("server saw %v", reqs)
	}
	if !strings.Contains(reqs[0], "resourceVersion=0") || !strings.Contains(reqs[0], "limit=500") {
		t.Errorf("LIST query %q, want resourceVersion=0&limit=500", reqs[0])
	}
	if !strings.Contains(reqs[1], "resourceVersion=100") || strings.Contains(reqs[1], "sendInitialEvents") {
		t.Errorf("WATCH query %q, want resourceVersion=100 and no sendInitialEvents", reqs[1])
	}
}

// A watch-list rejected with 422 makes client-go fall back to LIST + WATCH.
func TestWatchListRejectedFallsBackToList(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeReject422, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 2}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, append(resourceArgs(srv, "", "v1", "configmaps", "", "10s"), "--after-sync", "1s")...)
	if pr.code != 0 {
		t.Fatalf("exit %d: %s", pr.code, pr.stderr)
	}
	r := pr.res
	if !r.WatchListClient || !r.Synced || r.Items != 2 {
		t.Errorf("want watchListClient, synced, 2 items: %+v", r)
	}
	if r.ListRequests != 1 || r.WatchRequests != 2 || r.WatchListRequests != 1 {
		t.Errorf("requests: list=%d watch=%d watchList=%d, want 1/2/1; server saw %v", r.ListRequests, r.WatchRequests, r.WatchListRequests, f.recorded())
	}
}

// HTTPS with --ca-file (the certificate httptest made), and without it.
func TestTLSWithCAFile(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 1, tls: true}
	srv := newFakeAPI(t, f)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	pr := runProbe(t, nil, append(resourceArgs(srv, "", "v1", "configmaps", "", "10s"), "--ca-file", caFile)...)
	if pr.code != 0 || !pr.res.Synced || pr.res.Items != 1 {
		t.Fatalf("exit %d, result %+v, stderr %s", pr.code, pr.res, pr.stderr)
	}
	// Without the CA the certificate cannot be verified: exit 2.
	pr = runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "5s")...)
	if pr.code != 2 || !strings.Contains(pr.stderr, "certificate") {
		t.Errorf("without --ca-file: exit %d, stderr %q", pr.code, pr.stderr)
	}
}

func TestBadFlagsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"--server", "http://127.0.0.1:1", "--resource", "configmaps"},
		{"--server", "ftp://x", "--version", "v1", "--resource", "configmaps"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--token", "a", "--token-file", "/nonexistent"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--deadline", "0s"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--bogus"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "extra"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--informer", "metadata"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "secrets", "--namespace", "d", "--write-after-sync"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--write-after-sync"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--informer", "typed", "--content-type", "application/yaml"},
		{"--server", "http://127.0.0.1:1", "--version", "v1", "--resource", "configmaps", "--content-type", "application/vnd.kubernetes.protobuf"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("args %q: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

func TestUnreachableServerExit2(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pr := runProbe(t, nil, "--server", "http://"+addr, "--version", "v1", "--resource", "configmaps", "--deadline", "5s", "--quiet")
	if pr.code != 2 || pr.stdout != "" || !strings.Contains(pr.stderr, "unreachable") {
		t.Errorf("exit %d, stdout %q, stderr %q", pr.code, pr.stdout, pr.stderr)
	}
}

func TestRejectedTokenExit2(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 1}
	srv := newFakeAPI(t, f)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--server", srv.URL, "--token", "wrong", "--version", "v1", "--resource", "configmaps", "--deadline", "5s", "--quiet"}, &stdout, &stderr)
	if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "401") || strings.Contains(stderr.String(), "wrong") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// The end bookmark carries kind Pod on a ConfigMap watch-list. A typed
// informer decodes it as a *v1.Pod, the reflector skips it ("Unexpected watch
// event object type": expected type *v1.ConfigMap) and never syncs; a dynamic
// informer (example object: Unstructured without GVK, so no expected GVK)
// takes it as the end bookmark and syncs.
func TestWrongKindEndBookmarkTypedNeverSyncsDynamicSyncs(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 2, bookmarkKind: "Pod"}
	srv := newFakeAPI(t, f)
	typed := runProbe(t, nil, append(resourceArgs(srv, "", "v1", "configmaps", "", "3s"), "--informer", "typed")...)
	dyn := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "3s")...)
	if typed.code != 0 || dyn.code != 0 {
		t.Fatalf("exit typed %d dynamic %d: %s %s", typed.code, dyn.code, typed.stderr, dyn.stderr)
	}
	if typed.res.Informer != "typed" || typed.res.Synced || typed.res.ListRequests != 0 || typed.res.UnexpectedObjectEvents != 1 {
		t.Errorf("typed: want informer typed, not synced, no LIST, 1 unexpected object: %+v", typed.res)
	}
	if dyn.res.Informer != "dynamic" || !dyn.res.Synced || dyn.res.ListRequests != 0 || dyn.res.UnexpectedObjectEvents != 0 || dyn.res.Items != 2 {
		t.Errorf("dynamic: want synced through watch-list, 2 items, nothing skipped: %+v", dyn.res)
	}
}

// The end bookmark carries apiVersion v1beta1 (kind ConfigMap): no such type
// in client-go's typed scheme, so the typed client cannot decode it
// (StreamWatcher's synthetic InternalError), watchList() fails and the
// reflector falls back to LIST. The dynamic informer decodes anything into
// Unstructured and syncs through watch-list.
func TestWrongAPIVersionEndBookmarkTypedFallsBackDynamicSyncs(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/api/v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", items: 2, bookmarkAPIVersion: "v1beta1"}
	srv := newFakeAPI(t, f)
	typed := runProbe(t, nil, append(resourceArgs(srv, "", "v1", "configmaps", "", "5s"), "--informer", "typed")...)
	dyn := runProbe(t, nil, resourceArgs(srv, "", "v1", "configmaps", "", "5s")...)
	if typed.code != 0 || dyn.code != 0 {
		t.Fatalf("exit typed %d dynamic %d: %s %s", typed.code, dyn.code, typed.stderr, dyn.stderr)
	}
	if !typed.res.Synced || typed.res.ListRequests != 1 || typed.res.WatchListRequests != 1 || typed.res.UnexpectedObjectEvents != 0 {
		t.Errorf("typed: want a fallback LIST after the watch-list: %+v", typed.res)
	}
	if !dyn.res.Synced || dyn.res.ListRequests != 0 || dyn.res.Items != 2 {
		t.Errorf("dynamic: want synced through watch-list: %+v", dyn.res)
	}
}

func TestTypedInformerNeedsABuiltInResource(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{mode: modeBookmark, basePath: "/apis/example.com/v1", apiVersion: "example.com/v1", kind: "Widget", resource: "widgets", items: 1}
	srv := newFakeAPI(t, f)
	pr := runProbe(t, nil, append(resourceArgs(srv, "example.com", "v1", "widgets", "", "3s"), "--informer", "typed")...)
	if pr.code != 2 || !strings.Contains(pr.stderr, "no typed informer") {
		t.Errorf("exit %d, stderr %q", pr.code, pr.stderr)
	}
}
