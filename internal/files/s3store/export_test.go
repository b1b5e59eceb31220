package s3store

// NewOver is New over the given HTTP transport, so that tests can reach a
// TLS server with a certificate of its own.
var NewOver = newStore
