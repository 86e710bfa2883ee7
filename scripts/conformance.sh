#!/usr/bin/env bash
# Runs the official MCP conformance suite, @modelcontextprotocol/conformance
# 0.2.0-alpha.12 through ../shared/conformance, against examples/conformance
# (server) and examples/conformance/client, on 127.0.0.1. Every run uses
# --no-vacuous: a scenario that passes without a single successful check
# counts as failed, unless its baseline lists it. Each run must end with
# "M failed" = 0 (a baseline entry that passes fails too, as stale):
#
#   server, requirements of 2026-07-28 (37 scored), on
#     1. the default endpoint (one URL for every era),
#     2. stateless HTTP (-stateless),
#     3. stateless HTTP with JSON responses (tools/call on the fast path);
#     baseline: the scenario the suite always skips (conformance/tasks*.yml);
#   server, requirements of 2025-11-25 (30 scored), on
#     4. the default endpoint (sessions), no baseline,
#     5. stateless HTTP, 6. the same with JSON responses; baseline: the
#        scenarios that need a session (conformance/stateless-2025*.yml);
#   server, the pending and the draft suites (each scenario at its own
#     protocol version) on the default endpoint:
#     7. pending; baseline: the scenario the suite always skips
#        (conformance/pending.yml), 8. draft, no baseline;
#   client, the requirements of
#     9. 2025-11-25 (18 scored) and 10. 2026-07-28 (32 scored), each
#        scenario at its revision's protocol version, no baseline;
#     11. the extension suite; baseline: the extensions runtime/client
#        does not implement (conformance/client-extensions.yml);
#   authorization server (`conformance authorization`):
#     12. both scenarios (authorization-server-metadata-endpoint: RFC 8414
#        metadata, issuer, S256, CIMD support; authorization-code-grant:
#        a real authorization code grant with PKCE and resource, the
#        redirect's state/code/iss, the token response's headers) against
#        runtime/auth/oauthproxy in front of an upstream provider, both on
#        127.0.0.1 (examples/conformance/authserver plays the browser);
#        a skipped check or a scenario without a successful one fails;
#   server, the tasks extension with the tasks in Redis
#     (MCPGEN_TASKS_REDIS; runtime/tasks/redistasks):
#     13. the pending suite on the default endpoint; baseline conformance/pending.yml.
#     It needs the Redis of MCPGEN_TEST_REDIS (default 127.0.0.1:6379): skipped
#     without one, failed without one under CI=true.
#
# The requirement runs also run, unscored, the pending and extension
# scenarios that apply to the revision. It prints one line per scenario
# and a timing per run.
# Usage: scripts/conformance.sh   (env: MCP_CONF_CACHE for the npm cache,
# CONFORMANCE_DIR for the scripts, default ../shared/conformance)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared="${CONFORMANCE_DIR:-$root/../shared/conformance}"
cache="${MCP_CONF_CACHE:-$root/.cache/conformance}"
version=0.2.0-alpha.12
mkdir -p "$cache"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

go build -o "$bin/server" ./examples/conformance
go build -o "$bin/client" ./examples/conformance/client
go build -o "$bin/authserver" ./examples/conformance/authserver

# A free loopback port for each run.
port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000))
}

status=0
# server TITLE FLAGS BASELINE HARNESS-ARGS...: one server run; FLAGS are
# the server's beyond -http, BASELINE a file or "".
server() {
  local title=$1 flags=$2 baseline=$3 p t0
  shift 3
  p=$(port)
  t0=$SECONDS
  echo "== server: $title (127.0.0.1:$p)"
  bash "$shared/run-server.sh" --cache "$cache" --conformance-version "$version" --no-vacuous --timeout 300 \
    ${baseline:+--expected-failures "$baseline"} "$@" \
    --start "$bin/server -http 127.0.0.1:$p $flags" "http://127.0.0.1:$p/mcp" || status=1
  echo "   ($((SECONDS - t0)) s)"
}

# client TITLE HARNESS-ARGS...: one client run.
client() {
  local t0=$SECONDS
  echo "== client: $1"
  shift
  bash "$shared/run-client.sh" --cache "$cache" --conformance-version "$version" --no-vacuous --timeout 30000 \
    "$@" -- "$bin/client" || status=1
  echo "   ($((SECONDS - t0)) s)"
}

req() { echo --harness-arg --requirements --harness-arg "$1"; }

# shellcheck disable=SC2046 # req's words are separate arguments
{
  server "requirements 2026-07-28, default endpoint" "" conformance/tasks.yml $(req 2026-07-28)
  server "requirements 2026-07-28, stateless HTTP" "-stateless" conformance/tasks.yml $(req 2026-07-28)
  server "requirements 2026-07-28, stateless HTTP, JSON responses" "-stateless -json-response" conformance/tasks-json.yml $(req 2026-07-28)
  server "requirements 2025-11-25, default endpoint (sessions)" "" "" --strict $(req 2025-11-25)
  server "requirements 2025-11-25, stateless HTTP" "-stateless" conformance/stateless-2025.yml --strict $(req 2025-11-25)
  server "requirements 2025-11-25, stateless HTTP, JSON responses" "-stateless -json-response" conformance/stateless-2025-json.yml --strict $(req 2025-11-25)
  server "pending suite, default endpoint" "" conformance/pending.yml --suite pending
  server "draft suite, default endpoint" "" "" --suite draft
}
client "requirements 2025-11-25" --requirements 2025-11-25
client "requirements 2026-07-28" --requirements 2026-07-28
client "extension suite" --suite extensions --expected-failures conformance/client-extensions.yml

# The authorization server scenarios, through the harness the runs above
# installed (run-*.sh have no mode for them).
authz() {
  local t0=$SECONDS node
  echo "== authorization server: runtime/auth/oauthproxy"
  node=$(command -v node || true)
  if [ -z "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
    node=$(ls "$cache"/node_modules/node-linux-*/bin/node 2>/dev/null | head -1)
  fi
  "$bin/authserver" -- "$node" "$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js" || status=1
  echo "   ($((SECONDS - t0)) s)"
}
authz

# The tasks extension again, with the tasks in Redis.
redis_addr="${MCPGEN_TEST_REDIS:-127.0.0.1:6379}"
if (exec 3<>"/dev/tcp/${redis_addr%:*}/${redis_addr##*:}") 2>/dev/null; then
  MCPGEN_TASKS_REDIS="redis://$redis_addr/0" server "pending suite, default endpoint, tasks in Redis" "" conformance/pending.yml --suite pending
elif [ "${CI:-}" = true ]; then
  echo "== tasks in Redis: no Redis at $redis_addr"
  status=1
else
  echo "== tasks in Redis: SKIP (no Redis at $redis_addr; run redis-server --port ${redis_addr##*:})"
fi

exit $status
