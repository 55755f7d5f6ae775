#!/usr/bin/env bash
# Starts a 3-node Resif.Gpu cluster on this machine for trying cluster mode: three Orleans silos (node0 is the
# development-clustering primary) over the same store, every shard on two nodes, and the gRPC gateway on node0.
# All nodes share this machine's CPU: it shows how the cluster behaves, not how fast several servers would be.
#
#   scripts/local-cluster.sh [--store DIR] [--grpc-port 50051]   (Ctrl-C stops the nodes)
#   ./resif-gpu ls --server http://127.0.0.1:50051
#   ./resif-gpu reduce demo --server http://127.0.0.1:50051 --op bandpass:freqmin=2,freqmax=20 --op decimate:factor=10 --out r.npy
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
store="$root/data/store"
grpc_port=50051
while [[ $# -gt 0 ]]; do
    case "$1" in
        --store) store="$2"; shift 2 ;;
        --grpc-port) grpc_port="$2"; shift 2 ;;
        *) echo "usage: $0 [--store DIR] [--grpc-port PORT]" >&2; exit 2 ;;
    esac
done
state="$root/artifacts/local-cluster"
mkdir -p "$state"

echo "building the cluster node into artifacts/cluster ..."
dotnet build "$root/src/Resif.Gpu.Cluster/Resif.Gpu.Cluster.csproj" -c Release -o "$root/artifacts/cluster" --nologo -v quiet >"$state/build.log" 2>&1 \
    || { cat "$state/build.log" >&2; exit 1; }

if [[ ! -d "$store/arrays/demo" ]]; then
    echo "no demo array in $store: creating it with 'resif-gpu demo' ..."
    "$root/resif-gpu" demo --store "$store" --out "$state/demo-out" >"$state/demo.log" 2>&1 || { cat "$state/demo.log" >&2; exit 1; }
fi

nodes="node0,node1,node2"
pids=()
stop_nodes() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_nodes EXIT INT TERM

for i in 0 1 2; do
    extra=()
    [[ $i -eq 0 ]] && extra=(--grpc-port "$grpc_port")
    dotnet "$root/artifacts/cluster/resif-gpu-cluster.dll" --name "node$i" --nodes "$nodes" --replicas 2 --store "$store" \
        --silo-port $((11111 + i)) --gateway-port $((30000 + i)) --primary 127.0.0.1:11111 "${extra[@]}" >"$state/node$i.log" 2>&1 &
    pids+=($!)
    # The primary must be up before the others join.
    [[ $i -eq 0 ]] && for _ in $(seq 60); do grep -q "gRPC gateway" "$state/node0.log" && break; sleep 1; done
done
sleep 3
cat "$state"/node*.log
echo "cluster up: gRPC at http://127.0.0.1:$grpc_port (logs in $state); Ctrl-C stops it"
wait
