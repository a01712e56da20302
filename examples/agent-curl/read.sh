#!/bin/sh
# read.sh — reads the appli carte Vitale through apcv agent with curl.
#
#   APCV_AGENT_TOKEN_FILE=~/.config/apcv/agent-token ./read.sh [TIMEOUT_MS]
#
# Prints the agent's answer, the identity JSON (the schema of
# `apcv read --json`, NOT masked: pipe it to the billing software, never to a
# log), and exits 0; on a refusal prints the error JSON
# {"code","message_fr","message_en"} on stderr and exits 1 (2 when the agent
# cannot be reached).
# The token reaches curl on its standard input (-H @-), not on its command
# line, which other users of the machine can read.
set -eu
agent=${APCV_AGENT_URL:-http://127.0.0.1:7723}
token_file=${APCV_AGENT_TOKEN_FILE:?set APCV_AGENT_TOKEN_FILE to the file apcv agent pair writes}
timeout_ms=${1:-60000}
token=$(cat "$token_file")

# -w appends the HTTP status on a line of its own.
out=$(curl -sS -w '\n%{http_code}' -H @- -H 'Content-Type: application/json' -X POST \
	--data "{\"timeout_ms\":$timeout_ms}" --max-time $((timeout_ms / 1000 + 10)) \
	"$agent/v1/read" <<EOF
Authorization: Bearer $token
EOF
) || exit 2
status=${out##*"
"}
body=${out%"
"*}
if [ "$status" = 200 ]; then
	printf '%s\n' "$body"
	exit 0
fi
printf '%s\n' "$body" >&2
exit 1
