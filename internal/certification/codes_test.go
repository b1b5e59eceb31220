package certification_test

import (
	"testing"

	"shangyun/internal/certification"
)

func TestCreditCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code string
		want bool
	}{
		{"91350100M000100Y43", true},  // the standard's worked example
		{"91110108551385082Q", true},  // a real company's code, public record
		{"91350100M000100Y44", false}, // wrong check character
		{"91350100M000100Y4", false},  // 17 characters
		{"91350100M0001O0Y43", false}, // O is not in the alphabet
		{"91350100m000100Y43", false}, // lower case
		{"", false},
	}
	for _, c := range cases {
		if got := certification.ValidCreditCode(c.code); got != c.want {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", c.code, got, c.want)
		}
	}
}

func TestIDNumber(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},  // the standard's example, check X
		{"410102199003071230", true},  // Zhengzhou, 1990
		{"410105200002294568", true},  // born on a leap day
		{"440524188001010014", false}, // right check digit, born before 1900
		{"110105194912310021", false}, // wrong check digit
		{"11010519491331002X", false}, // month 13
		{"11010519490230002X", false}, // 30 February
		{"11010519491231002x", false}, // lower-case x
		{"1101051949123100", false},
		{"A1010519491231002X", false},
	}
	for _, c := range cases {
		if got := certification.ValidIDNumber(c.id); got != c.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", c.id, got, c.want)
		}
	}
	if got := certification.MaskID("11010519491231002X"); got != "110105********002X" {
		t.Errorf("MaskID = %q", got)
	}
}
