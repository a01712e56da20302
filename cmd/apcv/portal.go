package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

const portalUsage = `usage:
  apcv portal serve --state DIR [--addr 127.0.0.1:8080] [--agents FILE] [--publish-delay 1m]
                    [--register PROFILE]... [--allow-remote]
                    [--service-addr 127.0.0.1:0] [--service-fault FAULTS] [--service-fault-file FILE]
                    [--service-audit-sync 10ms]
  apcv portal token [--id ID] [--name NAME] [--role viewer|habilite] [--add FILE]

serve   runs the emulated issuer saved in DIR (created if empty) behind the
        management portal: agents POST /v1/person/{view,revoke-app,block,unblock}
        with "Authorization: Bearer TOKEN" and a JSON body {"nir": ..., "reason": CODE,
        "note": ...} (CODE from portal.ReasonCodes: user-request, device-lost, device-stolen,
        device-replaced, fraud-suspected, deceased, rights-closed, agent-error, check, other);
        readers GET /trust-list and /revocation-list. Every request is appended to
        DIR/audit.jsonl (NIR masked). The agents file defaults to DIR/agents.json.
        --register adds a person from a built-in profile name or a profile JSON file.
        Listens on loopback only unless --allow-remote. Stops on SIGINT/SIGTERM.
        --service-addr also serves, in the same process, the issuer's online service
        (protocol version 2) over mutual TLS: POST /v2/resolve (short QR codes) and
        POST /v2/rights (AMO rights), for health professionals with a certificate of
        DIR's PS authority (apcv ps-cert); its server certificate chains to DIR/ps-ca.pem,
        which readers pin. Its requests go to the same audit log (RPPS, never a NIR),
        each entry written before its answer and synced to disk at most
        --service-audit-sync later (default 10ms, at most 1s: one fsync for the requests
        of the interval; 0 syncs each entry before its answer; docs/SERVICE.md §3).
        --service-fault injects faults: comma-separated down, unreachable, slow=2s,
        wrong-cert, revoked-ps, skew=±45s ("none" clears); --service-fault-file FILE
        is re-read every second while serving, to change them at run time.
token   prints a fresh agent token and the agents-file entry holding its SHA-256
        (the token itself is stored nowhere); --add appends the entry to FILE.

exit codes: 0 ok, 1 failure, 2 usage
`

// cmdPortal implements "apcv portal".
func cmdPortal(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, portalUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, portalUsage)
		return exitOK
	case "serve":
		return portalServe(ctx, args[1:], stdout, stderr)
	case "token":
		return portalToken(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "apcv portal: unknown subcommand %q\n%s", args[0], portalUsage)
	return exitUsage
}

// parseFlags parses args into fl; --help prints the usage on stdout.
func parseFlags(fl *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	fl.SetOutput(io.Discard)
	err := fl.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, portalUsage)
		fl.SetOutput(stdout)
		fl.PrintDefaults()
		return exitOK, true
	case err != nil:
		fmt.Fprintf(stderr, "apcv portal %s: %v\n%s", fl.Name(), err, portalUsage)
		return exitUsage, true
	case fl.NArg() != 0:
		fmt.Fprintf(stderr, "apcv portal %s: unexpected argument %q\n%s", fl.Name(), fl.Arg(0), portalUsage)
		return exitUsage, true
	}
	return 0, false
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func portalServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8080", "listen address (loopback unless --allow-remote)")
	state := fl.String("state", "", "state directory: issuer keys and data, audit log (required)")
	agentsPath := fl.String("agents", "", "agents file (default STATE/agents.json)")
	delay := fl.Duration("publish-delay", portal.DefaultPublishDelay, "longest delay before an action is in the published lists")
	remote := fl.Bool("allow-remote", false, "allow a non-loopback listen address")
	var register listFlag
	fl.Var(&register, "register", "register a person from a built-in profile `NAME` or a profile JSON file (repeatable)")
	serviceAddr := fl.String("service-addr", "", "also serve the online service (mutual TLS) on this address, e.g. 127.0.0.1:0")
	serviceFault := fl.String("service-fault", "", "faults of the online service: down, unreachable, slow=2s, wrong-cert, revoked-ps, skew=±45s")
	faultFile := fl.String("service-fault-file", "", "re-read the online service's faults from this file every second")
	auditSync := fl.Duration("service-audit-sync", DefaultServiceAuditSync, "sync the online service's audit entries at most this long after writing them (0: each before its answer)")
	if code, done := parseFlags(fl, args, stdout, stderr); done {
		return code
	}
	if *state == "" {
		fmt.Fprintf(stderr, "apcv portal serve: --state DIR is required\n%s", portalUsage)
		return exitUsage
	}
	if *delay <= 0 || *delay > time.Hour {
		fmt.Fprintf(stderr, "apcv portal serve: --publish-delay %v not in (0, 1h]\n", *delay)
		return exitUsage
	}
	if !*remote {
		if err := portal.CheckLoopback(*addr); err != nil {
			return fail(stderr, "portal serve", fmt.Errorf("%w (use --allow-remote behind a TLS proxy)", err), exitFailure)
		}
	}
	if *auditSync < 0 || *auditSync > time.Second {
		fmt.Fprintf(stderr, "apcv portal serve: --service-audit-sync %v not in [0, 1s]\n", *auditSync)
		return exitUsage
	}
	fault, err := backoffice.ParseFault(*serviceFault)
	if err != nil {
		fmt.Fprintf(stderr, "apcv portal serve: --service-fault: %v\n", apcverr.Message(err, apcverr.EN))
		return exitUsage
	}
	if *serviceAddr == "" && (*serviceFault != "" || *faultFile != "") {
		fmt.Fprintf(stderr, "apcv portal serve: --service-fault needs --service-addr\n")
		return exitUsage
	}
	if *serviceAddr != "" && !*remote {
		if err := portal.CheckLoopback(*serviceAddr); err != nil {
			return fail(stderr, "portal serve", fmt.Errorf("--service-addr: %w (use --allow-remote)", err), exitFailure)
		}
	}
	if *agentsPath == "" {
		*agentsPath = filepath.Join(*state, "agents.json")
	}
	agents, err := portal.LoadAgents(*agentsPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "apcv portal serve: no agents file %s; create one with: apcv portal token --role habilite --add %s\n", *agentsPath, *agentsPath)
			return exitFailure
		}
		return fail(stderr, "portal serve", err, exitFailure)
	}
	// The portal's operational log (issued, revoked, audit failures) is
	// always shown, at info level; --debug adds the rest.
	level := slog.LevelInfo
	if logger.Enabled(ctx, slog.LevelDebug) {
		level = slog.LevelDebug
	}
	plog := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	iss, err := issuer.Open(*state, issuer.Options{Logger: plog})
	if err != nil {
		return fail(stderr, "portal serve", err, exitFailure)
	}
	for _, r := range register {
		prof, err := loadProfile(r)
		if err != nil {
			return fail(stderr, "portal serve", err, exitFailure)
		}
		if err := iss.Register(issuer.Person{Family: prof.Family, Departement: prof.Departement, Rights: prof.Rights}); err != nil {
			return fail(stderr, "portal serve", err, exitFailure)
		}
		fmt.Fprintf(stdout, "registered %s\n", prof.OuvrantDroit().NIR.Masked())
	}
	h, err := portal.New(portal.Config{Backend: iss, Agents: agents, StateDir: *state, PublishDelay: *delay, Logger: plog})
	if err != nil {
		return fail(stderr, "portal serve", err, exitFailure)
	}
	srv := portal.NewServer(h, portal.ServerConfig{Addr: *addr, AllowNonLoopback: *remote})
	if err := srv.Start(); err != nil {
		h.Close()
		return fail(stderr, "portal serve", err, exitFailure)
	}
	fmt.Fprintf(stdout, "portal: listening on %s (%d agents, publish delay %v, audit %s)\n", srv.URL, len(agents), *delay, h.AuditLog().Path())
	code := exitOK
	stopService := func() error { return nil }
	if *serviceAddr != "" {
		svc, err := startService(ctx, iss, h, *state, *serviceAddr, *remote, fault, *faultFile, *auditSync, plog)
		if err != nil {
			code = fail(stderr, "portal serve", err, exitFailure)
			cancelServe(srv, h, stderr)
			return code
		}
		fmt.Fprintf(stdout, "service: listening on %s (mutual TLS, roots %s, faults %s)\n", svc.URL, filepath.Join(*state, psauth.CAFile), fault)
		stopService = svc.Close // before the portal's audit log is closed
	}
	<-ctx.Done()
	if err := stopService(); err != nil {
		code = fail(stderr, "portal serve", err, exitFailure)
	}
	if err := srv.Close(); err != nil {
		code = fail(stderr, "portal serve", err, exitFailure)
	}
	if err := h.Close(); err != nil {
		code = fail(stderr, "portal serve", err, exitFailure)
	}
	fmt.Fprintln(stdout, "portal: stopped")
	return code
}

// cancelServe stops the portal after a failed start of the service.
func cancelServe(srv *portal.Server, h *portal.Handler, stderr io.Writer) {
	if err := srv.Close(); err != nil {
		fail(stderr, "portal serve", err, exitFailure)
	}
	if err := h.Close(); err != nil {
		fail(stderr, "portal serve", err, exitFailure)
	}
}

// DefaultServiceAuditSync is how long after writing them the online
// service of "apcv portal serve" syncs its audit entries (group commit,
// backoffice.Config.AuditSyncInterval): an entry is written before its
// answer, so a crash of the process loses none; a crash of the machine may
// lose those of the last 10 ms, as a database's group commit does. The
// single-use record of a short QR is not in the audit but in the issuer's
// state, saved before the answer whatever this interval.
const DefaultServiceAuditSync = 10 * time.Millisecond

// onlineService is the online service running beside the portal.
type onlineService struct {
	*backoffice.Server
	h    *backoffice.Handler
	stop func() // ends the fault file's watcher and waits for it
}

func (s *onlineService) Close() error {
	s.stop()
	err := s.Server.Close()
	if herr := s.h.Close(); err == nil {
		err = herr
	}
	return err
}

// startService serves the online service on addr with the state's PS
// authority and the portal's audit log; with faultFile, the faults are
// re-read from it every second until ctx ends or Close.
func startService(ctx context.Context, iss *issuer.Issuer, h *portal.Handler, state, addr string, remote bool,
	fault backoffice.Fault, faultFile string, auditSync time.Duration, plog *slog.Logger) (*onlineService, error) {
	auth, err := psauth.Open(state, psauth.Options{})
	if err != nil {
		return nil, err
	}
	bh, err := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: h.AuditLog(), AuditSyncInterval: auditSync, Logger: plog})
	if err != nil {
		return nil, err
	}
	if err := bh.SetFault(fault); err != nil {
		return nil, err
	}
	srv := backoffice.NewServer(bh, backoffice.ServerConfig{Addr: addr, AllowNonLoopback: remote})
	if err := srv.Start(); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if faultFile != "" {
			watchFaults(wctx, bh, faultFile, plog)
		}
	}()
	return &onlineService{Server: srv, h: bh, stop: func() { cancel(); <-done }}, nil
}

// watchFaults applies the faults written in path whenever its content
// changes (a missing or empty file: none), until ctx ends.
func watchFaults(ctx context.Context, bh *backoffice.Handler, path string, plog *slog.Logger) {
	last := "\x00"
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		data, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			plog.Warn("service: fault file", "err", err)
		} else if spec := strings.TrimSpace(string(data)); spec != last {
			last = spec
			f, err := backoffice.ParseFault(spec)
			if err == nil {
				err = bh.SetFault(f)
			}
			if err != nil {
				plog.Warn("service: fault file", "err", err)
			} else {
				plog.Info("service: faults", "fault", f.String())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// loadProfile returns a built-in profile by name, or reads a profile file.
func loadProfile(s string) (*phone.Profile, error) {
	if strings.ContainsAny(s, `/\.`) {
		return phone.LoadProfile(s)
	}
	return phone.BuiltinProfile(s)
}

func portalToken(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("token", flag.ContinueOnError)
	id := fl.String("id", "agent-1", "agent id written to the audit log ([A-Za-z0-9._-], at most 64)")
	name := fl.String("name", "", "agent display name")
	role := fl.String("role", string(portal.RoleViewer), "viewer or habilite")
	add := fl.String("add", "", "append the agent to this agents file (created 0600 if missing)")
	if code, done := parseFlags(fl, args, stdout, stderr); done {
		return code
	}
	token, hash, err := portal.NewToken(nil)
	if err != nil {
		return fail(stderr, "portal token", err, exitFailure)
	}
	agent := portal.Agent{ID: *id, Name: *name, Role: portal.Role(*role), TokenSHA256: hash}
	// Validate through the same parser the server uses.
	line, err := json.Marshal(agent)
	if err == nil {
		_, err = portal.ParseAgents([]byte(`{"agents":[` + string(line) + `]}`))
	}
	if err != nil {
		fmt.Fprintf(stderr, "apcv portal token: %v\n", err)
		return exitUsage
	}
	if *add != "" {
		if err := addAgent(*add, agent); err != nil {
			return fail(stderr, "portal token", err, exitFailure)
		}
	}
	fmt.Fprintf(stdout, "token: %s\n", token)
	fmt.Fprintf(stdout, "agent: %s\n", line)
	if *add != "" {
		fmt.Fprintf(stdout, "added to %s\n", *add)
	}
	return exitOK
}

// addAgent appends a to the agents file at path, refusing a duplicate id.
func addAgent(path string, a portal.Agent) error {
	var agents []portal.Agent
	if _, err := os.Stat(path); err == nil {
		if agents, err = portal.LoadAgents(path); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	agents = append(agents, a)
	data, err := portal.MarshalAgents(agents)
	if err == nil {
		_, err = portal.ParseAgents(data) // duplicate ids, shared tokens
	}
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
