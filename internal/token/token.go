// Package token issues and verifies the access tokens of Shangyun: JWTs
// signed with HMAC-SHA256 under one of several keys named by kid, so that a
// key can be replaced without signing everybody out.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalid is returned for every token that must not be accepted:
// malformed, tampered, expired, for another audience, or of an unknown key.
var ErrInvalid = errors.New("invalid token")

// Key is one HMAC key and its id.
type Key struct {
	ID     string
	Secret []byte
}

// Claims are what an access token says of its holder.
type Claims struct {
	UserID int64
	Role   string
	// Session is the user's session version when the token was issued; a
	// password change raises it, which ends every earlier token.
	Session  int64
	IssuedAt time.Time
	Expires  time.Time
}

// Issuer signs with the first of its keys and verifies with all of them.
type Issuer struct {
	keys     []Key
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// NewIssuer returns an Issuer. keys must hold at least one key; the first
// signs. now is the clock (time.Now when nil).
func NewIssuer(keys []Key, issuer, audience string, ttl time.Duration,
	now func() time.Time) (*Issuer, error) {
	if len(keys) == 0 {
		return nil, errors.New("token: no signing key")
	}
	for _, k := range keys {
		if len(k.Secret) < 32 || k.ID == "" {
			return nil, fmt.Errorf("token: key %q must have an id and 32 bytes or more", k.ID)
		}
	}
	if now == nil {
		now = time.Now
	}
	i := &Issuer{keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: now}
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return i.now() }),
	)
	return i, nil
}

// TTL is how long an access token lives.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Issue returns a signed access token for a user.
func (i *Issuer) Issue(userID int64, role string, session int64) (string, Claims, error) {
	now := i.now().Truncate(time.Second)
	c := Claims{UserID: userID, Role: role, Session: session, IssuedAt: now,
		Expires: now.Add(i.ttl)}
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", Claims{}, fmt.Errorf("token id: %w", err)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss":  i.issuer,
		"aud":  i.audience,
		"sub":  strconv.FormatInt(userID, 10),
		"role": role,
		"sv":   session,
		"iat":  now.Unix(),
		"exp":  c.Expires.Unix(),
		"jti":  base64.RawURLEncoding.EncodeToString(jti),
	})
	t.Header["kid"] = i.keys[0].ID
	s, err := t.SignedString(i.keys[0].Secret)
	if err != nil {
		return "", Claims{}, fmt.Errorf("sign token: %w", err)
	}
	return s, c, nil
}

// Parse verifies a token and returns its claims, or ErrInvalid.
func (i *Issuer) Parse(raw string) (Claims, error) {
	mc := jwt.MapClaims{}
	_, err := i.parser.ParseWithClaims(raw, mc, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, k := range i.keys {
			if k.ID == kid {
				return k.Secret, nil
			}
		}
		return nil, errors.New("unknown kid")
	})
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}

	sub, _ := mc.GetSubject()
	id, err := strconv.ParseInt(sub, 10, 64)
	role, _ := mc["role"].(string)
	session, _ := mc["sv"].(float64)
	iat, _ := mc.GetIssuedAt()
	exp, _ := mc.GetExpirationTime()
	if err != nil || id <= 0 || role == "" || iat == nil || exp == nil {
		return Claims{}, fmt.Errorf("%w: incomplete claims", ErrInvalid)
	}
	return Claims{UserID: id, Role: role, Session: int64(session), IssuedAt: iat.Time,
		Expires: exp.Time}, nil
}

// ParseKeys reads "kid:secret,kid:secret" as given in configuration.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, secret, ok := strings.Cut(part, ":")
		if !ok || id == "" || len(secret) < 32 {
			return nil, fmt.Errorf("jwt key %q: want kid:secret with 32 characters or more", id)
		}
		keys = append(keys, Key{ID: id, Secret: []byte(secret)})
	}
	if len(keys) == 0 {
		return nil, errors.New("jwt keys: none given")
	}
	return keys, nil
}

// SecretKey turns a single configured secret into a key whose id is derived
// from the secret, so that every instance sharing the secret agrees on it.
func SecretKey(secret string) Key {
	sum := sha256.Sum256([]byte(secret))
	return Key{ID: hex.EncodeToString(sum[:4]), Secret: []byte(secret)}
}

// LocalKey reads the signing secret kept in dir, making one when there is
// none. It suits a single instance only: others would not share it.
func LocalKey(dir string) (Key, bool, error) {
	path := filepath.Join(dir, "jwt.secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return SecretKey(strings.TrimSpace(string(b))), false, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return Key{}, false, fmt.Errorf("read %s: %w", path, err)
	}

	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, false, fmt.Errorf("make jwt secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, false, fmt.Errorf("make %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return Key{}, false, fmt.Errorf("write %s: %w", path, err)
	}
	return SecretKey(secret), true, nil
}
