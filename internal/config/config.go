// Package config loads Shangyun's settings: built-in defaults, then the YAML
// file, then SHANGYUN_* environment variables, then a check of every value.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// Config is every setting of a Shangyun process. configs/config.yaml
// documents each key.
type Config struct {
	DataDir  string `koanf:"data_dir"`
	Timezone string `koanf:"timezone"`
	HTTP     HTTP   `koanf:"http"`
	DB       DB     `koanf:"db"`
	Auth     Auth   `koanf:"auth"`
	Mail     Mail   `koanf:"mail"`
	Redis    Redis  `koanf:"redis"`
	S3       S3     `koanf:"s3"`
	Log      Log    `koanf:"log"`
}

// HTTP holds the listener settings.
type HTTP struct {
	Addr            string        `koanf:"addr"`
	ReadTimeout     time.Duration `koanf:"read_timeout"`
	WriteTimeout    time.Duration `koanf:"write_timeout"`
	IdleTimeout     time.Duration `koanf:"idle_timeout"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	BodyLimitBytes  int64         `koanf:"body_limit_bytes"`
	CORSOrigins     []string      `koanf:"cors_origins"`
	TrustedProxies  []string      `koanf:"trusted_proxies"`
}

// DB holds the database settings.
type DB struct {
	Driver          string        `koanf:"driver"`
	DSN             string        `koanf:"dsn"`
	AutoMigrate     bool          `koanf:"auto_migrate"`
	MaxOpenConns    int           `koanf:"max_open_conns"`
	MaxIdleConns    int           `koanf:"max_idle_conns"`
	ConnMaxLifetime time.Duration `koanf:"conn_max_lifetime"`
	SlowQuery       time.Duration `koanf:"slow_query"`
	// PreparedStatements keeps the most frequent reads prepared.
	PreparedStatements bool `koanf:"prepared_statements"`
}

// Auth holds the sign-in settings.
type Auth struct {
	JWTSecret        string        `koanf:"jwt_secret"`
	JWTKeys          string        `koanf:"jwt_keys"`
	Issuer           string        `koanf:"issuer"`
	Audience         string        `koanf:"audience"`
	AccessTTL        time.Duration `koanf:"access_ttl"`
	RefreshTTL       time.Duration `koanf:"refresh_ttl"`
	LockoutAttempts  int           `koanf:"lockout_attempts"`
	LockoutDuration  time.Duration `koanf:"lockout_duration"`
	AddressPerMinute int           `koanf:"address_per_minute"`
}

// Mail holds the outgoing mail settings.
type Mail struct {
	SMTPAddr     string        `koanf:"smtp_addr"`
	From         string        `koanf:"from"`
	PollInterval time.Duration `koanf:"poll_interval"`
}

// Redis holds the shared-state settings.
type Redis struct {
	Addr   string `koanf:"addr"`
	Prefix string `koanf:"prefix"`
}

// S3 holds the object storage settings.
type S3 struct {
	Endpoint  string `koanf:"endpoint"`
	Bucket    string `koanf:"bucket"`
	AccessKey string `koanf:"access_key"`
	SecretKey string `koanf:"secret_key"`
}

// Log holds the logging settings.
type Log struct {
	Level string `koanf:"level"`
}

// Default returns the settings used when nothing else is given: a single
// instance on loopback with an embedded database under ./data.
func Default() Config {
	return Config{
		DataDir:  "data",
		Timezone: "Asia/Shanghai",
		HTTP: HTTP{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     30 * time.Second,
			WriteTimeout:    60 * time.Second,
			IdleTimeout:     120 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			BodyLimitBytes:  1 << 20,
		},
		DB: DB{
			Driver:             "sqlite",
			AutoMigrate:        true,
			MaxOpenConns:       20,
			MaxIdleConns:       20,
			ConnMaxLifetime:    30 * time.Minute,
			SlowQuery:          200 * time.Millisecond,
			PreparedStatements: true,
		},
		Auth: Auth{
			Issuer:           "shangyun",
			Audience:         "shangyun-api",
			AccessTTL:        15 * time.Minute,
			RefreshTTL:       30 * 24 * time.Hour,
			LockoutAttempts:  5,
			LockoutDuration:  15 * time.Minute,
			AddressPerMinute: 30,
		},
		Mail:  Mail{From: "noreply@localhost", PollInterval: 5 * time.Second},
		Log:   Log{Level: "info"},
		Redis: Redis{Prefix: "shangyun:"},
	}
}

// envKeys maps the documented environment variables to configuration keys.
// A variable named here with the suffix _FILE is read from that file, so
// that secrets can come from mounted files.
var envKeys = map[string]string{
	"SHANGYUN_HTTP_ADDR":               "http.addr",
	"SHANGYUN_CORS_ORIGINS":            "http.cors_origins",
	"SHANGYUN_DATA_DIR":                "data_dir",
	"SHANGYUN_TIMEZONE":                "timezone",
	"SHANGYUN_DB_DRIVER":               "db.driver",
	"SHANGYUN_DB_DSN":                  "db.dsn",
	"SHANGYUN_DB_AUTO_MIGRATE":         "db.auto_migrate",
	"SHANGYUN_JWT_SECRET":              "auth.jwt_secret",
	"SHANGYUN_JWT_KEYS":                "auth.jwt_keys",
	"SHANGYUN_SMTP_ADDR":               "mail.smtp_addr",
	"SHANGYUN_MAIL_FROM":               "mail.from",
	"SHANGYUN_MAIL_POLL_INTERVAL":      "mail.poll_interval",
	"SHANGYUN_REDIS_ADDR":              "redis.addr",
	"SHANGYUN_REDIS_PREFIX":            "redis.prefix",
	"SHANGYUN_S3_ENDPOINT":             "s3.endpoint",
	"SHANGYUN_S3_BUCKET":               "s3.bucket",
	"SHANGYUN_S3_ACCESS_KEY":           "s3.access_key",
	"SHANGYUN_S3_SECRET_KEY":           "s3.secret_key",
	"SHANGYUN_LOG_LEVEL":               "log.level",
	"SHANGYUN_AUTH_ACCESS_TTL":         "auth.access_ttl",
	"SHANGYUN_AUTH_ADDRESS_PER_MINUTE": "auth.address_per_minute",
	"SHANGYUN_HTTP_BODY_LIMIT":         "http.body_limit_bytes",
	"SHANGYUN_DB_MAX_OPEN_CONNS":       "db.max_open_conns",
	"SHANGYUN_DB_MAX_IDLE_CONNS":       "db.max_idle_conns",
	"SHANGYUN_DB_PREPARED_STATEMENTS":  "db.prepared_statements",
}

// Load reads the YAML file at path (skipped when path is empty or the file
// does not exist and required is false), then the environment given by
// environ (os.Environ when nil), and checks the result.
func Load(path string, required bool, environ func() []string) (Config, error) {
	k := koanf.New(".")
	if path != "" {
		if _, err := os.Stat(path); err == nil || required {
			if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
				return Config{}, fmt.Errorf("config file %s: %w", path, err)
			}
		}
	}

	if environ == nil {
		environ = os.Environ
	}
	envErr := error(nil)
	provider := env.Provider(".", env.Opt{
		Prefix:      "SHANGYUN_",
		EnvironFunc: environ,
		TransformFunc: func(name, value string) (string, any) {
			key, v, err := envValue(name, value)
			if err != nil {
				envErr = errors.Join(envErr, err)
			}
			return key, v
		},
	})
	if err := k.Load(provider, nil); err != nil {
		return Config{}, fmt.Errorf("environment: %w", err)
	}
	if envErr != nil {
		return Config{}, envErr
	}

	cfg := Default()
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if cfg.DB.DSN == "" && cfg.DB.Driver == "sqlite" {
		cfg.DB.DSN = cfg.DataDir + "/shangyun.db"
	}
	return cfg, cfg.Validate()
}

// envValue turns one SHANGYUN_* variable into a configuration key and value.
// Unknown variables give an empty key, which koanf ignores.
func envValue(name, value string) (string, any, error) {
	fromFile := strings.HasSuffix(name, "_FILE")
	key, ok := envKeys[strings.TrimSuffix(name, "_FILE")]
	if !ok {
		return "", nil, nil
	}
	if fromFile {
		b, err := os.ReadFile(value)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", name, err)
		}
		value = strings.TrimSpace(string(b))
	}
	if key == "http.cors_origins" {
		return key, splitList(value), nil
	}
	return key, value, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Validate reports every bad value at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}

	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "want host:port, got %q", c.HTTP.Addr)
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		bad("timezone", "unknown time zone %q", c.Timezone)
	}
	switch c.DB.Driver {
	case "sqlite":
	case "mysql":
		if c.DB.DSN == "" {
			bad("db.dsn", "required with the mysql driver")
		}
	default:
		bad("db.driver", "want sqlite or mysql, got %q", c.DB.Driver)
	}
	if c.DB.MaxOpenConns < 1 {
		bad("db.max_open_conns", "must be at least 1")
	}
	if c.DB.MaxIdleConns < 0 {
		bad("db.max_idle_conns", "must not be negative")
	}
	if c.HTTP.BodyLimitBytes < 1024 {
		bad("http.body_limit_bytes", "must be at least 1024")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"http.read_timeout", c.HTTP.ReadTimeout},
		{"http.write_timeout", c.HTTP.WriteTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
		{"auth.access_ttl", c.Auth.AccessTTL},
		{"auth.refresh_ttl", c.Auth.RefreshTTL},
		{"auth.lockout_duration", c.Auth.LockoutDuration},
		{"mail.poll_interval", c.Mail.PollInterval},
	} {
		if d.v <= 0 {
			bad(d.key, "must be a positive duration")
		}
	}
	if c.Auth.LockoutAttempts < 1 {
		bad("auth.lockout_attempts", "must be at least 1")
	}
	if c.Auth.AddressPerMinute < 1 {
		bad("auth.address_per_minute", "must be at least 1")
	}
	if c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 32 {
		bad("auth.jwt_secret", "must be at least 32 characters")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	return errors.Join(errs...)
}

// Masked returns the settings as log attributes with every secret hidden.
func (c Config) Masked() map[string]any {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	dsn := c.DB.DSN
	if c.DB.Driver == "mysql" {
		dsn = maskDSN(dsn)
	}
	return map[string]any{
		"http_addr": c.HTTP.Addr, "data_dir": c.DataDir, "timezone": c.Timezone,
		"db_driver": c.DB.Driver, "db_dsn": dsn, "db_auto_migrate": c.DB.AutoMigrate,
		"jwt_secret": mask(c.Auth.JWTSecret), "jwt_keys": mask(c.Auth.JWTKeys),
		"smtp_addr": c.Mail.SMTPAddr, "mail_from": c.Mail.From, "redis_addr": c.Redis.Addr,
		"s3_endpoint": c.S3.Endpoint, "s3_secret_key": mask(c.S3.SecretKey),
		"cors_origins": c.HTTP.CORSOrigins, "log_level": c.Log.Level,
	}
}

// maskDSN hides the password of a user:password@tcp(...)/db DSN.
func maskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	colon := strings.Index(dsn, ":")
	if at < 0 || colon < 0 || colon > at {
		return dsn
	}
	return dsn[:colon+1] + "***" + dsn[at:]
}
