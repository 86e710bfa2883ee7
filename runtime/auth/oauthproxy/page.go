package oauthproxy

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// pageData fills the consent page (and the error pages).
type pageData struct {
	Title, Message       string
	Consent              bool
	ClientName, ClientID string
	Verified             bool // the client id is a metadata document URL: its host is verified
	DynamicNote          bool // the client registered itself
	Redirect, RedirectTo string
	Scopes               []string
	Resource             string
	Action, Txn, CSRF    string
	Nonce                string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{font-weight:600}
dd{margin:0;word-break:break-all}.warn{background:#fff4e5;border-left:4px solid #f90;padding:.6rem .8rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem}
</style></head><body>
<h1>{{.Title}}</h1>
{{if .Consent}}
<p><strong>{{.ClientName}}</strong> asks for access to <strong>{{.Resource}}</strong> on your behalf.</p>
<dl>
<dt>Client</dt><dd>{{.ClientID}}{{if .Verified}} (metadata published by this domain){{end}}</dd>
<dt>Returns to</dt><dd>{{.Redirect}}</dd>
{{if .Scopes}}<dt>Access</dt><dd>{{range $i, $s := .Scopes}}{{if $i}}, {{end}}{{$s}}{{end}}</dd>{{end}}
</dl>
{{if .DynamicNote}}<p class="warn">This application registered itself; its name is its own claim. Approve only if you started this sign-in, just now, from an application you trust, and it will return to <strong>{{.RedirectTo}}</strong>.</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="txn" value="{{.Txn}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
{{else}}<p>{{.Message}}</p>{{end}}
</body></html>
`))

// page writes an HTML page with headers that keep it from being framed
// (clickjacking), from running any script, and from submitting its form
// anywhere but the proxy (and, since a browser checks the redirects that
// follow a submission too, the provider and the client's redirect URI,
// formActions).
func (p *Proxy) page(w http.ResponseWriter, status int, formActions string, d pageData) {
	d.Nonce = randomString(16)
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+d.Nonce+"'; form-action 'self'"+formActions+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// formTargets lists, for a CSP form-action, where the consent form's
// redirects may lead: the provider's authorization endpoint (approve) and
// the client's redirect URI (deny).
func formTargets(uris ...string) string {
	var s strings.Builder
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" {
			continue
		}
		switch {
		case u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") &&
			strings.Trim(u.Host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == "":
			s.WriteString(" " + u.Scheme + "://" + u.Host)
		case validSchemeSource(u.Scheme):
			s.WriteString(" " + u.Scheme + ":")
		}
	}
	return s.String()
}

// validSchemeSource reports whether s may be written as a CSP scheme
// source.
func validSchemeSource(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return s != ""
}
