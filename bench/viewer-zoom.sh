#!/usr/bin/env bash
# Zoom responsiveness of the browser viewer on the demo array (500 channels x 60 s at 1 kHz, 120 MB):
# times POST /api/view (what the page sends on each zoom/pan) from the whole array down to a 0.5 s window,
# raw and with the 2-20 Hz bandpass, for a 1100 x 700 pixel canvas. Run from anywhere; prints one line per request.
# Usage: bench/viewer-zoom.sh [STORE_DIR]   (the demo array is created there on first use)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
store="${1:-$root/artifacts/bench-store}"
work="$(mktemp -d)"
# SIGTERM stops the server gracefully (the host ends the serve command).
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Creates the 500 x 60 s demo array in the store if missing (the demo's own reduction runs once too).
"$root/resif-gpu" demo --store "$store" --out "$work/demo-out" > "$work/demo.log"

"$root/resif-gpu" serve --store "$store" --port 0 --web-port 0 --device cpu > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    url="$(sed -n 's/^viewer: \(.*\)\/$/\1/p' "$work/serve.log")"
    [[ -n "$url" ]] && break
    sleep 0.1
done
[[ -n "${url:-}" ]] || { cat "$work/serve.log" >&2; echo "server did not start" >&2; exit 1; }

view() { # $1 = label, $2 = JSON body
    curl -sS -o "$work/answer.bin" -w "%{http_code} %{time_total} %{size_download}\n" -H 'Content-Type: application/json' \
        -d "$2" "$url/api/view" | { read -r code seconds bytes
        [[ "$code" == 200 ]] || { echo "$1: HTTP $code $(cat "$work/answer.bin")" >&2; exit 1; }
        printf '%-44s %7.1f ms  %8d bytes\n' "$1" "$(echo "$seconds * 1000" | bc -l)" "$bytes"; }
}

bandpass='[{"name":"bandpass","parameters":{"freqmin":"2","freqmax":"20","zerophase":"true"}}]'
echo "viewer at $url on $(nproc) cores; canvas 1100 x 700; times are curl's total (request to last byte)"
for ops in '[]' "$bandpass"; do
    label=$([[ "$ops" == '[]' ]] && echo raw || echo bandpass)
    view "warm-up $label" "{\"array\":\"demo\",\"width\":1100,\"height\":700,\"operations\":$ops}" > /dev/null
    for window in "0 60" "15 45" "22.5 37.5" "26.25 33.75" "28 32" "29 31" "29.75 30.25"; do
        read -r t0 t1 <<< "$window"
        for channels in "0 500" "125 375"; do
            read -r c0 c1 <<< "$channels"
            view "$label t=[$t0,$t1) s ch=[$c0,$c1)" \
                "{\"array\":\"demo\",\"channels\":{\"start\":$c0,\"stop\":$c1},\"time\":{\"start\":$t0,\"end\":$t1},\"width\":1100,\"height\":700,\"operations\":$ops}"
        done
    done
done
