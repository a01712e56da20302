package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kardianos/service"

	"github.com/apcvkit/apcvkit/agent"
)

// cmdAgent runs the local agent (HTTP/JSON and events on 127.0.0.1) and
// manages it as a service of the system.
func cmdAgent(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprintln(stderr, "usage: apcv agent serve|pair|install|uninstall|status [flags]")
		fmt.Fprintln(stderr, "\n  serve      run the agent in the foreground (first line: apcv agent listening on URL)")
		fmt.Fprintln(stderr, "  pair       print the pairing token of this installation (created on first use)")
		fmt.Fprintln(stderr, "  install    install the agent as a service (systemd user unit, launchd agent, Windows service) with the serve flags given")
		fmt.Fprintln(stderr, "  uninstall  remove the service")
		fmt.Fprintln(stderr, "  status     say whether the service is installed and running")
		fmt.Fprintln(stderr, "\nSee docs/AGENT.md.")
	}
	if len(args) == 0 {
		usage()
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return agentServe(ctx, args[1:], stdout, stderr)
	case "pair":
		return agentPair(args[1:], stdout, stderr)
	case "install", "uninstall", "status":
		return agentService(args[0], args[1:], stdout, stderr)
	case "-h", "--help", "help":
		usage()
		return exitOK
	}
	fmt.Fprintf(stderr, "apcv agent: unknown subcommand %q\n", args[0])
	usage()
	return exitUsage
}

// serveFlags are the flags of apcv agent serve (and install, which passes
// them on to the service).
type serveFlags struct {
	fs          *flag.FlagSet
	addr        string
	tokenFile   string
	origins     multiFlag
	allowRemote bool
	tlsCert     string
	tlsKey      string
	readTimeout time.Duration
	session     sessionFlags
}

// pathFlags are the flags holding a file or directory: install makes them
// absolute, as a service does not start in the caller's directory.
var pathFlags = map[string]bool{"token-file": true, "tls-cert": true, "tls-key": true, "config": true, "lists": true, "replay-store": true}

func newServeFlags(name string, stderr io.Writer) *serveFlags {
	f := &serveFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:7723", "listen on this address (loopback only unless --allow-remote with --tls-cert/--tls-key; port 0: a free one)")
	fs.StringVar(&f.tokenFile, "token-file", "", "the pairing token file (default: apcvkit/agent-token in the user's configuration directory)")
	fs.Var(&f.origins, "origin", "allow web pages of this origin (e.g. https://desk.example); repeatable")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "listen beyond loopback (needs --tls-cert and --tls-key)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the certificate's private key (PEM)")
	fs.DurationVar(&f.readTimeout, "read-timeout", time.Minute, "how long POST /v1/read waits when the request gives no timeout_ms")
	f.session.flags(fs)
	return f
}

func (f *serveFlags) parse(args []string) bool {
	if err := f.fs.Parse(args); err != nil {
		return false
	}
	if f.fs.NArg() != 0 {
		fmt.Fprintf(f.fs.Output(), "apcv agent: unexpected argument %q\n", f.fs.Arg(0))
		return false
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		fmt.Fprintln(f.fs.Output(), "apcv agent: --tls-cert and --tls-key go together")
		return false
	}
	return f.session.check(f.fs.Output())
}

func (f *serveFlags) tokenPath() (string, error) {
	if f.tokenFile != "" {
		return f.tokenFile, nil
	}
	return agent.DefaultTokenFile()
}

func agentServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newServeFlags("agent serve", stderr)
	f.fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv agent serve [--addr 127.0.0.1:7723] [--config FILE | --lists DIR [--pcsc R]... [--serial P]... [--auto] | --emulate PROFILE]")
		fmt.Fprintln(stderr, "                        [--origin URL]... [--token-file F] [--allow-remote --tls-cert F --tls-key F]")
		fmt.Fprintln(stderr, "\nServes the HTTP/JSON API and the event stream of docs/AGENT.md until interrupted.")
		f.fs.PrintDefaults()
	}
	if !f.parse(args) {
		return exitUsage
	}
	withTLS := f.tlsCert != ""
	if err := agent.CheckAddr(f.addr, f.allowRemote, withTLS); err != nil {
		return fail(stderr, "agent serve", err, exitUsage)
	}
	var tlsConfig *tls.Config
	if withTLS {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return fail(stderr, "agent serve", err, exitFailure)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	path, err := f.tokenPath()
	if err != nil {
		return fail(stderr, "agent serve", err, exitFailure)
	}
	token, err := agent.LoadOrCreateToken(path)
	if err != nil {
		return fail(stderr, "agent serve", err, exitFailure)
	}
	cfg, err := f.session.config()
	if err != nil {
		return fail(stderr, "agent serve", err, exitUsage)
	}
	run := func(ctx context.Context) error {
		a, err := agent.New(ctx, cfg, agent.Options{Token: token, Origins: f.origins, AllowRemote: f.allowRemote,
			ReadTimeout: f.readTimeout, Logger: logger})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", f.addr)
		if err != nil {
			a.Close()
			return err
		}
		scheme := "http"
		if withTLS {
			scheme = "https"
		}
		fmt.Fprintf(stdout, "apcv agent listening on %s://%s\n", scheme, ln.Addr())
		return a.Serve(ctx, ln, tlsConfig)
	}
	if runtime.GOOS == "windows" && !service.Interactive() {
		// Started by the service control manager, which must be
		// answered; elsewhere systemd and launchd stop it with SIGTERM.
		err = runService(ctx, run, stderr)
	} else {
		err = run(ctx)
	}
	if err != nil {
		return fail(stderr, "agent serve", err, exitFailure)
	}
	return exitOK
}

func agentPair(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent pair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("token-file", "", "the pairing token file (default: apcvkit/agent-token in the user's configuration directory)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return exitUsage
	}
	path := *file
	if path == "" {
		p, err := agent.DefaultTokenFile()
		if err != nil {
			return fail(stderr, "agent pair", err, exitFailure)
		}
		path = p
	}
	tok, err := agent.LoadOrCreateToken(path)
	if err != nil {
		return fail(stderr, "agent pair", err, exitFailure)
	}
	fmt.Fprintln(stdout, tok)
	return exitOK
}

// serviceName is the agent's name for the service manager.
const serviceName = "apcv-agent"

// systemdUnit is the systemd user unit (kardianos/service's template
// language): a user unit, since the token and the lists are the user's,
// restarted when it fails (a pcscd restart does not stop it: the session
// reconnects).
const systemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart=on-failure
RestartSec=5
NoNewPrivileges=yes
{{range EnvVars}}{{.}}
{{end}}
[Install]
WantedBy=default.target
`

// serviceConfig is the service of apcv agent serve with args.
func serviceConfig(args []string) (*service.Config, error) {
	return serviceConfigFor(runtime.GOOS, args)
}

// serviceConfigFor is serviceConfig for the system goos (tests check the
// other systems' from here).
func serviceConfigFor(goos string, args []string) (*service.Config, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return &service.Config{
		Name:        serviceName,
		DisplayName: "apcv agent (appli carte Vitale)",
		Description: "Local agent reading the appli carte Vitale for billing software (HTTP/JSON on 127.0.0.1)",
		Executable:  exe,
		Arguments:   append([]string{"agent", "serve"}, args...),
		Option: service.KeyValue{
			// The user's own service (systemd --user, a launchd
			// LaunchAgent): the token, the lists and the desk are the
			// user's. Windows has system services only.
			"UserService":   goos != "windows",
			"SystemdScript": systemdUnit,
			"KeepAlive":     true, // launchd
			"RunAtLoad":     true, // launchd
			"OnFailure":     "restart",
		},
	}, nil
}

// installArgs checks the serve flags given to install and returns them
// with the paths made absolute and the token file named, so that the
// service finds them whatever its directory and user.
func installArgs(args []string, stderr io.Writer) ([]string, error) {
	f := newServeFlags("agent install", stderr)
	if !f.parse(args) {
		return nil, errUsage
	}
	if err := agent.CheckAddr(f.addr, f.allowRemote, f.tlsCert != ""); err != nil {
		return nil, err
	}
	path, err := f.tokenPath()
	if err != nil {
		return nil, err
	}
	if _, err := agent.LoadOrCreateToken(path); err != nil {
		return nil, err
	}
	if err := f.fs.Set("token-file", path); err != nil {
		return nil, err
	}
	var out []string
	var ferr error
	f.fs.Visit(func(fl *flag.Flag) {
		vals := []string{fl.Value.String()}
		if m, ok := fl.Value.(*multiFlag); ok {
			vals = *m
		}
		for _, v := range vals {
			if pathFlags[fl.Name] && v != "" {
				abs, err := filepath.Abs(v)
				if err != nil {
					ferr = err
				}
				v = abs
			}
			out = append(out, "--"+fl.Name+"="+v)
		}
	})
	return out, ferr
}

var errUsage = errors.New("usage")

func agentService(action string, args []string, stdout, stderr io.Writer) int {
	var sargs []string
	if action == "install" {
		a, err := installArgs(args, stderr)
		if errors.Is(err, errUsage) {
			return exitUsage
		}
		if err != nil {
			return fail(stderr, "agent install", err, exitFailure)
		}
		sargs = a
	} else if len(args) != 0 {
		fmt.Fprintf(stderr, "usage: apcv agent %s\n", action)
		return exitUsage
	}
	cfg, err := serviceConfig(sargs)
	if err != nil {
		return fail(stderr, "agent "+action, err, exitFailure)
	}
	s, err := service.New(noProgram{}, cfg)
	if err != nil {
		return fail(stderr, "agent "+action, err, exitFailure)
	}
	switch action {
	case "status":
		st, err := s.Status()
		switch {
		case errors.Is(err, service.ErrNotInstalled):
			fmt.Fprintf(stdout, "apcv agent: not installed (%s)\n", s.Platform())
			return exitFailure
		case err != nil:
			return fail(stderr, "agent status", err, exitFailure)
		}
		name := map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}[st]
		if name == "" {
			name = "unknown"
		}
		fmt.Fprintf(stdout, "apcv agent: installed, %s (%s)\n", name, s.Platform())
		if st != service.StatusRunning {
			return exitFailure
		}
		return exitOK
	case "install":
		if err := s.Install(); err != nil {
			return fail(stderr, "agent install", err, exitFailure)
		}
		if err := s.Start(); err != nil {
			return fail(stderr, "agent install: installed, but not started", err, exitFailure)
		}
		fmt.Fprintf(stdout, "apcv agent: installed and started (%s): apcv agent %s\n", s.Platform(), strings.Join(cfg.Arguments[1:], " "))
	case "uninstall":
		s.Stop() // may not be running
		if err := s.Uninstall(); err != nil {
			return fail(stderr, "agent uninstall", err, exitFailure)
		}
		fmt.Fprintf(stdout, "apcv agent: uninstalled (%s)\n", s.Platform())
	}
	return exitOK
}

// noProgram is the service's program for install, uninstall and status,
// which run nothing.
type noProgram struct{}

func (noProgram) Start(service.Service) error { return nil }
func (noProgram) Stop(service.Service) error  { return nil }

// program runs the agent under the service manager: Start returns at
// once, Stop cancels and waits.
type program struct {
	run    func(ctx context.Context) error
	stderr io.Writer
	ctx    context.Context
	cancel context.CancelFunc
	done   chan error
}

func (p *program) Start(service.Service) error {
	p.done = make(chan error, 1)
	go func() {
		err := p.run(p.ctx)
		if err != nil && p.ctx.Err() == nil {
			// Failed on its own (no device, bad lists): exit, so that
			// the service manager sees the failure and restarts it.
			fail(p.stderr, "agent serve", err, exitFailure)
			os.Exit(exitFailure)
		}
		p.done <- err
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.cancel()
	return <-p.done
}

// runService runs the agent as the service manager's program until it is
// stopped (or ctx is done).
func runService(ctx context.Context, run func(context.Context) error, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg, err := serviceConfig(nil)
	if err != nil {
		return err
	}
	p := &program{run: run, stderr: stderr, ctx: ctx, cancel: cancel}
	s, err := service.New(p, cfg)
	if err != nil {
		return err
	}
	return s.Run()
}
