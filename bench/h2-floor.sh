#!/usr/bin/env bash
# bench/h2-floor.sh : CPU per stream of Netty's HTTP/2 codec alone (bench/tools/H2Floor.java), in both modes,
# pinned and loaded as the h2 scenario is (h2load -c16 -m32 on LOAD_CPU, the server on PROXY_CPU).
# Needs a built distribution (its lib/ is the class path), a JDK and h2load.
set -euo pipefail
cd "$(dirname "$0")/.."
PROXY_CPU=${PROXY_CPU:-0} LOAD_CPU=${LOAD_CPU:-1} SECS=${SECS:-10}
lib=distribution/target/tidegate/lib
[[ -d $lib ]] || { echo "build the distribution first (mvn -q -DskipTests package)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
cp=$(ls "$lib"/*.jar | tr '\n' ':')
javac -proc:none -d "$tmp" -cp "$cp" bench/tools/H2Floor.java
port=19100
for mode in mux frames; do
  port=$((port + 1))
  taskset -c "$PROXY_CPU" java -Dio.netty.leakDetection.level=disabled -Xms256m -Xmx256m -XX:+UseParallelGC \
    -XX:ActiveProcessorCount=1 -cp "$cp$tmp" H2Floor "$mode" "$port" >"$tmp/$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$tmp/$mode.log" 2>/dev/null && break; sleep 0.1; done
  taskset -c "$LOAD_CPU" h2load -c16 -m32 -t1 -D 5 "http://127.0.0.1:$port/" >/dev/null 2>&1 # warm-up
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  taskset -c "$LOAD_CPU" h2load -c16 -m32 -t1 -D "$SECS" "http://127.0.0.1:$port/" >"$tmp/load.txt" 2>&1
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  n=$(awk '/^requests:/ { print $8 }' "$tmp/load.txt")
  tick=$(getconf CLK_TCK)
  awk -v m="$mode" -v d=$((u1 - u0 + s1 - s0)) -v n="$n" -v t="$tick" \
    'BEGIN { printf "%-6s %d streams, %.2f CPU-us per stream\n", m, n, d * 1e6 / t / n }'
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
