// Package password hashes passwords with argon2id and holds the rules a
// new password must meet.
package password

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Parameters of argon2id: 2 passes over 19 MiB with one thread, the
// minimum that current guidance accepts, at about 40 ms a hash here.
const (
	timeCost    = 2
	memoryKiB   = 19 * 1024
	parallelism = 1
	saltLen     = 16
	keyLen      = 32
)

// Limits of a password's length in characters.
const (
	MinLength = 8
	MaxLength = 128
)

// Hash returns an argon2id hash in the PHC string format.
func Hash(plain string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(plain), salt, timeCost, memoryKiB, parallelism, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB,
		timeCost, parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash is returned by Verify for a hash it cannot read.
var ErrMalformedHash = errors.New("malformed password hash")

// Verify reports whether plain matches hash, in time independent of where
// they differ.
func Verify(plain, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, ErrMalformedHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) != keyLen || m > 1<<20 || t > 16 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(plain), salt, t, m, p, keyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Problem names a rule a new password breaks.
type Problem string

// The rules of a new password.
const (
	TooShort       Problem = "too_short"
	TooLong        Problem = "too_long"
	NeedsLetter    Problem = "needs_letter_and_digit"
	HasUsername    Problem = "contains_username"
	TooCommon      Problem = "too_common"
	HasControlChar Problem = "control_character"
)

// Check returns the first rule that plain breaks for the given username,
// or "" when it is acceptable.
func Check(plain, username string) Problem {
	n := utf8.RuneCountInString(plain)
	switch {
	case n < MinLength:
		return TooShort
	case n > MaxLength:
		return TooLong
	}
	var letter, digit bool
	for _, r := range plain {
		switch {
		case unicode.IsControl(r):
			return HasControlChar
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	lower := strings.ToLower(plain)
	switch {
	case !letter || !digit:
		return NeedsLetter
	case username != "" && strings.Contains(lower, strings.ToLower(username)):
		return HasUsername
	case isCommon(lower):
		return TooCommon
	}
	return ""
}

//go:embed common.txt
var commonList []byte

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

func isCommon(lower string) bool {
	commonOnce.Do(func() {
		common = make(map[string]struct{}, 10000)
		sc := bufio.NewScanner(bytes.NewReader(commonList))
		for sc.Scan() {
			if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
				common[line] = struct{}{}
			}
		}
	})
	_, ok := common[lower]
	return ok
}
