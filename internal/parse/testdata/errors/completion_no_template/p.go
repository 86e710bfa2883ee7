package p

import "context"

// City is a city.
//
//mcp:resource uri=city://{country}/{name}
func City(ctx context.Context, country, name string) (string, error) { return "", nil }

// CompleteName names a template that does not exist.
//
//mcp:complete resource=city://{name} arg=name
func CompleteName(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
