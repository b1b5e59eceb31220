package token_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"shangyun/internal/token"
)

func issuer(t *testing.T, keys string, now func() time.Time) *token.Issuer {
	t.Helper()
	ks, err := token.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	i, err := token.NewIssuer(ks, "shangyun", "shangyun-api", 15*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

var (
	oldKey = "old:" + strings.Repeat("o", 40)
	newKey = "new:" + strings.Repeat("n", 40)
)

// A key can be replaced without signing anybody out: the new key is put
// first to sign, and tokens of the old one still verify until it goes.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	before := issuer(t, oldKey, nil)
	during := issuer(t, newKey+","+oldKey, nil)
	after := issuer(t, newKey, nil)

	oldTok, _, err := before.Issue(7, "enterprise", 1)
	if err != nil {
		t.Fatal(err)
	}
	newTok, _, _ := during.Issue(7, "enterprise", 1)
	if c, err := during.Parse(oldTok); err != nil || c.UserID != 7 {
		t.Errorf("old token during the rotation: %v", err)
	}
	if _, err := after.Parse(newTok); err != nil {
		t.Errorf("new token after the rotation: %v", err)
	}
	if _, err := after.Parse(oldTok); err == nil {
		t.Error("a token of a removed key must not verify")
	}
	header, _, _ := strings.Cut(newTok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(header)
	if !strings.Contains(string(h), `"kid":"new"`) {
		t.Errorf("the first key must sign: header %s", h)
	}
}

func TestExpiryAndTampering(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	i := issuer(t, newKey, func() time.Time { return now })
	tok, _, _ := i.Issue(1, "admin", 3)
	c, err := i.Parse(tok)
	if err != nil || c.Role != "admin" || c.Session != 3 {
		t.Fatalf("parse: %+v %v", c, err)
	}
	parts := strings.Split(tok, ".")
	if _, err := i.Parse(parts[0] + "." + parts[1] + ".AAAA"); err == nil {
		t.Error("a tampered signature must not verify")
	}
	later := issuer(t, newKey, func() time.Time { return now.Add(16 * time.Minute) })
	if _, err := later.Parse(tok); err == nil {
		t.Error("an expired token must not verify")
	}
	if _, err := token.ParseKeys("short:abc"); err == nil {
		t.Error("a short key must be refused")
	}
}
