// Package limit holds middleware that protects a runtime.Server in
// production: Responses bounds the size of tool results, Rate the rate of
// requests per session or per caller.
//
//	big, err := limit.Responses(500_000, nil) // every tool's result ≤ 500 kB
//	if err != nil { ... }
//	calls, err := limit.Rate(limit.RateOptions{PerSecond: 10, Burst: 20}) // per session
//	if err != nil { ... }
//	srv.Use(calls, big)
//
// Both are constructed with their configuration checked, and fail with an
// error rather than serving with a limit that means nothing. With neither
// installed the server pays nothing for them.
package limit
