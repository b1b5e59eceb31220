package server_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"shangyun/internal/server"
	"shangyun/internal/testkit"
)

// The migrations, not GORM, make the schema. This holds the two together:
// every table the migrations make has a row type, and every column
// matches a field of that type in name and in whether it may be null.
func TestMigratedSchemaMatchesModels(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		db := testkit.NewDB(t, driver)

		tables, err := db.Migrator().GetTables()
		if err != nil {
			t.Fatal(err)
		}
		modelled := map[string]bool{"goose_db_version": true, "sqlite_sequence": true}
		for _, model := range server.Models() {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(model); err != nil {
				t.Fatal(err)
			}
			modelled[stmt.Schema.Table] = true
			t.Run(stmt.Schema.Table, func(t *testing.T) {
				compareColumns(t, db, model, stmt)
			})
		}
		for _, table := range tables {
			if !modelled[table] {
				t.Errorf("table %s has no row type in server.Models", table)
			}
		}
	})
}

func compareColumns(t *testing.T, db *gorm.DB, model any, stmt *gorm.Statement) {
	cols, err := db.Migrator().ColumnTypes(model)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range cols {
		nullable, _ := c.Nullable()
		got[c.Name()] = nullable
	}
	want := map[string]bool{}
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" {
			continue
		}
		want[f.DBName] = f.FieldType.Kind() == reflect.Pointer && !f.PrimaryKey
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("columns of %s: name -> nullable (-model +migrated):\n%s", stmt.Schema.Table, diff)
	}
}
