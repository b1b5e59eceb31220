package database

import "gorm.io/gorm"

// MaxPrepared is maxPrepared, for the tests.
const MaxPrepared = maxPrepared

// PreparedCount is how many statements db keeps prepared.
func PreparedCount(db *gorm.DB) int {
	s, ok := db.Plugins[statementsName].(*Statements)
	if !ok {
		return 0
	}
	return int(s.count.Load())
}
