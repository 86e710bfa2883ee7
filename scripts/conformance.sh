#!/usr/bin/env bash
# Runs the official MCP conformance suite (../shared/conformance) against
# examples/conformance, on 127.0.0.1:
#   1. every active server scenario over stateful streamable HTTP, --strict:
#      all must pass;
#   2. the same over stateless HTTP, with conformance/stateless-baseline.yml
#      listing the scenarios that need server-to-client requests, once with
#      SSE responses and once with JSON responses (where the runtime answers
#      tools/call on its fast path);
#   3. the core client scenarios against examples/conformance/client.
# Usage: scripts/conformance.sh   (env: MCP_CONF_CACHE for the npm cache,
# CONFORMANCE_DIR for the scripts, default ../shared/conformance)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared="${CONFORMANCE_DIR:-$root/../shared/conformance}"
cache="${MCP_CONF_CACHE:-$root/.cache/conformance}"
mkdir -p "$cache"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

go build -o "$bin/server" ./examples/conformance
go build -o "$bin/client" ./examples/conformance/client

# A free loopback port for each run.
port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000))
}

status=0
p=$(port)
echo "== server scenarios, stateful HTTP (127.0.0.1:$p)"
bash "$shared/run-server.sh" --cache "$cache" --strict --timeout 300 \
  --start "$bin/server -http 127.0.0.1:$p" "http://127.0.0.1:$p/mcp" || status=1

p=$(port)
echo "== server scenarios, stateless HTTP (127.0.0.1:$p)"
bash "$shared/run-server.sh" --cache "$cache" --strict --timeout 300 \
  --expected-failures conformance/stateless-baseline.yml \
  --start "$bin/server -http 127.0.0.1:$p -stateless" "http://127.0.0.1:$p/mcp" || status=1

p=$(port)
echo "== server scenarios, stateless HTTP with JSON responses: tools/call on the runtime's fast path (127.0.0.1:$p)"
bash "$shared/run-server.sh" --cache "$cache" --strict --timeout 300 \
  --expected-failures conformance/stateless-json-baseline.yml \
  --start "$bin/server -http 127.0.0.1:$p -stateless -json-response" "http://127.0.0.1:$p/mcp" || status=1

echo "== client scenarios"
bash "$shared/run-client.sh" --cache "$cache" --timeout 30000 \
  --scenario initialize --scenario tools_call \
  --scenario elicitation-sep1034-client-defaults --scenario sse-retry \
  -- "$bin/client" || status=1

exit $status
