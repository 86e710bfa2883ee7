//go:build !unix

package client

// privateDir does nothing where directories have no Unix permission bits
// (Windows: the user profile's ACLs protect it).
func privateDir(string) error { return nil }
