//go:build unix

package client

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/oauth2"
)

// A token directory that already exists with looser permissions (made by
// hand, or by another tool with the default umask) is tightened to 0700
// on Save, as the doc promises.
func TestFileStoreTightensDirectory(t *testing.T) {
	for _, loose := range []os.FileMode{0o755, 0o777, 0o710} {
		dir := filepath.Join(t.TempDir(), "tokens")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, loose); err != nil { // not subject to the umask
			t.Fatal(err)
		}
		f := &FileStore{Path: filepath.Join(dir, "x.json")}
		if err := f.Save(&StoredAuth{TokenURL: "http://127.0.0.1/token", ClientID: "c", Token: &oauth2.Token{AccessToken: "at"}}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("a %v directory: mode %v after Save, want 0700", loose, st.Mode().Perm())
		}
	}
}
