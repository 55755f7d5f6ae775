#!/bin/sh
# Regenerates resif_gpu/_generated from the repository's protos/ (the client also does this by itself on import).
set -eu
cd "$(dirname "$0")"
exec "${PYTHON:-/usr/bin/python3}" -m resif_gpu._codegen "$@"
