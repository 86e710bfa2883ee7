package p

import "context"

// Get gets.
//
//mcp:tool max_result_bytes=1MB
func Get(ctx context.Context) (string, error) { return "", nil }

// Put puts.
//
//mcp:tool max_result_bytes=0
func Put(ctx context.Context) (string, error) { return "", nil }

// Del deletes.
//
//mcp:tool max_result_bytes=-5 maxresultbytes=10
func Del(ctx context.Context) (string, error) { return "", nil }

// Note is a resource, which has no result limit.
//
//mcp:resource uri=notes://1 max_result_bytes=10
func Note(ctx context.Context) (string, error) { return "", nil }
