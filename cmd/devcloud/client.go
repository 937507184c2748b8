package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/palmd/palmd/firmware/api"
)

// manager calls the management API like the console does.
type manager struct {
	base, key string
	http      *http.Client
}

func newManager(dir, keyFile string) (*manager, error) {
	url, err := os.ReadFile(filepath.Join(dir, "url"))
	if err != nil {
		return nil, fmt.Errorf("is devcloud serving from %s? %w", dir, err)
	}
	if keyFile == "" {
		keyFile = filepath.Join(dir, "admin.key")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, fileCA))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("ca.pem holds no certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, CipherSuites: api.TLS12Suites}}
	return &manager{base: strings.TrimSpace(string(url)), key: strings.TrimSpace(string(key)),
		http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

// call sends a management request and decodes the JSON answer into out.
func (m *manager) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return m.send(ctx, method, path, body, "application/json", out)
}

// send sends a body of any type and decodes the JSON answer into out.
func (m *manager) send(ctx context.Context, method, path string, body io.Reader, ctype string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+m.key)
	req.Header.Set("Content-Type", ctype)
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode/100 != 2 {
		var e api.Error
		_ = json.Unmarshal(raw, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Message)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devcloud", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage) }
	dir := fs.String("dir", "var/devcloud", "data directory of the running service")
	keyFile := fs.String("key", "", "API key file (default DIR/admin.key)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	m, err := newManager(*dir, *keyFile)
	if err != nil {
		fmt.Fprintln(stderr, "devcloud:", err)
		return 1
	}
	out, err := m.command(ctx, fs.Args())
	if errors.Is(err, errUsage) {
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "devcloud:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
	return 0
}

var errUsage = errors.New("usage")

// command runs one CLI command and returns what to print.
func (m *manager) command(ctx context.Context, args []string) (any, error) {
	if len(args) >= 2 && strings.HasPrefix(args[1], "/manage/") {
		return m.raw(ctx, args)
	}
	if len(args) < 2 {
		return nil, errUsage
	}
	sub := flag.NewFlagSet(args[0], flag.ContinueOnError)
	sub.SetOutput(io.Discard)
	line1, city, country := sub.String("line1", "", ""), sub.String("city", "", ""), sub.String("country", "", "")
	siteID, tmpl, cfgFile, png := sub.String("site", "", ""), sub.String("template", "", ""), sub.String("config", "", ""), sub.String("png", "", "")
	version, arch := sub.String("version", "", ""), sub.String("arch", runtime.GOARCH, "")
	downgrade := sub.Bool("downgrade", false, "")
	var out map[string]any
	switch {
	case args[0] == "qr":
		if err := sub.Parse(args[2:]); err != nil {
			return nil, errUsage
		}
		return m.qr(ctx, args[1], *png)
	case len(args) < 3:
		return nil, errUsage
	}
	if err := sub.Parse(args[3:]); err != nil {
		return nil, errUsage
	}
	name := args[2]
	var err error
	switch args[0] + " " + args[1] {
	case "site create":
		err = m.call(ctx, "POST", "/manage/sites", map[string]any{"name": name, "address": address{Line1: *line1, City: *city, CountryCode: *country}}, &out)
	case "template create":
		cfg := api.DefaultConfig()
		if *cfgFile != "" {
			if err := readJSONFile(*cfgFile, &cfg); err != nil {
				return nil, err
			}
		}
		err = m.call(ctx, "POST", "/manage/templates", map[string]any{"name": name, "configuration": cfg}, &out)
	case "instance create":
		err = m.call(ctx, "POST", "/manage/instances", map[string]any{"name": name, "siteId": *siteID}, &out)
	case "instance configure":
		err = m.call(ctx, "PUT", "/manage/instances/"+name+"/configuration", map[string]any{"templateId": *tmpl}, &out)
	case "release publish":
		return m.publish(ctx, name, *version, *arch, *downgrade)
	default:
		return nil, errUsage
	}
	return out, err
}

// qr creates an activation code, prints it and writes its PNG.
func (m *manager) qr(ctx context.Context, instanceID, pngPath string) (any, error) {
	var out struct {
		Token   string    `json:"token"`
		Expires time.Time `json:"expires"`
		PNG     []byte    `json:"png"`
	}
	if err := m.call(ctx, "POST", "/manage/instances/"+instanceID+"/activation-code", nil, &out); err != nil {
		return nil, err
	}
	if pngPath != "" {
		if err := os.WriteFile(pngPath, out.PNG, 0o644); err != nil {
			return nil, err
		}
	}
	return map[string]any{"token": out.Token, "expires": out.Expires, "png": pngPath, "png_bytes": base64.StdEncoding.EncodedLen(len(out.PNG))}, nil
}

// publish uploads a software release: readers of that architecture running
// another version fetch, verify and install it.
func (m *manager) publish(ctx context.Context, file, version, arch string, downgrade bool) (any, error) {
	if version == "" {
		return nil, errUsage
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out any
	path := "/manage/releases/" + url.PathEscape(arch) + "/" + url.PathEscape(version)
	if downgrade {
		path += "?downgrade=true"
	}
	err = m.send(ctx, "PUT", path, f, "application/octet-stream", &out)
	return out, err
}

// raw sends any management request: METHOD PATH [JSON].
func (m *manager) raw(ctx context.Context, args []string) (any, error) {
	var in any
	if len(args) > 2 {
		if err := json.Unmarshal([]byte(args[2]), &in); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	var out any
	err := m.call(ctx, strings.ToUpper(args[0]), args[1], in, &out)
	return out, err
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
