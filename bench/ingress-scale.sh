#!/usr/bin/env bash
# Scale of the Kubernetes source: Tidegate serving 1 and then N Ingress objects (one host, three
# paths each; default N = 10000) read from offline manifests, to one nginx upstream. Measures, for
# each: the kernel's compile-and-swap time of the generation, the time from a manifest change to the
# new generation being live, the heap the configuration holds (after a full GC), and keep-alive
# throughput on one route. Writes docs/performance-kubernetes.md.
#
#   bench/ingress-scale.sh [--ingresses N] [--duration 10s] [--out FILE] [--tidegate-home DIR]
#
# Needs what bench/setup.sh installs (nginx, wrk, taskset, curl) and a built install tree
# (mvn -q -DskipTests package). Everything runs on loopback; all processes are stopped at the end.
set -euo pipefail
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
INGRESSES=10000
DURATION=10s
OUT="$REPO_ROOT/docs/performance-kubernetes.md"
TIDEGATE_HOME="$REPO_ROOT/distribution/target/tidegate"
JAVA_OPTS_BENCH="-Xms1g -Xmx1g -XX:+UseParallelGC -XX:ActiveProcessorCount=1"

while [[ $# -gt 0 ]]; do
  case $1 in
    --ingresses) INGRESSES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --tidegate-home) TIDEGATE_HOME=$2; shift 2 ;;
    *) echo "ingress-scale: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $TIDEGATE_HOME/bin/tidegate ]] || { echo "ingress-scale: no $TIDEGATE_HOME/bin/tidegate (run mvn -q -DskipTests package)" >&2; exit 1; }
for tool in nginx wrk curl taskset jcmd; do
  command -v $tool >/dev/null || { echo "ingress-scale: $tool is missing (bench/setup.sh installs it)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/tidegate-ingress-scale.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
UPSTREAM_PORT=$(free_port)

# The upstream: bench/conf's nginx, one worker, pinned to CPU 1 with wrk.
mkdir -p "$TMP/nginx-upstream-temp"
sed -e "s#@TMP@#$TMP#g" -e "s#@UPSTREAM_PORT@#$UPSTREAM_PORT#g" "$REPO_ROOT/bench/conf/nginx-upstream.conf" \
  > "$TMP/nginx-upstream.conf"
setsid taskset -c 1 nginx -c "$TMP/nginx-upstream.conf" -p "$TMP" >"$TMP/nginx.log" 2>&1 </dev/null &
PIDS+=($!)

# Manifests: an IngressClass, a Service and its EndpointSlice (the upstream), and N Ingresses.
write_manifests() {
  local dir=$1 n=$2
  mkdir -p "$dir"
  cat > "$dir/base.yaml" <<EOF
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: tidegate}
spec: {controller: tidegate.io/ingress-controller}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: bench}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-1
  namespace: bench
  labels: {kubernetes.io/service-name: app}
addressType: IPv4
ports: [{name: http, port: $UPSTREAM_PORT}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
EOF
  awk -v n="$n" 'BEGIN {
    for (i = 0; i < n; i++) {
      printf "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: app-%d, namespace: bench}\n", i
      printf "spec:\n  ingressClassName: tidegate\n  rules:\n  - host: h%d.example.com\n    http:\n      paths:\n", i
      split("/a /b /c", paths, " ")
      for (p = 1; p <= 3; p++) {
        printf "      - {path: %s, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}\n", paths[p]
      }
    }
  }' > "$dir/ingresses.yaml"
}

metric() { # metric URL NAME -> value of the first sample line
  curl -s "$1" | awk -v m="$2" '$1 == m && !done { print $2; done = 1 }'
}

now_ms() { date +%s%3N; }

# utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run_case LABEL N -> sets RESULT_* variables
run_case() {
  local label=$1 n=$2
  local home="$TMP/$label" port admin
  port=$(free_port); admin=$(free_port)
  mkdir -p "$home/conf"
  write_manifests "$home/conf/k8s" "$n"
  cat > "$home/conf/tidegate.yaml" <<EOF
listeners:
  - name: web
    address: 127.0.0.1:$port
admin:
  address: 127.0.0.1:$admin
plugins:
  dir: $TIDEGATE_HOME/plugins
accessLog:
  enabled: false
sources:
  - id: kubernetes
    manifests: [$home/conf/k8s]
    ingressClass: tidegate
EOF
  local start; start=$(now_ms)
  env JAVA_OPTS="$JAVA_OPTS_BENCH" setsid taskset -c 0 "$TIDEGATE_HOME/bin/tidegate" run -c "$home/conf/tidegate.yaml" \
    >"$home/tidegate.log" 2>&1 </dev/null &
  local pid=$!
  PIDS+=($pid)
  local deadline=$(( $(now_ms) + 180000 ))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/ready") == 200 ]]; do
    (( $(now_ms) < deadline )) || { echo "ingress-scale: $label not ready in 180 s; log:" >&2; tail -20 "$home/tidegate.log" >&2; exit 1; }
    sleep 0.2
  done
  local ready_ms=$(( $(now_ms) - start ))
  local routes; routes=$(curl -s "http://127.0.0.1:$admin/sources" | grep -o '"routes": *[0-9]*' | head -1 | grep -o '[0-9]*$')
  local compile_sum compile_count
  compile_sum=$(metric "http://127.0.0.1:$admin/metrics" tidegate_config_compile_seconds_sum)
  compile_count=$(metric "http://127.0.0.1:$admin/metrics" tidegate_config_compile_seconds_count)

  # Heap the configuration holds: used heap after a full GC.
  jcmd "$pid" GC.run >/dev/null 2>&1 || true
  local heap_kb
  heap_kb=$(jcmd "$pid" GC.heap_info 2>/dev/null | awk '/PSYoungGen|ParOldGen/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub("K,?", "", v); s += v } } END { print s + 0 }')

  # Throughput on one route (the middle Ingress's /b), keep-alive, wrk on CPU 1; measured before the
  # change below, so the garbage of a full re-translation is not collected during the measurement.
  local host="h$(( n / 2 )).example.com"
  local status; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$port/b")
  [[ $status == 200 ]] || { echo "ingress-scale: $label: GET $host/b answered $status" >&2; exit 1; }
  taskset -c 1 wrk -t2 -c50 -d10s -H "Host: $host" "http://127.0.0.1:$port/b" >/dev/null 2>&1 || true # warm-up (JIT)
  local rps wrk_out cpu0 cpu1 requests
  cpu0=$(cpu_ticks "$pid")
  wrk_out=$(taskset -c 1 wrk -t2 -c50 -d"$DURATION" -H "Host: $host" "http://127.0.0.1:$port/b")
  cpu1=$(cpu_ticks "$pid")
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$wrk_out")
  requests=$(awk '/requests in/ { print $1 }' <<<"$wrk_out")
  local cpu_us
  cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')

  # A change: one Ingress gains a path; time until the new generation is live (file watch, debounce,
  # re-reading every manifest, translation, compile and swap).
  local version; version=$(metric "http://127.0.0.1:$admin/metrics" tidegate_config_version)
  local before_change; before_change=$(now_ms)
  sed -i '0,/- {path: \/c,/s//- {path: \/d, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}\n      - {path: \/c,/' \
    "$home/conf/k8s/ingresses.yaml"
  deadline=$(( $(now_ms) + 60000 ))
  until [[ $(metric "http://127.0.0.1:$admin/metrics" tidegate_config_version) != "$version" ]]; do
    (( $(now_ms) < deadline )) || { echo "ingress-scale: $label: change not live in 60 s" >&2; exit 1; }
    sleep 0.05
  done
  local change_ms=$(( $(now_ms) - before_change ))
  local compile_sum2 compile_count2
  compile_sum2=$(metric "http://127.0.0.1:$admin/metrics" tidegate_config_compile_seconds_sum)
  compile_count2=$(metric "http://127.0.0.1:$admin/metrics" tidegate_config_compile_seconds_count)
  local last_compile_ms
  last_compile_ms=$(awk -v a="$compile_sum" -v b="$compile_sum2" -v ca="$compile_count" -v cb="$compile_count2" \
    'BEGIN { if (cb > ca) printf "%.0f", (b - a) * 1000 / (cb - ca); else print "?" }')

  kill "$pid"; wait "$pid" 2>/dev/null || true
  eval "R_${label}_READY=$ready_ms R_${label}_ROUTES=${routes:-?} R_${label}_COMPILE=$last_compile_ms \
R_${label}_CHANGE=$change_ms R_${label}_HEAP=$heap_kb R_${label}_RPS=$rps R_${label}_CPU=$cpu_us"
}

run_case one 1
run_case many "$INGRESSES"

heap_added_mib=$(awk -v a="$R_one_HEAP" -v b="$R_many_HEAP" 'BEGIN { printf "%.0f", (b - a) / 1024 }')
rps_drop=$(awk -v a="$R_one_RPS" -v b="$R_many_RPS" 'BEGIN { printf "%.1f", (a - b) * 100 / a }')
cpu_rise=$(awk -v a="$R_one_CPU" -v b="$R_many_CPU" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
verdict() { awk -v v="$1" -v lim="$2" 'BEGIN { print (v + 0 <= lim + 0) ? "PASS" : "FAIL" }'; }

cat > "$OUT" <<EOF
# Performance: the Kubernetes source at scale

<!-- Generated by bench/ingress-scale.sh; every run replaces this file. -->

The Kubernetes source read **$INGRESSES Ingress objects** (one host and three \`Prefix\` paths each, so
$((INGRESSES * 3)) routes, all to one Service) from offline manifests, against a baseline of one Ingress,
on the same machine, with the same JVM options (\`$JAVA_OPTS_BENCH\`). Tidegate pinned to CPU 0;
the nginx upstream and wrk to CPU 1.

Command (from the repository root, after \`bench/setup.sh\` and \`mvn -q -DskipTests package\`):

\`\`\`
bench/ingress-scale.sh --ingresses $INGRESSES --duration $DURATION
\`\`\`

- date: $(date -u '+%Y-%m-%d %H:%M UTC'); repository $(git -C "$REPO_ROOT" rev-parse --short HEAD)
- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)

| | 1 Ingress | $INGRESSES Ingresses | target | |
| --- | --- | --- | --- | --- |
| routes compiled | $R_one_ROUTES | $R_many_ROUTES | | |
| kernel compile and swap of a generation (\`tidegate_config_compile_seconds\`) | $R_one_COMPILE ms | $R_many_COMPILE ms | < 1000 ms | $(verdict "$R_many_COMPILE" 1000) |
| manifest change to new generation live (file watch, debounce, re-read and translate every object, compile, swap) | $R_one_CHANGE ms | $R_many_CHANGE ms | | |
| start to \`/ready\` | $R_one_READY ms | $R_many_READY ms | | |
| heap used after a full GC | $((R_one_HEAP / 1024)) MiB | $((R_many_HEAP / 1024)) MiB | added < 300 MiB | $(verdict "$heap_added_mib" 300) (+$heap_added_mib MiB) |
| keep-alive GET on one route: Tidegate CPU-µs per request | $R_one_CPU | $R_many_CPU | ≤ 5% more | $(verdict "$cpu_rise" 5) ($cpu_rise% more) |
| the same, req/s (wrk -t2 -c50 -d$DURATION) | $R_one_RPS | $R_many_RPS | ≤ 5% lower | $(verdict "$rps_drop" 5) ($rps_drop% lower) |

How to read it: the compile-and-swap time is the kernel's part (merge, route table with per-host
path indexes, swap); the change-to-live time adds what the offline source does on every change (it
re-reads and re-translates all its objects; the informer path translates the same way from its
cache). The route table looks a host up by hash and a path in that host's own index, so one route's
cost does not depend on how many other hosts exist. CPU-µs per request is charged to Tidegate's own
process, so it holds on a busy machine; req/s also depends on what else runs on the two cores and
is the figure to distrust when the load average is high.
EOF
echo "ingress-scale: wrote $OUT"
cat "$OUT"
