package p

import "context"

// City is a city.
//
//mcp:resource uri=city://{country}/{name}
func City(ctx context.Context, country, name string) (string, error) { return "", nil }

// CompleteTown names a variable City lacks.
//
//mcp:complete resource=city://{country}/{name} arg=town
func CompleteTown(ctx context.Context, prefix string, args map[string]string) ([]string, error) {
	return nil, nil
}
