// Command informer-probe runs a real client-go SharedInformer (dynamic for
// any resource, or typed for the built-in resources client-go has informers
// for) against an API server and reports, as one JSON object on stdout,
// whether it synced, how many LIST / WATCH / watch-list requests it sent and
// how many "Warning: event bookmark expired" lines client-go's reflector
// logged. It is watchmark's ground-truth oracle for "would a client-go
// informer sync against this server?".
//
// Exit status: 0 whenever a result was produced (also when the informer did
// not sync: that is a result), 2 for bad flags or an unreachable server.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// fallbackClientGoVersion is reported when the binary carries no module
// build information (it matches go.mod).
const fallbackClientGoVersion = "v0.37.2"

// bookmarkExpiredMarker is the text of the reflector's initial-events-end
// ticker warning (tools/cache/reflector.go warnIfExpired).
const bookmarkExpiredMarker = "event bookmark expired"

// unexpectedObjectMarker is the start of the reflector's log lines for an
// event it skips because the object is not of the informer's type or GVK
// (tools/cache/reflector.go handleAnyWatch: "Unexpected watch event object
// type" / "Unexpected watch event object gvk").
const unexpectedObjectMarker = "Unexpected watch event object"

// watchEndedWithErrorMarker is the reflector's log line when a watch ends
// with an error, e.g. a decode error turned into a synthetic InternalError.
const watchEndedWithErrorMarker = "watch ended with error"

// Informer kinds (--informer).
const (
	informerDynamic = "dynamic"
	informerTyped   = "typed"
)

// Client encodings (--content-type): rest.Config.ContentType.
const (
	contentTypeJSON     = "application/json"
	contentTypeProtobuf = "application/vnd.kubernetes.protobuf"
)

// Live-write outcomes (--write-after-sync).
const (
	liveStored     = "stored"
	liveSkipped    = "skipped"
	liveWatchError = "watch-error"
	liveNone       = "none"
)

// Result is the JSON object printed on stdout.
type Result struct {
	ClientGoVersion         string  `json:"clientGoVersion"`
	Informer                string  `json:"informer"`
	WatchListClient         bool    `json:"watchListClient"`
	Synced                  bool    `json:"synced"`
	SyncedAfterMs           *int64  `json:"syncedAfterMs"`
	BookmarkExpiredWarnings int     `json:"bookmarkExpiredWarnings"`
	FirstWarning            *string `json:"firstWarning"`
	ListRequests            int64   `json:"listRequests"`
	WatchRequests           int64   `json:"watchRequests"`
	WatchListRequests       int64   `json:"watchListRequests"`
	Items                   int     `json:"items"`
	// UnexpectedObjectEvents counts the reflector's "Unexpected watch event
	// object type/gvk" lines: events it skipped.
	UnexpectedObjectEvents int `json:"unexpectedObjectEvents"`
	// LiveWrite is what the informer did with the ADDED event of the object
	// the probe created after sync (--write-after-sync): "stored" (its event
	// handler saw it), "skipped" (the reflector logged an unexpected object),
	// "watch-error" (the watch ended with an error), "none" (nothing within
	// 10 s); null when no write was made.
	LiveWrite *string `json:"liveWrite"`
	// ContentType is the encoding set with --content-type ("" = client-go's
	// default: typed clients of built-in types prefer protobuf since v0.32,
	// gentype.PrefersProtobuf; the dynamic client speaks JSON);
	// WatchContentTypes the distinct Content-Type headers of the watch
	// responses the informer got, in order of first appearance.
	ContentType       string   `json:"contentType"`
	WatchContentTypes []string `json:"watchContentTypes"`
}

type options struct {
	server    string
	token     string
	tokenFile string
	caFile    string
	insecure  bool
	group     string
	version   string
	resource  string
	namespace string
	deadline  time.Duration
	afterSync time.Duration
	quiet     bool
	verbosity int
	informer  string
	// writeAfterSync: after sync, create one configmap in the namespace and
	// report what the informer did with its event (core v1 configmaps only).
	writeAfterSync bool
	// labelSelector: the informer's label selector, as a controller's
	// filtered informer sets it on every LIST/WATCH (tweakListOptions).
	labelSelector string
	// contentType: rest.Config.ContentType of the typed clientset: "" leaves
	// client-go's default (protobuf with a JSON fallback for built-in types),
	// JSON forces JSON, protobuf sets it as kube-controller-manager does.
	contentType string
}

// usageError marks errors that end the probe with exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "informer-probe: %v\n", err)
		}
		return 2
	}
	res, err := probe(opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "informer-probe: %v\n", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "informer-probe: writing result: %v\n", err)
		return 2
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("informer-probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.server, "server", "", "API server base URL, e.g. https://127.0.0.1:6443 (required)")
	fs.StringVar(&o.token, "token", "", "bearer token (prefer --token-file; never printed)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the bearer token")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM CA bundle to verify the server certificate")
	fs.BoolVar(&o.insecure, "insecure", false, "skip TLS verification (tests only)")
	fs.StringVar(&o.group, "group", "", `API group ("" for the core group)`)
	fs.StringVar(&o.version, "version", "", "API version, e.g. v1 (required)")
	fs.StringVar(&o.resource, "resource", "", "resource (plural), e.g. configmaps (required)")
	fs.StringVar(&o.namespace, "namespace", "", "namespace to watch (empty = all namespaces)")
	fs.DurationVar(&o.deadline, "deadline", 30*time.Second, "how long to wait for HasSynced")
	fs.DurationVar(&o.afterSync, "after-sync", 0, "keep the informer running this long after it synced")
	fs.BoolVar(&o.quiet, "quiet", false, "do not copy client-go's klog output to stderr")
	fs.IntVar(&o.verbosity, "v", 0, "klog verbosity for client-go's log (e.g. 4 shows watch-list fallbacks)")
	fs.StringVar(&o.informer, "informer", informerDynamic, `informer kind: "dynamic" (dynamicinformer, unstructured, any resource) or "typed" (the clientset's informer factory, built-in resources only)`)
	fs.StringVar(&o.labelSelector, "label-selector", "", "the informer's label selector (tweakListOptions), e.g. app=x")
	fs.StringVar(&o.contentType, "content-type", "", `the typed client's encoding: empty = client-go's default (typed clients of built-in types send Accept "`+contentTypeProtobuf+`,`+contentTypeJSON+`" since v0.32), "`+contentTypeJSON+`" forces JSON, "`+contentTypeProtobuf+`" sets protobuf as kube components do; the dynamic client always speaks JSON`)
	fs.BoolVar(&o.writeAfterSync, "write-after-sync", false, "after sync, create one configmap in --namespace and report what the informer did with its event (core v1 configmaps only)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: informer-probe --server URL [--token-file FILE|--token T] [--ca-file FILE|--insecure]\n"+
			"       --group G --version V --resource R [--namespace NS] [--deadline 25s] [--after-sync 0s]\n"+
			"       [--informer dynamic|typed] [--label-selector SEL] [--write-after-sync]\n"+
			"       [--content-type application/json|application/vnd.kubernetes.protobuf]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments: %q", fs.Args())
	}
	if o.server == "" {
		return nil, usagef("--server is required")
	}
	u, err := url.Parse(o.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server must be an http:// or https:// URL, got %q", o.server)
	}
	if o.version == "" || o.resource == "" {
		return nil, usagef("--version and --resource are required")
	}
	if strings.Contains(o.resource, "/") {
		return nil, usagef("--resource must be a plain resource name, subresources are not supported")
	}
	if o.token != "" && o.tokenFile != "" {
		return nil, usagef("--token and --token-file are mutually exclusive")
	}
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return nil, usagef("reading --token-file: %v", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return nil, usagef("--token-file %s is empty", o.tokenFile)
		}
	}
	if o.caFile != "" {
		if o.insecure {
			return nil, usagef("--ca-file and --insecure are mutually exclusive")
		}
		if _, err := os.Stat(o.caFile); err != nil {
			return nil, usagef("--ca-file: %v", err)
		}
	}
	if o.deadline <= 0 {
		return nil, usagef("--deadline must be positive")
	}
	if o.afterSync < 0 {
		return nil, usagef("--after-sync must not be negative")
	}
	if o.informer != informerDynamic && o.informer != informerTyped {
		return nil, usagef("--informer must be %q or %q, got %q", informerDynamic, informerTyped, o.informer)
	}
	if o.contentType != "" && o.contentType != contentTypeJSON && o.contentType != contentTypeProtobuf {
		return nil, usagef("--content-type must be empty, %q or %q, got %q", contentTypeJSON, contentTypeProtobuf, o.contentType)
	}
	if o.contentType != "" && o.informer != informerTyped {
		return nil, usagef("--content-type needs --informer typed (the dynamic client always speaks JSON)")
	}
	if o.writeAfterSync && (o.group != "" || o.version != "v1" || o.resource != "configmaps" || o.namespace == "") {
		return nil, usagef("--write-after-sync needs --group \"\" --version v1 --resource configmaps and a --namespace")
	}
	return o, nil
}

// requestCounter wraps the informer's transport and classifies its requests.
type requestCounter struct {
	next      http.RoundTripper
	lists     *atomic.Int64
	watches   *atomic.Int64
	watchList *atomic.Int64
	// watchTypes collects the Content-Type of every watch response.
	watchTypes *contentTypes
}

// contentTypes is a concurrency-safe list of distinct header values.
type contentTypes struct {
	mu   sync.Mutex
	seen []string
}

func (c *contentTypes) add(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.seen {
		if s == v {
			return
		}
	}
	c.seen = append(c.seen, v)
}

func (c *contentTypes) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string{}, c.seen...)
}

func (c *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	isWatch := false
	if req.Method == http.MethodGet {
		q := req.URL.Query()
		if q.Get("watch") == "true" || q.Get("watch") == "1" {
			isWatch = true
			c.watches.Add(1)
			if q.Get("sendInitialEvents") == "true" {
				c.watchList.Add(1)
			}
		} else {
			c.lists.Add(1)
		}
	}
	resp, err := c.next.RoundTrip(req)
	if isWatch && err == nil && c.watchTypes != nil {
		c.watchTypes.add(resp.Header.Get("Content-Type"))
	}
	return resp, err
}

// logCapture receives klog's output, counts bookmark-expired warnings, keeps
// the first one verbatim and optionally copies everything to stderr.
type logCapture struct {
	mu         sync.Mutex
	partial    []byte
	tee        io.Writer
	warnings   int
	first      *string
	unexpected int
	watchErrs  int
	// changed is closed and replaced whenever unexpected or watchErrs grows.
	changed chan struct{}
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tee != nil {
		_, _ = l.tee.Write(p)
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *logCapture) line(s string) {
	if strings.Contains(s, unexpectedObjectMarker) || strings.Contains(s, watchEndedWithErrorMarker) {
		if strings.Contains(s, unexpectedObjectMarker) {
			l.unexpected++
		} else {
			l.watchErrs++
		}
		if l.changed != nil {
			close(l.changed)
		}
		l.changed = make(chan struct{})
	}
	if strings.Contains(s, bookmarkExpiredMarker) {
		l.warnings++
		if l.first == nil {
			first := strings.TrimRight(s, "\r")
			l.first = &first
		}
	}
}

// counts returns the unexpected-object and watch-error line counts and a
// channel closed when either grows.
func (l *logCapture) counts() (int, int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.unexpected, l.watchErrs, l.changed
}

func (l *logCapture) result() (int, *string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
	return l.warnings, l.first
}

// setupKlog sends all of klog's output (client-go logs through klog's global
// logger) to the capture, once per severity.
func setupKlog(capture *logCapture, verbosity int) error {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for k, v := range map[string]string{
		"logtostderr":     "false",
		"alsologtostderr": "false",
		"one_output":      "true",
		"v":               fmt.Sprint(verbosity),
	} {
		if err := fs.Set(k, v); err != nil {
			return err
		}
	}
	klog.SetOutput(capture)
	return nil
}

func clientGoVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "k8s.io/client-go" {
				if d.Replace != nil && d.Replace.Version != "" {
					return d.Replace.Version
				}
				if d.Version != "" {
					return d.Version
				}
			}
		}
	}
	return fallbackClientGoVersion
}

func restConfig(o *options) *rest.Config {
	cfg := &rest.Config{
		Host:            o.server,
		BearerToken:     o.token,
		BearerTokenFile: o.tokenFile,
		UserAgent:       "watchmark-informer-probe (client-go " + clientGoVersion() + ")",
	}
	cfg.TLSClientConfig.CAFile = o.caFile
	cfg.TLSClientConfig.Insecure = o.insecure
	switch o.contentType {
	case contentTypeProtobuf:
		// What kube-controller-manager and the scheduler set (component-base
		// ClientConnectionConfiguration defaults): protobuf, JSON as fallback.
		cfg.ContentType = contentTypeProtobuf
		cfg.AcceptContentTypes = contentTypeProtobuf + "," + contentTypeJSON
	case contentTypeJSON:
		// A set ContentType turns off gentype's protobuf default
		// (rest.Request.UseProtobufAsDefault needs it unset).
		cfg.ContentType = contentTypeJSON
		cfg.AcceptContentTypes = contentTypeJSON
	}
	return cfg
}

// preflight checks that the server answers HTTP at all (any status counts,
// except 401, which means the credentials were refused). It uses its own
// client so it is not counted as one of the informer's requests.
func preflight(cfg *rest.Config) error {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return fmt.Errorf("building HTTP client: %v", err)
	}
	hc.Timeout = 10 * time.Second
	u := strings.TrimRight(cfg.Host, "/") + "/version"
	resp, err := hc.Get(u)
	if err != nil {
		return fmt.Errorf("server unreachable: %v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("server at %s refused the credentials (GET /version: 401 Unauthorized)", cfg.Host)
	}
	return nil
}

func probe(o *options, stderr io.Writer) (*Result, error) {
	capture := &logCapture{}
	if !o.quiet {
		capture.tee = stderr
	}
	if err := setupKlog(capture, o.verbosity); err != nil {
		return nil, fmt.Errorf("configuring klog: %v", err)
	}
	defer klog.Flush()

	cfg := restConfig(o)
	if err := preflight(cfg); err != nil {
		return nil, err
	}

	var lists, watches, watchList atomic.Int64
	watchTypes := &contentTypes{}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return &requestCounter{next: rt, lists: &lists, watches: &watches, watchList: &watchList, watchTypes: watchTypes}
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building dynamic client: %v", err)
	}
	gvr := schema.GroupVersionResource{Group: o.group, Version: o.version, Resource: o.resource}
	informer, err := newInformer(o, cfg, dyn, gvr)
	if err != nil {
		return nil, err
	}

	var created sync.Map // names of objects the informer's handler saw added
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if m, err := meta(obj); err == nil {
				created.Store(m.GetName(), true)
			}
		},
	}); err != nil {
		return nil, fmt.Errorf("adding event handler: %v", err)
	}

	res := &Result{
		ClientGoVersion: clientGoVersion(),
		Informer:        o.informer,
		ContentType:     o.contentType,
		WatchListClient: clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient),
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		informer.RunWithContext(ctx)
	}()

	deadline := time.NewTimer(o.deadline)
	defer deadline.Stop()
	select {
	case <-informer.HasSyncedChecker().Done():
		ms := time.Since(start).Milliseconds()
		res.Synced = true
		res.SyncedAfterMs = &ms
		if o.writeAfterSync {
			outcome := writeAndObserve(dyn, gvr, o.namespace, capture, &created)
			res.LiveWrite = &outcome
		}
		if o.afterSync > 0 {
			time.Sleep(o.afterSync)
		}
	case <-deadline.C:
		// The informer may sync in the very same instant; count it only if
		// it did so within the deadline (HasSynced is checked once more).
		if informer.HasSynced() {
			ms := time.Since(start).Milliseconds()
			res.Synced = true
			res.SyncedAfterMs = &ms
		}
	}

	res.Items = len(informer.GetStore().ListKeys())
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(stderr, "informer-probe: informer did not stop within 5s; reporting anyway")
	}
	klog.Flush()

	res.ListRequests = lists.Load()
	res.WatchRequests = watches.Load()
	res.WatchListRequests = watchList.Load()
	res.WatchContentTypes = watchTypes.list()
	res.BookmarkExpiredWarnings, res.FirstWarning = capture.result()
	res.UnexpectedObjectEvents, _, _ = capture.counts()
	return res, nil
}

// newInformer builds the informer of the requested kind.
//
//   - dynamic: dynamicinformer.NewFilteredDynamicInformer, what the dynamic
//     informer factory builds. Its example object is an Unstructured without
//     apiVersion/kind, so the reflector has neither an expected Go type other
//     than *unstructured.Unstructured nor an expected GVK
//     (reflector.go getExpectedGVKFromObject).
//   - typed: informers.NewSharedInformerFactoryWithOptions(clientset, 0,
//     WithNamespace(ns)).ForResource(gvr), i.e. the same generated informer as
//     factory.Core().V1().ConfigMaps(): expected type *v1.ConfigMap, events
//     decoded with client-go's typed scheme. Only built-in resources have one.
//
// Both wrap their ListWatch with cache.ToListWatcherWithWatchListSemantics
// and the real clients do not opt out, so the reflector uses watch-list
// exactly when the WatchListClient gate is on.
func newInformer(o *options, cfg *rest.Config, dyn dynamic.Interface, gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
	// A filtered informer's ListWatch adds the selector to every request,
	// the watch-list included (dynamicinformer / informers tweakListOptions).
	tweak := func(lo *metav1.ListOptions) {
		if o.labelSelector != "" {
			lo.LabelSelector = o.labelSelector
		}
	}
	if o.informer == informerDynamic {
		return dynamicinformer.NewFilteredDynamicInformer(dyn, gvr, o.namespace, 0, nil, tweak).Informer(), nil
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building clientset: %v", err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(o.namespace), informers.WithTweakListOptions(tweak))
	generic, err := factory.ForResource(gvr)
	if err != nil {
		return nil, usagef("client-go %s has no typed informer for %s (use --informer dynamic): %v", clientGoVersion(), gvr.String(), err)
	}
	return generic.Informer(), nil
}

func meta(obj any) (metav1.Object, error) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if m, ok := obj.(metav1.Object); ok {
		return m, nil
	}
	return nil, fmt.Errorf("%T has no object metadata", obj)
}

// writeAndObserve creates one configmap and waits (at most 10 s) for the
// first sign of what the informer did with its ADDED event: its handler saw
// it (stored), the reflector logged an unexpected object (skipped), or the
// watch ended with an error. The object is deleted again afterwards.
func writeAndObserve(dyn dynamic.Interface, gvr schema.GroupVersionResource, namespace string, capture *logCapture, created *sync.Map) string {
	name := fmt.Sprintf("informer-probe-%d", time.Now().UnixNano())
	unexpected0, watchErrs0, _ := capture.counts()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": namespace},
		"data":     map[string]any{"written-by": "informer-probe"},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := dyn.Resource(gvr).Namespace(namespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		klog.ErrorS(err, "informer-probe: --write-after-sync create failed")
		return liveNone
	}
	defer func() {
		_ = dyn.Resource(gvr).Namespace(namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	}()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		if _, ok := created.Load(name); ok {
			return liveStored
		}
		unexpected, watchErrs, changed := capture.counts()
		if unexpected > unexpected0 {
			return liveSkipped
		}
		if watchErrs > watchErrs0 {
			return liveWatchError
		}
		select {
		case <-ctx.Done():
			return liveNone
		case <-changed:
		case <-poll.C:
		}
	}
}
