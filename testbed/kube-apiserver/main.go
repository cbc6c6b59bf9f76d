// Command wm-kube-apiserver runs a real kube-apiserver (k8s.io/kubernetes, in
// process) backed by an embedded etcd (go.etcd.io/etcd/server/v3/embed) on
// 127.0.0.1, for watchmark's reference runs. Kubernetes and etcd are plain
// module dependencies; this file is only the launcher.
//
// Usage:
//
//	wm-kube-apiserver --dir DIR --info-file PATH [--token TOKEN] [--etcd-servers URL] [-- EXTRA-KUBE-APISERVER-FLAGS...]
//
// In a container (npm run testbed:image): --bind-address 0.0.0.0 --port 6443
// --public-server https://127.0.0.1:HOSTPORT --kubeconfig-out /out/kubeconfig;
// the token and serving certificate watchmark mounts are taken from
// $WATCHMARK_TOKEN_FILE, $WATCHMARK_TLS_CERT_FILE, $WATCHMARK_TLS_KEY_FILE and
// $WATCHMARK_CA_FILE when set (watchmark's --target container convention).
//
// Everything (etcd data, certs, keys, token file) is written under DIR, which
// the caller owns and removes. Once the serving certificate exists, PATH is
// written atomically as JSON (see infoFile). Readiness is the caller's job:
// poll GET /readyz with the bearer token until 200. SIGTERM/SIGINT stops
// kube-apiserver and etcd and exits 0 within a few seconds.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // as in upstream cmd/kube-apiserver (CronJob time zones)
	_ "unsafe"      // for go:linkname

	etcdversion "go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // as in upstream cmd/kube-apiserver
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // as in upstream cmd/kube-apiserver
	_ "k8s.io/component-base/metrics/prometheus/version"  // as in upstream cmd/kube-apiserver
	baseversion "k8s.io/component-base/version"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

// Upstream release builds stamp these with -ldflags -X. A plain `go build`
// leaves gitVersion at "v0.0.0-master+$Format:%H$", which /version would
// report; we set them from the module version recorded in the build info.
//
//go:linkname kubeGitVersion k8s.io/component-base/version.gitVersion
var kubeGitVersion string

//go:linkname kubeGitMajor k8s.io/component-base/version.gitMajor
var kubeGitMajor string

//go:linkname kubeGitMinor k8s.io/component-base/version.gitMinor
var kubeGitMinor string

//go:linkname kubeGitTreeState k8s.io/component-base/version.gitTreeState
var kubeGitTreeState string

// infoFile is what --info-file receives.
type infoFile struct {
	Server            string `json:"server"`
	Token             string `json:"token"`
	CAFile            string `json:"caFile"`
	Kubeconfig        string `json:"kubeconfig"`
	Etcd              string `json:"etcd"`
	KubernetesVersion string `json:"kubernetesVersion"`
	EtcdVersion       string `json:"etcdVersion"`
	PID               int    `json:"pid"`
}

const (
	// kube-apiserver's graceful shutdown waits for open watches (HTTP server
	// shutdown timeout = --request-timeout, 60s); we do not wait that long.
	shutdownGrace = 3 * time.Second // bound on kube-apiserver's own shutdown
	etcdGrace     = 2 * time.Second // bound on etcd's shutdown
)

func main() {
	os.Exit(run())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wm-kube-apiserver: "+time.Now().Format("15:04:05.000")+" "+format+"\n", args...)
}

func run() int {
	fs := flag.NewFlagSet("wm-kube-apiserver", flag.ContinueOnError)
	dir := fs.String("dir", "", "fresh directory owned by the caller; all state goes there (required)")
	infoPath := fs.String("info-file", "", "where to write connection info as JSON, atomically (required)")
	token := fs.String("token", "", "bearer token of the system:masters admin user (default: random)")
	etcdServers := fs.String("etcd-servers", "", "use this etcd-compatible endpoint (e.g. kine) instead of starting embedded etcd")
	bindAddress := fs.String("bind-address", "127.0.0.1", "address kube-apiserver listens on (0.0.0.0 in a container)")
	port := fs.Int("port", 0, "kube-apiserver's secure port (default: a free one)")
	publicServer := fs.String("public-server", "", "server URL written into the info file and kubeconfigs (default https://127.0.0.1:PORT)")
	kubeconfigOut := fs.String("kubeconfig-out", "", "also write a self-contained kubeconfig (CA and token inline) to this path")
	tokenFrom := fs.String("token-file", os.Getenv("WATCHMARK_TOKEN_FILE"), "read the admin bearer token from this file (default $WATCHMARK_TOKEN_FILE)")
	tlsCert := fs.String("tls-cert-file", os.Getenv("WATCHMARK_TLS_CERT_FILE"), "serving certificate (default $WATCHMARK_TLS_CERT_FILE; unset: self-signed)")
	tlsKey := fs.String("tls-private-key-file", os.Getenv("WATCHMARK_TLS_KEY_FILE"), "serving key (default $WATCHMARK_TLS_KEY_FILE)")
	caFile := fs.String("ca-file", os.Getenv("WATCHMARK_CA_FILE"), "CA of --tls-cert-file, for the info file (default $WATCHMARK_CA_FILE)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: wm-kube-apiserver --dir DIR --info-file PATH [--token TOKEN] [--etcd-servers URL] [-- extra kube-apiserver flags]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" || *infoPath == "" {
		fs.Usage()
		return 2
	}
	extraArgs := fs.Args()

	// Our own handler; kube-apiserver installs its own too (first signal
	// cancels its context, a second one exits 1). Both receive each signal.
	sigCh := make(chan os.Signal, 4)
	signal.Notify(sigCh, syscall.SIGTERM, syscall.SIGINT)

	// kube-apiserver treats a post-start hook that fails because its context
	// was cancelled as fatal (klog.Fatal, exit 255). A signal during startup
	// is a requested stop, so exit 0 in that case.
	var stopping atomic.Bool
	stopSeen := make(chan os.Signal, 1)
	signal.Notify(stopSeen, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stopSeen; stopping.Store(true) }()
	klog.OsExit = func(code int) {
		if code != 0 && !stopping.Load() {
			time.Sleep(100 * time.Millisecond) // our handler may not have run yet
		}
		if code != 0 && stopping.Load() {
			logf("kube-apiserver exited with code %d while stopping; exiting 0", code)
			code = 0
		}
		os.Exit(code)
	}

	kubeVersion := setKubeVersion()

	absDir, err := filepath.Abs(*dir)
	if err != nil {
		logf("%v", err)
		return 1
	}
	certDir := filepath.Join(absDir, "certs")
	for _, d := range []string{absDir, certDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			logf("%v", err)
			return 1
		}
	}

	if *token == "" && *tokenFrom != "" {
		b, err := os.ReadFile(*tokenFrom)
		if err != nil {
			logf("token file: %v", err)
			return 1
		}
		*token = strings.TrimSpace(string(b))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		logf("--tls-cert-file and --tls-private-key-file go together")
		return 2
	}
	if *token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			logf("random token: %v", err)
			return 1
		}
		*token = hex.EncodeToString(b)
	}
	tokenFile := filepath.Join(absDir, "tokens.csv")
	// token,user,uid,"group1,group2"
	if err := os.WriteFile(tokenFile, []byte(*token+`,wm-admin,wm-admin,"system:masters"`+"\n"), 0o600); err != nil {
		logf("%v", err)
		return 1
	}
	saKeyFile := filepath.Join(absDir, "sa.key")
	if err := writeECKey(saKeyFile); err != nil {
		logf("service-account key: %v", err)
		return 1
	}

	// etcd: embedded unless --etcd-servers was given.
	var etcd *embed.Etcd
	etcdURL := *etcdServers
	etcdVer := ""
	if etcdURL == "" {
		etcd, etcdURL, err = startEtcd(filepath.Join(absDir, "etcd"), sigCh)
		if err != nil {
			logf("etcd: %v", err)
			if etcd != nil {
				closeEtcd(etcd)
			}
			if errors.Is(err, errSignalled) {
				return 0
			}
			return 1
		}
		etcdVer = etcdversion.Version
	} else {
		etcdVer = probeEtcdVersion(etcdURL)
	}

	securePort := *port
	if securePort == 0 {
		securePort, err = freePort()
	}
	if err != nil {
		logf("%v", err)
		closeEtcd(etcd)
		return 1
	}

	args := []string{
		"--etcd-servers=" + etcdURL,
		"--secure-port=" + strconv.Itoa(securePort),
		"--bind-address=" + *bindAddress,
		"--advertise-address=127.0.0.1",
		"--cert-dir=" + certDir,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKeyFile,
		"--service-account-signing-key-file=" + saKeyFile,
		"--authorization-mode=RBAC",
		"--token-auth-file=" + tokenFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--endpoint-reconciler-type=none",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
	}
	if *tlsCert != "" {
		args = append(args, "--tls-cert-file="+*tlsCert, "--tls-private-key-file="+*tlsKey)
	}
	args = append(args, extraArgs...)

	// NewAPIServerCommand installs kube-apiserver's signal handler (once per process).
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	apiDone := make(chan int, 1)
	go func() { apiDone <- cli.Run(cmd) }()

	server := "https://127.0.0.1:" + strconv.Itoa(securePort)
	if *publicServer != "" {
		server = *publicServer
	}
	infoErr := make(chan error, 1)
	stopInfo := make(chan struct{})
	go func() {
		infoErr <- writeInfoWhenReady(stopInfo, certDir, absDir, *infoPath, servingFiles{*tlsCert, *tlsKey, *caFile, *kubeconfigOut}, infoFile{
			Server:            server,
			Token:             *token,
			Etcd:              etcdURL,
			KubernetesVersion: kubeVersion,
			EtcdVersion:       etcdVer,
			PID:               os.Getpid(),
		})
	}()

	var etcdErr <-chan error
	if etcd != nil {
		etcdErr = etcd.Err()
	}

	code := 0
	for done := false; !done; {
		select {
		case err := <-infoErr:
			infoErr = nil
			if err != nil {
				logf("info file: %v", err)
				code = 1
				done = true
			}
		case c := <-apiDone:
			logf("kube-apiserver exited (code %d)", c)
			code = 1
			done = true
		case err := <-etcdErr:
			logf("etcd failed: %v", err)
			code = 1
			done = true
		case s := <-sigCh:
			logf("received %v, shutting down", s)
			select {
			case <-apiDone:
			case <-time.After(shutdownGrace):
				// Typically open watches. etcd would then wait for
				// kube-apiserver's streams too; the process exit ends both.
				logf("kube-apiserver did not stop within %v (open watches?); exiting anyway", shutdownGrace)
				etcd = nil
			}
			done = true
		}
	}
	close(stopInfo)
	closeEtcd(etcd)
	logf("stopped (exit code %d)", code)
	return code
}

// setKubeVersion stamps component-base/version from the k8s.io/kubernetes
// module version this binary was built with and returns it.
func setKubeVersion() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "k8s.io/kubernetes" {
				v = m.Version
				if m.Replace != nil && m.Replace.Version != "" {
					v = m.Replace.Version
				}
			}
		}
	}
	if strings.HasPrefix(v, "v1.") {
		parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
		if len(parts) >= 2 {
			kubeGitVersion = v
			kubeGitMajor = parts[0]
			kubeGitMinor = parts[1]
			kubeGitTreeState = "clean"
			// Get() reads the git version from an atomic copy taken at init.
			if err := baseversion.SetDynamicVersion(v); err != nil {
				logf("cannot set version: %v", err)
			}
		}
	}
	return v
}

var errSignalled = errors.New("signalled during startup")

// etcdLogLevel is raised to fatal once we shut down, to hide the expected
// "server closed" errors etcd logs while stopping.
var etcdLogLevel = zap.NewAtomicLevelAt(zap.ErrorLevel)

func startEtcd(dataDir string, sigCh <-chan os.Signal) (*embed.Etcd, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(clientPort)}
	peerURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(peerPort)}

	cfg := embed.NewConfig()
	cfg.Name = "wm-etcd"
	cfg.Dir = dataDir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = true
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	zc := zap.NewProductionConfig()
	zc.Level = etcdLogLevel
	zc.DisableStacktrace = true
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	lg, err := zc.Build()
	if err != nil {
		return nil, "", err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg.Named("etcd"))

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, clientURL.String(), nil
	case err := <-e.Err():
		return e, "", err
	case <-sigCh:
		return e, "", errSignalled
	case <-time.After(60 * time.Second):
		return e, "", errors.New("not ready after 60s")
	}
}

func closeEtcd(e *embed.Etcd) {
	if e == nil {
		return
	}
	etcdLogLevel.SetLevel(zap.FatalLevel)
	done := make(chan struct{})
	go func() { e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(etcdGrace):
		logf("etcd did not stop within %v; exiting anyway", etcdGrace)
	}
}

// probeEtcdVersion asks an external etcd-compatible endpoint for its version
// (best effort; kine reports an emulated etcd version).
func probeEtcdVersion(endpoint string) string {
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(endpoint, ","),
		DialTimeout: 3 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return "unknown"
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := c.Status(ctx, strings.Split(endpoint, ",")[0])
	if err != nil {
		return "unknown"
	}
	return st.Version
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func writeECKey(path string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

// writeInfoWhenReady waits until kube-apiserver has written its self-signed
// serving certificate and key into certDir, extracts the CA that signed it,
// writes a kubeconfig and then the info file (atomically, by rename).
func writeInfoWhenReady(stop <-chan struct{}, certDir, dir, infoPath string, serving servingFiles, info infoFile) error {
	crt := filepath.Join(certDir, "apiserver.crt")
	key := filepath.Join(certDir, "apiserver.key")
	if serving.cert != "" {
		crt, key = serving.cert, serving.key
	}
	var certs []*x509.Certificate
	for {
		if _, err := os.Stat(key); err == nil {
			if certs = readCerts(crt); len(certs) > 0 {
				break
			}
		}
		select {
		case <-stop:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
	// apiserver.crt holds the serving cert followed by its self-signed CA.
	info.CAFile = crt
	if serving.ca != "" {
		info.CAFile = serving.ca
	}
	for _, c := range certs {
		if serving.ca != "" {
			break
		}
		if c.IsCA && c.Subject.String() == c.Issuer.String() {
			caFile := filepath.Join(dir, "serving-ca.crt")
			if err := atomicWrite(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
				return err
			}
			info.CAFile = caFile
			break
		}
	}
	info.Kubeconfig = filepath.Join(dir, "kubeconfig")
	kc := kubeconfigText(info.Server, "certificate-authority: "+info.CAFile, info.Token)
	if err := atomicWrite(info.Kubeconfig, []byte(kc), 0o600); err != nil {
		return err
	}
	if serving.kubeconfigOut != "" {
		if err := writeInlineKubeconfig(serving.kubeconfigOut, info); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return atomicWrite(infoPath, append(b, '\n'), 0o600)
}

func readCerts(path string) []*x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil
		}
		out = append(out, c)
	}
	return out
}

func atomicWrite(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// servingFiles: a serving certificate given by the caller (else kube-apiserver's
// self-signed one in certDir), its CA, and where to write a self-contained kubeconfig.
type servingFiles struct {
	cert, key, ca, kubeconfigOut string
}

// writeInlineKubeconfig writes a kubeconfig with the CA and token inline, so it
// is valid outside this process's filesystem (a container's bind-mounted dir).
// Readable by all (0644): the host user reading it is not the container's root.
func writeInlineKubeconfig(path string, info infoFile) error {
	ca, err := os.ReadFile(info.CAFile)
	if err != nil {
		return err
	}
	kc := kubeconfigText(info.Server, "certificate-authority-data: "+base64.StdEncoding.EncodeToString(ca), info.Token)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicWrite(path, []byte(kc), 0o644)
}

// kubeconfigText is a kubeconfig for the admin token, trusting the CA that
// caLine names ("certificate-authority: FILE" or "certificate-authority-data: B64").
func kubeconfigText(server, caLine, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: wm
  cluster:
    server: %s
    %s
users:
- name: wm-admin
  user:
    token: %s
contexts:
- name: wm
  context:
    cluster: wm
    user: wm-admin
current-context: wm
`, server, caLine, token)
}
