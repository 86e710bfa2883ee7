package p

import "context"

// Get gets.
//
//mcp:tool name=get timout=10s
func Get(ctx context.Context, in Args) (string, error) { return "", nil }

// Fetch fetches under the same name.
//
//mcp:tool name=get
func Fetch(ctx context.Context) (chan int, error) { return nil, nil }

//mcp:prompt
func Plan(ctx context.Context) (int, error) { return 0, nil }

// Args has several bad fields.
type Args struct {
	Days    int      `json:"days" mcp:"min=1,max=x"`
	City    string   `json:"city" mcp:"minLength=1,min=2"`
	Updates chan int `json:"updates"`
}
