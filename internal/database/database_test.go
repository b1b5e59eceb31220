package database_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"

	"shangyun/internal/database"
)

func TestUniqueViolationNamesTheKeyNotTheValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want string
		ok   bool
	}{
		{&mysql.MySQLError{Number: 1062,
			Message: "Duplicate entry 'username@x.com' for key 'users.uq_users_email'"},
			"users.uq_users_email", true},
		{&mysql.MySQLError{Number: 1062,
			Message: "Duplicate entry 'for key phone' for key 'uq_users_email'"}, "uq_users_email", true},
		{fmt.Errorf("insert: %w", errors.New("constraint failed: UNIQUE constraint failed: users.email (2067)")),
			"users.email (2067)", true},
		{&mysql.MySQLError{Number: 1452, Message: "foreign key"}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := database.UniqueViolation(c.err)
		if got != c.want || ok != c.ok {
			t.Errorf("%v: got %q %v, want %q %v", c.err, got, ok, c.want, c.ok)
		}
	}
}
