package p

// Get gets.
//
//mcp:tool
func Get(in Args) (string, error) { return "", nil }

// Args are arguments.
type Args struct {
	ID string `json:"id"`
}
