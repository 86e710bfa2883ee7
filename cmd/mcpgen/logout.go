package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/spf13/cobra"
)

func init() {
	addCommand(&cobra.Command{
		Use:   "logout URL",
		Short: "Forget the OAuth login to a server: its stored tokens and client registration",
		Long: `list, call, read, prompt and inspect log in to an HTTP server that asks for
OAuth (--auth oauth, the default for URLs) and keep the tokens, and the client
registered with the server's authorization server, in one file per server
under the user configuration directory (mcpgen/tokens/ there). logout removes
that file: the next command logs in again. URL may also be the name of a
discovered server with a URL.`,
		Example: `  mcpgen logout https://mcp.example.com/mcp`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := cli.TokenDir()
			if err != nil {
				return errors.New("no user configuration directory, so no stored logins (set HOME or XDG_CONFIG_HOME)")
			}
			path, err := cli.Logout(&cli.Login{Dir: dir}, args[0])
			if err != nil {
				return err
			}
			if path == "" {
				fmt.Fprintf(os.Stdout, "not logged in to %s: no stored tokens\n", args[0])
				return nil
			}
			fmt.Fprintf(os.Stdout, "logged out of %s (removed %s)\n", args[0], path)
			return nil
		},
	})
}
