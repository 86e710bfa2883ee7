package runtime

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Request state (SEP-2322).
//
// A multi round-trip call is answered, while it needs input, with the input
// requests and a requestState the client echoes on its next round. The
// runtime keeps in it the answers the client gave in earlier rounds, so
// that the handler, run again, sees all of them. The state is signed with
// HMAC-SHA256 and bound to the method, the component name and version
// asked for, the session (when there is one) and an expiry: a state that
// was altered, forged, has expired or was minted for another call is
// refused with invalid params before any handler runs. The key is
// Options.RequestStateKey, else the environment variable
// MCPGEN_REQUEST_STATE_KEY (so that replicas behind a load balancer can
// share it), else random per process. The state is signed, not encrypted:
// it holds only what the client itself sent.

// RequestStateKeyEnv names the environment variable holding the key that
// signs request states when Options.RequestStateKey is nil.
const RequestStateKeyEnv = "MCPGEN_REQUEST_STATE_KEY"

// DefaultRequestStateTTL is how long a request state stays valid when
// Options.RequestStateTTL is zero: the time a user has to answer.
const DefaultRequestStateTTL = 30 * time.Minute

// minStateKey is the shortest key accepted for signing request states.
const minStateKey = 32

// stateVersion prefixes every state, so that the format can change.
const stateVersion = "s1."

// stateSigner signs and verifies request states.
type stateSigner struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// newStateSigner returns the signer of opts; it panics on a key shorter
// than 32 bytes, from Options or the environment.
func newStateSigner(opts *Options) *stateSigner {
	sg := &stateSigner{key: opts.RequestStateKey, ttl: opts.RequestStateTTL, now: time.Now}
	if sg.ttl <= 0 {
		sg.ttl = DefaultRequestStateTTL
	}
	from := "Options.RequestStateKey"
	if sg.key == nil {
		if env := os.Getenv(RequestStateKeyEnv); env != "" {
			sg.key, from = []byte(env), RequestStateKeyEnv
		}
	}
	if sg.key == nil {
		sg.key = make([]byte, minStateKey)
		rand.Read(sg.key) // never fails (crypto/rand panics instead)
		return sg
	}
	if len(sg.key) < minStateKey {
		panic(fmt.Sprintf("runtime.NewServer: %s is %d bytes; a request state key needs at least %d (for example the output of `openssl rand -hex 32`)", from, len(sg.key), minStateKey))
	}
	sg.key = append([]byte(nil), sg.key...)
	return sg
}

// stateClaims is the signed content of a request state.
type stateClaims struct {
	Method    string               `json:"m"`
	Name      string               `json:"n"`
	Version   string               `json:"v,omitempty"`
	Session   string               `json:"s,omitempty"`
	Expires   int64                `json:"e"` // Unix seconds
	Responses mcp.InputResponseMap `json:"r,omitempty"`
}

// bind fills in what ties a state to the request r.
func (c *stateClaims) bind(r *Request) {
	c.Method, c.Name, c.Version, c.Session = r.Method, r.Name, r.Version, r.SessionID
}

// encode signs the answers gathered so far for the request r.
func (sg *stateSigner) encode(r *Request, responses mcp.InputResponseMap) (string, error) {
	c := stateClaims{Expires: sg.now().Add(sg.ttl).Unix(), Responses: responses}
	c.bind(r)
	js, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(js)
	return stateVersion + payload + "." + base64.RawURLEncoding.EncodeToString(sg.mac(payload)), nil
}

func (sg *stateSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, sg.key)
	m.Write([]byte("mcpgen request state\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Why a request state is refused.
var (
	errStateMalformed = errors.New("not a request state this server issued")
	errStateSignature = errors.New("the signature does not match (altered, forged, or signed with another key)")
	errStateExpired   = errors.New("it has expired")
)

// decode verifies state for the request r and returns the answers it
// carries; the empty state carries none.
func (sg *stateSigner) decode(r *Request, state string) (mcp.InputResponseMap, error) {
	if state == "" {
		return nil, nil // none: answer makes the map when it has some
	}
	rest, ok := strings.CutPrefix(state, stateVersion)
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, errStateMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, errStateMalformed
	}
	if !hmac.Equal(got, sg.mac(payload)) {
		return nil, errStateSignature
	}
	js, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errStateMalformed
	}
	var c stateClaims
	if err := json.Unmarshal(js, &c); err != nil {
		return nil, errStateMalformed
	}
	if sg.now().Unix() >= c.Expires {
		return nil, errStateExpired
	}
	var want stateClaims
	want.bind(r)
	switch {
	case c.Method != want.Method:
		return nil, fmt.Errorf("it was issued for %s, not %s", c.Method, want.Method)
	case c.Name != want.Name || c.Version != want.Version:
		return nil, fmt.Errorf("it was issued for %q%s, not %q%s", c.Name, versionSuffix(c.Version), want.Name, versionSuffix(want.Version))
	case c.Session != want.Session:
		return nil, errors.New("it was issued to another session")
	}
	if c.Responses == nil {
		c.Responses = mcp.InputResponseMap{}
	}
	return c.Responses, nil
}
