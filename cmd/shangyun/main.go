// Command shangyun runs the Shangyun API and its maintenance tasks:
//
//	shangyun serve                 serve the API
//	shangyun migrate up|status     apply or list schema migrations
//	shangyun admin create ...      create an administrator
//	shangyun seed demo             load the demo data
//	shangyun healthcheck           exit 0 when the local server answers /healthz
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the platform's time zone, even in an image without zone files

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/database"
	"shangyun/internal/demo"
	"shangyun/internal/logging"
	"shangyun/internal/server"
)

const usage = `usage: shangyun [-config FILE] COMMAND

commands:
  serve                       serve the API
  migrate up                  apply every pending schema migration
  migrate status              list the migrations and whether they are applied
  admin create --username U --email E (--password P | --password-stdin)
                              create an administrator
  seed demo                   load the demo data (accounts of every role)
  healthcheck                 exit 0 when the server on http.addr answers /healthz
                              (for container health checks)
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shangyun:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("shangyun", flag.ContinueOnError)
	configPath := fs.String("config", "configs/config.yaml",
		"configuration file; skipped when absent unless given explicitly")
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })

	cfg, err := config.Load(*configPath, explicit, nil)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := logging.New(os.Stderr, cfg.Log.Level)
	slog.SetDefault(log)

	cmd := strings.Join(fs.Args(), " ")
	switch {
	case cmd == "serve":
		return serve(ctx, cfg, log)
	case cmd == "migrate up":
		return migrateUp(ctx, cfg, log)
	case cmd == "migrate status":
		return migrateStatus(ctx, cfg, log, stdout)
	case strings.HasPrefix(cmd, "admin create"):
		return adminCreate(ctx, cfg, log, fs.Args()[2:], stdin, stdout)
	case cmd == "seed demo":
		return seedDemo(ctx, cfg, log, stdout)
	case cmd == "healthcheck":
		return healthcheck(ctx, cfg)
	}
	fs.Usage()
	return errors.New("unknown command: " + cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := server.EnsureDataDir(cfg.DataDir); err != nil {
		return err
	}
	log.Info("starting", "config", cfg.Masked())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	app, err := server.New(ctx, cfg, log, server.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = app.Close() }()
	go app.RunBackground(ctx)

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	log.Info("serving", "addr", ln.Addr().String(), "openapi", base+"/swagger/index.html")
	fmt.Fprintf(os.Stderr, "\nShangyun is listening on %s\n  API page:  %s/swagger/index.html\n"+
		"  API base:  %s/api/v1\n\n", base, base, base)
	return app.Serve(ctx, ln)
}

// open opens the database for a maintenance command, migrating it first.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*server.App, error) {
	if err := server.EnsureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	cfg.DB.AutoMigrate = true
	return server.New(ctx, cfg, log, server.Options{})
}

func migrateUp(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	app, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	return app.Close()
}

func migrateStatus(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	if err := server.EnsureDataDir(cfg.DataDir); err != nil {
		return err
	}
	db, err := server.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	all, err := database.Status(ctx, db, cfg.DB.Driver)
	if err != nil {
		return err
	}
	for _, m := range all {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(out, "%05d  %-8s %s\n", m.Version, state, m.Name)
	}
	return nil
}

func adminCreate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string,
	stdin io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	username := fs.String("username", "", "username (4-32 of a-z A-Z 0-9 _)")
	email := fs.String("email", "", "email address")
	password := fs.String("password", "", "password (visible to other users of this machine)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	if *username == "" || *email == "" || *password == "" {
		return errors.New("admin create needs --username, --email and a password")
	}

	app, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = app.Close() }()
	u, err := app.Accounts.CreateStaff(ctx, app.Regions, accounts.Staff{
		Role: auth.RoleAdmin, Username: *username, Email: *email, Password: *password})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created admin %s (id %d)\n", u.Username, u.ID)
	return nil
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	app, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = app.Close() }()
	if err := demo.Seed(ctx, app); err != nil {
		return err
	}
	fmt.Fprintln(out, "Demo data loaded. Demo accounts (sign in with POST /api/v1/auth/login):")
	for _, a := range demo.Accounts {
		fmt.Fprintf(out, "  %-10s %-17s password %-14s %s\n", a.Role, a.Username, a.Password, a.Note)
	}
	return nil
}

// healthcheck asks the server listening on the configured address for
// /healthz, through loopback when it listens on every interface.
func healthcheck(ctx context.Context, cfg config.Config) error {
	host, port, err := net.SplitHostPort(cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
