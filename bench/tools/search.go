// Package tools holds the one Go function that every server in the
// benchmarks serves, so that each measures the cost of its own protocol
// handling around the same work.
package tools

//go:generate go tool mcpgen

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// SearchArgs are the arguments of the search tool.
type SearchArgs struct {
	Query string   `json:"query" mcp:"minLength=1"`
	Limit int      `json:"limit,omitempty" mcp:"min=1,max=50,default=10"`
	Tags  []string `json:"tags,omitempty"`
}

// SearchResult is what search returns.
type SearchResult struct {
	Query string `json:"query"`
	Hits  []Hit  `json:"hits"`
}

// Hit is one search result.
type Hit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// MaxHits is the number of hits Search returns when the limit allows.
const MaxHits = 3

// Search looks a query up in a tiny fixed index and returns up to three
// deterministic hits, best first. Tags, when given, are folded into the
// titles.
//
//mcp:tool readonly
func Search(ctx context.Context, in SearchArgs) (SearchResult, error) {
	if in.Query == "" {
		return SearchResult{}, errors.New("empty query")
	}
	n := MaxHits
	if in.Limit > 0 && in.Limit < n {
		n = in.Limit
	}
	suffix := ""
	if len(in.Tags) > 0 {
		suffix = " [" + strings.Join(in.Tags, ",") + "]"
	}
	hits := make([]Hit, n)
	for i := range hits {
		k := strconv.Itoa(i + 1)
		hits[i] = Hit{
			ID:    "doc-" + k,
			Title: in.Query + " result " + k + suffix,
			Score: 1 / float64(i+1),
		}
	}
	return SearchResult{Query: in.Query, Hits: hits}, nil
}
