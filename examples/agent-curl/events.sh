#!/bin/sh
# events.sh — follows apcv agent's event stream (Server-Sent Events) with curl.
#
#   APCV_AGENT_TOKEN_FILE=~/.config/apcv/agent-token ./events.sh [unmasked]
#
# Prints the stream as it comes (-N: no buffering): ": ok" on connect, then
# "event: TYPE" and "data: {...}" lines with a blank line after each event,
# and ": ping" every 15 s. The "identity" events carry the identity JSON
# masked (NIRs, names, birth dates), or in full with "unmasked"
# (?masked=false): then do not log them. The token reaches curl on its
# standard input.
set -eu
agent=${APCV_AGENT_URL:-http://127.0.0.1:7723}
query=
if [ "${1:-}" = unmasked ]; then
	query='?masked=false'
fi
token_file=${APCV_AGENT_TOKEN_FILE:?set APCV_AGENT_TOKEN_FILE to the file apcv agent pair writes}
token=$(cat "$token_file")
exec curl -sS -N --fail-with-body -H @- -H 'Accept: text/event-stream' "$agent/v1/events$query" <<EOF
Authorization: Bearer $token
EOF
