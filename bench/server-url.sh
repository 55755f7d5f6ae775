#!/usr/bin/env bash
# Prints the URL a `resif-gpu serve --port 0` started in the background writes to its log, once it has: waits up to
# SECONDS (default 60); prints the log and fails when none comes.
#   url=$(bench/server-url.sh LOG [SECONDS]) || exit 1
log=$1
for _ in $(seq 1 $(( ${2:-60} * 2 ))); do
  url=$(grep -o 'http://[0-9.:]*' "$log" 2>/dev/null | head -1)
  if [ -n "$url" ]; then echo "$url"; exit 0; fi
  sleep 0.5
done
cat "$log" >&2
exit 1
