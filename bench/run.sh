#!/usr/bin/env bash
# Tidegate proxy benchmark: nginx-as-proxy, HAProxy, Tidegate and Tidegate with
# policies (api-key + local rate-limit) in front of the same nginx upstream, each
# pinned to the same CPU, driven in interleaved rounds by wrk pinned to the other
# CPU. Prints req/s, p99 latency and the proxy's own CPU time per request, with
# ratios to nginx (and the policies' cost as the ratio of the two Tidegates), and
# writes them to docs/performance.md (from bench/performance-template.md).
# See bench/README.md.
set -euo pipefail

SCRIPT=run.sh
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
ORIG_ARGS=("$@")
ORIG_PWD=$PWD
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------- options ---
DURATION=10s
ROUNDS=3
CONNECTIONS=50
THREADS=2
OUT=""
PROXIES="nginx nginx-bare haproxy tidegate tidegate-policies"
KNOWN_PROXIES="nginx nginx-bare haproxy tidegate tidegate-policies"
TIDEGATE_HOME=""
WARMUP=3s            # warm-up for nginx and HAProxy
JVM_WARMUP=10s       # warm-up for Tidegate (JIT)
PROXY_CPU=0
LOAD_CPU=1
BENCH_JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseParallelGC -XX:ActiveProcessorCount=1"
KEEP_TMP=0

UPSTREAM_PORT=18080
NGINX_PORT=18081
NGINX_BARE_PORT=18085
HAPROXY_PORT=18082
TIDEGATE_PORT=18083
TIDEGATE_ADMIN_PORT=19901
TIDEGATE_POL_PORT=18084
TIDEGATE_POL_ADMIN_PORT=19902
# wrk (and the curl checks) send lib.sh's API_KEY_HEADER: API_KEY to every proxy, so
# that all of them get the same request bytes; only tidegate-policies checks it
# (api-key policy, which holds its SHA-256 and strips the header before forwarding).
POLICY_COST_TARGET=1.15
ENGINE_CPU_TARGET=1.2   # production engine issue: CPU per request ≤ 1.2× nginx on small keep-alive GETs
READY_TIMEOUT_TIDEGATE=60
READY_TIMEOUT_OTHER=15

usage() {
  cat <<EOF
Usage: bench/run.sh [options]

  --duration D        wrk duration of each measured round (default $DURATION; s, m or h suffix)
  --rounds N          interleaved rounds (default $ROUNDS)
  --connections N     wrk connections (default $CONNECTIONS)
  --threads N         wrk threads (default $THREADS)
  --out FILE          generated report (default docs/performance.md in the repository)
  --proxies "LIST"    proxies to measure, from: $KNOWN_PROXIES (default "$PROXIES")
  --tidegate-home DIR Tidegate install tree (default distribution/target/tidegate in the repository)
  --warmup D          unmeasured wrk warm-up for nginx and HAProxy (default $WARMUP; 0 for none)
  --jvm-warmup D      unmeasured wrk warm-up for each Tidegate (default $JVM_WARMUP; 0 for none)
  --java-opts "OPTS"  JAVA_OPTS for Tidegate (default "$BENCH_JAVA_OPTS")
  --proxy-cpu N       CPU the proxies are pinned to (default $PROXY_CPU)
  --load-cpu N        CPU wrk and the upstream are pinned to (default $LOAD_CPU)
  --keep-tmp          keep the temporary directory (configs, logs, raw wrk output)
  -h, --help          this text

Relative paths given as options are taken from the current directory.
Run bench/setup.sh first to install nginx, HAProxy and wrk.
EOF
}

while [[ $# -gt 0 ]]; do
  opt=$1
  val=""
  if [[ $opt == --*=* ]]; then val=${opt#*=}; opt=${opt%%=*}; has_val=1; else has_val=0; fi
  case $opt in
    -h|--help) usage; exit 0 ;;
    --keep-tmp) KEEP_TMP=1; shift; continue ;;
    --duration|--rounds|--connections|--threads|--out|--proxies|--tidegate-home|--warmup|--jvm-warmup|--java-opts|--proxy-cpu|--load-cpu)
      if [[ $has_val -eq 1 ]]; then shift; else
        [[ $# -ge 2 ]] || die "$opt needs a value"
        val=$2; shift 2
      fi ;;
    *) usage >&2; die "unknown option: $opt" ;;
  esac
  case $opt in
    --duration) DURATION=$val ;;
    --rounds) ROUNDS=$val ;;
    --connections) CONNECTIONS=$val ;;
    --threads) THREADS=$val ;;
    --out) OUT=$(abspath "$val") ;;
    --proxies) PROXIES=$val ;;
    --tidegate-home) TIDEGATE_HOME=$(abspath "$val") ;;
    --warmup) WARMUP=$val ;;
    --jvm-warmup) JVM_WARMUP=$val ;;
    --java-opts) BENCH_JAVA_OPTS=$val ;;
    --proxy-cpu) PROXY_CPU=$val ;;
    --load-cpu) LOAD_CPU=$val ;;
  esac
done
: "${OUT:=$REPO_ROOT/docs/performance.md}"
: "${TIDEGATE_HOME:=$REPO_ROOT/distribution/target/tidegate}"

DURATION_S=$(dur_secs "$DURATION") || die "bad --duration: $DURATION"
WARMUP_S=$(dur_secs "$WARMUP") || die "bad --warmup: $WARMUP"
JVM_WARMUP_S=$(dur_secs "$JVM_WARMUP") || die "bad --jvm-warmup: $JVM_WARMUP"
[[ $DURATION_S -ge 1 ]] || die "--duration must be at least 1s"
for n in ROUNDS CONNECTIONS THREADS PROXY_CPU LOAD_CPU; do
  flag=${n,,}; flag=${flag//_/-}
  [[ ${!n} =~ ^[0-9]+$ ]] || die "--$flag must be a whole number: ${!n}"
done
[[ $ROUNDS -ge 1 ]] || die "--rounds must be at least 1"
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need --threads >= 1 and --connections >= --threads"
[[ $PROXY_CPU -ne $LOAD_CPU ]] || die "--proxy-cpu and --load-cpu must differ"

read -r -a PROXY_LIST <<<"$PROXIES"
[[ ${#PROXY_LIST[@]} -ge 1 ]] || die "--proxies is empty"
for p in "${PROXY_LIST[@]}"; do
  case $p in nginx|nginx-bare|haproxy|tidegate|tidegate-policies) ;; *) die "unknown proxy '$p' (known: $KNOWN_PROXIES)" ;; esac
done

# ------------------------------------------------------------ prerequisites ---
for tool in nginx wrk curl taskset setsid timeout awk sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run bench/setup.sh"
done
for cpu in "$PROXY_CPU" "$LOAD_CPU"; do
  taskset -c "$cpu" true 2>/dev/null || die "CPU $cpu is not available to this process (nproc=$(nproc)); the benchmark needs two CPUs"
done

for port in $UPSTREAM_PORT $NGINX_PORT $NGINX_BARE_PORT $HAPROXY_PORT $TIDEGATE_PORT $TIDEGATE_ADMIN_PORT $TIDEGATE_POL_PORT $TIDEGATE_POL_ADMIN_PORT; do
  if port_busy "$port"; then die "127.0.0.1:$port is already in use; stop whatever listens there (ss -ltnp) and retry"; fi
done

make_tmp tidegate-bench
install_traps

# --------------------------------------------------------------- configs ---
render() { # render TEMPLATE OUTPUT
  sed -e "s|@TMP@|$TMP|g" \
      -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
      -e "s|@NGINX_PORT@|$NGINX_PORT|g" \
      -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" \
      -e "s|@TIDEGATE_PORT@|$TIDEGATE_PORT|g" \
      -e "s|@TIDEGATE_ADMIN_PORT@|$TIDEGATE_ADMIN_PORT|g" \
      -e "s|@TIDEGATE_POL_PORT@|$TIDEGATE_POL_PORT|g" \
      -e "s|@TIDEGATE_POL_ADMIN_PORT@|$TIDEGATE_POL_ADMIN_PORT|g" \
      -e "s|@API_KEY_HEADER@|$API_KEY_HEADER|g" \
      -e "s|@API_KEY_SHA256@|$API_KEY_SHA256|g" \
      -e "s|@ROUTES_DIR@|$TMP/routes|g" \
      "$BENCH_DIR/conf/$1" >"$2"
}
API_KEY_SHA256=$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)
mkdir -p "$TMP/routes" "$TMP/wrk" "$TMP/doc" \
  "$TMP/nginx-upstream-temp" "$TMP/nginx-proxy-temp"
render nginx-upstream.conf "$TMP/nginx-upstream.conf"
render nginx-proxy.conf "$TMP/nginx-proxy.conf"
# nginx-bare: the same nginx without the forwarding headers, on its own port, pid and logs.
sed -e '/# forwarding-headers-begin/,/# forwarding-headers-end/d' \
    -e "s|127.0.0.1:$NGINX_PORT|127.0.0.1:$NGINX_BARE_PORT|" \
    -e "s|nginx-proxy.pid|nginx-bare.pid|; s|nginx-proxy.error.log|nginx-bare.error.log|" \
    -e "s|$TMP/nginx-proxy.d/|$TMP/nginx-bare.d/|" \
    "$TMP/nginx-proxy.conf" >"$TMP/nginx-bare.conf"
render haproxy.cfg "$TMP/haproxy.cfg"
render tidegate.yaml "$TMP/tidegate.yaml"
render tidegate-policies.yaml "$TMP/tidegate-policies.yaml"
render tidegate-routes-bench.yaml "$TMP/routes/bench.yaml"

port_of() {
  case $1 in
    nginx) echo $NGINX_PORT ;; nginx-bare) echo $NGINX_BARE_PORT ;; haproxy) echo $HAPROXY_PORT ;; tidegate) echo $TIDEGATE_PORT ;;
    tidegate-policies) echo $TIDEGATE_POL_PORT ;;
  esac
}
admin_port_of() {
  case $1 in tidegate) echo $TIDEGATE_ADMIN_PORT ;; tidegate-policies) echo $TIDEGATE_POL_ADMIN_PORT ;; esac
}
is_tidegate() { [[ $1 == tidegate || $1 == tidegate-policies ]]; }

declare -A SKIPPED=()   # proxy -> reason
FAILED_START=0
EXPECTED_BODY=$'hello, world\n'

# check_proxy NAME : one request through the proxy gives the upstream's body.
check_proxy() {
  local body
  body=$(curl -s --max-time 2 "${KEY_ARGS[@]}" "http://127.0.0.1:$(port_of "$1")/" 2>/dev/null; echo x) || true
  [[ ${body%x} == "$EXPECTED_BODY" ]]
}

# check_policies NAME : the policies are in force: no key and a wrong key get 401,
# the key gets 200. Prints what was wrong, if anything.
check_policies() {
  local url code_none code_wrong code_key
  url="http://127.0.0.1:$(port_of "$1")/"
  code_none=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
  code_wrong=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "$API_KEY_HEADER: not-$API_KEY" "$url" 2>/dev/null || true)
  code_key=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${KEY_ARGS[@]}" "$url" 2>/dev/null || true)
  log "$1 policy check: no key -> $code_none, wrong key -> $code_wrong, key -> $code_key (expected 401, 401, 200)"
  [[ $code_none == 401 && $code_wrong == 401 && $code_key == 200 ]]
}

# policy_counts NAME : "auth_allowed auth_denied rl_allowed rl_denied" from its admin /metrics
# (each summed over labels; -1 where the metric is absent).
policy_counts() {
  curl -s --max-time 5 "http://127.0.0.1:$(admin_port_of "$1")/metrics" 2>/dev/null | awk '
    BEGIN { aa = ad = ra = rd = -1 }
    function add(v, cur) { return (cur < 0 ? 0 : cur) + v }
    /^tidegate_auth_decisions_total\{/ && /policy="api-key"/ {
      if ($0 ~ /result="allowed"/) aa = add($NF, aa); else if ($0 ~ /result="denied"/) ad = add($NF, ad)
    }
    /^tidegate_ratelimit_decisions_total\{/ {
      if ($0 ~ /result="allowed"/) ra = add($NF, ra); else if ($0 ~ /result="denied"/) rd = add($NF, rd)
    }
    END { printf "%.0f %.0f %.0f %.0f\n", aa, ad, ra, rd }'
}

# ------------------------------------------------------------- upstream ---
LOAD_AVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "temp dir $TMP; proxies on CPU $PROXY_CPU, wrk + upstream on CPU $LOAD_CPU; load average $LOAD_AVG_START"
nginx -t -q -p "$TMP" -c "$TMP/nginx-upstream.conf" 2>"$TMP/nginx-upstream.check" \
  || { cat "$TMP/nginx-upstream.check" >&2; die "upstream nginx config rejected"; }
start upstream "$LOAD_CPU" "$TMP/nginx-upstream.log" nginx -p "$TMP" -c "$TMP/nginx-upstream.conf"
if ! wait_http upstream "http://127.0.0.1:$UPSTREAM_PORT/" "$READY_TIMEOUT_OTHER"; then
  cat "$TMP/nginx-upstream.log" "$TMP/nginx-upstream.error.log" 2>/dev/null >&2 || true
  die "upstream nginx did not answer on 127.0.0.1:$UPSTREAM_PORT"
fi
log "upstream nginx ready on 127.0.0.1:$UPSTREAM_PORT (pid ${PGID[upstream]})"

# --------------------------------------------------------------- proxies ---
start_proxy() {
  local p=$1 url
  url="http://127.0.0.1:$(port_of "$p")/"
  case $p in
    nginx|nginx-bare)
      local conf=nginx-proxy
      [[ $p == nginx-bare ]] && conf=nginx-bare
      if ! nginx -t -q -p "$TMP" -c "$TMP/$conf.conf" 2>"$TMP/$conf.check"; then
        cat "$TMP/$conf.check" >&2
        SKIPPED[$p]="its config was rejected (nginx -t)"; FAILED_START=1; return
      fi
      start "$p" "$PROXY_CPU" "$TMP/$conf.log" nginx -p "$TMP" -c "$TMP/$conf.conf"
      rc=0; wait_http "$p" "$url" "$READY_TIMEOUT_OTHER" || rc=$?
      case $rc in
        0) ;;
        2) SKIPPED[$p]="exited during start-up (see its log above)"; FAILED_START=1 ;;
        *) SKIPPED[$p]="did not answer 200 on $url within ${READY_TIMEOUT_OTHER}s"; FAILED_START=1 ;;
      esac
      ;;
    haproxy)
      if ! command -v haproxy >/dev/null 2>&1; then
        SKIPPED[$p]="haproxy is not installed (run bench/setup.sh)"; return
      fi
      if ! haproxy -c -q -f "$TMP/haproxy.cfg" >"$TMP/haproxy.check" 2>&1; then
        cat "$TMP/haproxy.check" >&2
        SKIPPED[$p]="its config was rejected (haproxy -c)"; FAILED_START=1; return
      fi
      # -db: stay in the foreground, one process, so the pid is the proxy.
      start haproxy "$PROXY_CPU" "$TMP/haproxy.log" haproxy -db -f "$TMP/haproxy.cfg"
      rc=0; wait_http haproxy "$url" "$READY_TIMEOUT_OTHER" || rc=$?
      case $rc in
        0) ;;
        2) SKIPPED[$p]="exited during start-up (see its log above)"; FAILED_START=1 ;;
        *) SKIPPED[$p]="did not answer 200 on $url within ${READY_TIMEOUT_OTHER}s"; FAILED_START=1 ;;
      esac
      ;;
    tidegate|tidegate-policies)
      # Both run the same install tree, each with its own tidegate.yaml, port and admin port.
      if [[ ! -x $TIDEGATE_HOME/bin/tidegate ]]; then
        SKIPPED[$p]="not built: no executable $(show_path "$TIDEGATE_HOME/bin/tidegate") (build it with \`mvn -q -DskipTests package\`)"
        return
      fi
      if [[ $p == tidegate-policies ]]; then
        local jar missing=""
        for jar in policy-auth policy-ratelimit; do
          compgen -G "$TIDEGATE_HOME/plugins/tidegate-$jar-*.jar" >/dev/null || missing+=" tidegate-$jar-*.jar"
        done
        if [[ -n $missing ]]; then
          SKIPPED[$p]="not built: missing in $(show_path "$TIDEGATE_HOME/plugins"):$missing"
          return
        fi
      fi
      local admin="http://127.0.0.1:$(admin_port_of "$p")/ready"
      start_env "$p" "$PROXY_CPU" "$TMP/$p.log" "JAVA_OPTS=$BENCH_JAVA_OPTS" \
        "$TIDEGATE_HOME/bin/tidegate" run -c "$TMP/$p.yaml"
      rc=0; wait_http "$p" "$admin" "$READY_TIMEOUT_TIDEGATE" || rc=$?
      if [[ $rc -eq 0 ]]; then
        wait_http "$p" "$url" 15 || rc=$((rc + 10 + $?))
      fi
      case $rc in
        0) ;;
        2|12) SKIPPED[$p]="exited during start-up (see its log above)"; FAILED_START=1 ;;
        1) SKIPPED[$p]="did not report ready on $admin within ${READY_TIMEOUT_TIDEGATE}s"; FAILED_START=1 ;;
        *) SKIPPED[$p]="ready, but $url did not answer 200 within 15s"; FAILED_START=1 ;;
      esac
      ;;
  esac
  if [[ -z ${SKIPPED[$p]:-} ]] && ! check_proxy "$p"; then
    SKIPPED[$p]="answered, but not with the upstream's body"
    FAILED_START=1
  fi
  if [[ -z ${SKIPPED[$p]:-} && $p == tidegate-policies ]] && ! check_policies "$p"; then
    SKIPPED[$p]="the policies are not in force: a request without the API key did not get 401, or one with it did not get 200"
    FAILED_START=1
  fi
  if [[ -n ${SKIPPED[$p]:-} ]]; then
    log "SKIPPING $p: ${SKIPPED[$p]}"
    if [[ $p == nginx ]]; then logs=("$TMP/nginx-proxy.log" "$TMP/nginx-proxy.error.log")
    elif [[ $p == nginx-bare ]]; then logs=("$TMP/nginx-bare.log" "$TMP/nginx-bare.error.log")
    else logs=("$TMP/$p.log"); fi
    for f in "${logs[@]}"; do
      if [[ -s $f ]]; then echo "---- last lines of $f" >&2; tail -n 30 "$f" >&2; fi
    done
    stop "$p"
  else
    log "$p ready on 127.0.0.1:$(port_of "$p") (pid ${PGID[$p]})"
  fi
}

ACTIVE=()
for p in "${PROXY_LIST[@]}"; do
  start_proxy "$p"
  [[ -n ${SKIPPED[$p]:-} ]] || ACTIVE+=("$p")
done

# ------------------------------------------------------------------- wrk ---
# run_wrk PROXY DURATION OUTFILE
run_wrk() {
  local p=$1 d=$2 out=$3 rc=0
  run_load "$(dur_secs "$d")" "$out" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$d" --latency -H "$API_KEY_HEADER: $API_KEY" \
    "http://127.0.0.1:$(port_of "$p")/" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "run.sh: wrk against $p exited with status $rc:" >&2
    cat "$out" >&2
    return 1
  fi
}

if [[ ${#ACTIVE[@]} -eq 0 ]]; then
  log "no proxy to measure"
else
  # Warm-up: unmeasured, same load shape; longer for the JVM.
  for p in "${ACTIVE[@]}"; do
    if is_tidegate "$p"; then w=$JVM_WARMUP; ws=$JVM_WARMUP_S; else w=$WARMUP; ws=$WARMUP_S; fi
    [[ $ws -gt 0 ]] || continue
    log "warm-up $p for $w"
    run_wrk "$p" "$w" "$TMP/wrk/warmup-$p.txt" || die "warm-up of $p failed"
    read -r _ _ _ wsock wnon < <(parse_wrk "$TMP/wrk/warmup-$p.txt")
    if [[ $wsock -ne 0 || $wnon -ne 0 ]]; then
      log "WARNING warm-up $p: $wsock socket errors, $wnon non-2xx/3xx responses"
    fi
  done
fi
# Policy decisions before the rounds, to count those the rounds made.
declare -A POL0=()
for p in "${ACTIVE[@]}"; do
  if [[ $p == tidegate-policies ]]; then POL0[$p]=$(policy_counts "$p"); fi
done

# Rounds: every proxy once per round, the order rotated each round so that no
# proxy always runs first (or right after the same neighbour).
RESULTS=$TMP/results.tsv
: >"$RESULTS"
n=${#ACTIVE[@]}
for ((r = 1; r <= ROUNDS && n > 0; r++)); do
  for ((k = 0; k < n; k++)); do
    p=${ACTIVE[$(((k + r - 1) % n))]}
    alive "$p" || die "$p exited during the run; see its log (rerun with --keep-tmp)"
    out="$TMP/wrk/round$r-$p.txt"
    measure_begin "${PGID[$p]}"
    run_wrk "$p" "$DURATION" "$out" || die "measured round $r of $p failed"
    read -r req rps p99 sock non2xx < <(parse_wrk "$out")
    measure_end "${PGID[$p]}" "$req"
    line=$(printf '%d\t%s\t%d\t%.1f\t%.3f\t%.2f\t%.0f\t%.0f\t%.0f\t%d\t%d' \
      "$r" "$p" "$req" "$rps" "$p99" "$M_CPU_US" "$M_UTIL" "$M_PBUSY" "$M_LBUSY" "$sock" "$non2xx")
    printf '%s\n' "$line" >>"$RESULTS"
    IFS=$'\t' read -r _ _ _ _ _ us util _ _ _ _ <<<"$line"
    log "round $r/$ROUNDS $p: $(printf '%.0f' "$rps") req/s, p99 ${p99} ms, ${us} CPU-us/req, proxy CPU ${util}%"
    if [[ $sock -ne 0 || $non2xx -ne 0 || $req -eq 0 ]]; then
      log "WARNING round $r $p: $req requests, $sock socket errors, $non2xx non-2xx/3xx responses"
      grep -E 'Socket errors|Non-2xx' "$out" || true
    fi
  done
done

# Policies: every measured request of tidegate-policies must have been allowed
# by both policies (a denied request is cheaper and would flatter the figure).
POLICY_CHECK=""   # empty: fine or not measured; otherwise why the policy figure is not valid
POLICY_NOTE=""    # what the policies' own counters say about the rounds
if [[ -n ${POL0[tidegate-policies]:-} ]]; then
  read -r aa0 ad0 ra0 rd0 <<<"${POL0[tidegate-policies]}"
  read -r aa1 ad1 ra1 rd1 < <(policy_counts tidegate-policies)
  pol_req=$(awk -F'\t' '$2 == "tidegate-policies" { s += $3 } END { print s + 0 }' "$RESULTS")
  pol_bad=$(awk -F'\t' '$2 == "tidegate-policies" { s += $10 + $11 } END { print s + 0 }' "$RESULTS")
  if [[ $aa0 -lt 0 || $aa1 -lt 0 || $ra0 -lt 0 || $ra1 -lt 0 ]]; then
    POLICY_NOTE="the policies' decision counters were not found at http://127.0.0.1:$TIDEGATE_POL_ADMIN_PORT/metrics"
  else
    d_aa=$((aa1 - aa0)); d_ad=$(( (ad1 < 0 ? 0 : ad1) - (ad0 < 0 ? 0 : ad0) ))
    d_ra=$((ra1 - ra0)); d_rd=$(( (rd1 < 0 ? 0 : rd1) - (rd0 < 0 ? 0 : rd0) ))
    POLICY_NOTE="during the rounds wrk completed $pol_req requests to tidegate-policies; api-key decided $d_aa allowed / $d_ad denied, rate-limit $d_ra allowed / $d_rd denied (from its /metrics)"
    if [[ $d_ad -ne 0 || $d_rd -ne 0 ]]; then
      POLICY_CHECK="the policies denied requests during the rounds (api-key $d_ad, rate-limit $d_rd)"
    elif awk -v a="$d_aa" -v r="$d_ra" -v n="$pol_req" 'BEGIN { exit !(a < n || r < n) }'; then
      POLICY_CHECK="the policies decided fewer requests ($d_aa, $d_ra) than wrk completed ($pol_req)"
    fi
  fi
  if [[ $pol_bad -ne 0 ]]; then
    POLICY_CHECK="${POLICY_CHECK:+$POLICY_CHECK; }wrk saw $pol_bad socket errors or non-2xx/3xx responses (401/429) from tidegate-policies"
  fi
  log "tidegate-policies: $POLICY_NOTE"
  [[ -z $POLICY_CHECK ]] || log "WARNING tidegate-policies: $POLICY_CHECK; the policy-cost target is not judged"
fi

# --------------------------------------------------------------- summary ---
col() { awk -F'\t' -v p="$1" -v c="$2" '$2 == p { print $c }' "$RESULTS"; }

declare -A MED_RPS=() MED_P99=() MED_CPU=() MED_UTIL=() ERRS=()
for p in "${ACTIVE[@]}"; do
  MED_RPS[$p]=$(col "$p" 4 | median)
  MED_P99[$p]=$(col "$p" 5 | median)
  MED_CPU[$p]=$(col "$p" 6 | median)
  MED_UTIL[$p]=$(col "$p" 7 | median)
  ERRS[$p]=$(awk -F'\t' -v p="$p" '$2 == p { s += $10 + $11 } END { print s + 0 }' "$RESULTS")
done

HAVE_NGINX=0
[[ -n ${MED_RPS[nginx]:-} ]] && HAVE_NGINX=1

TABLE=$TMP/doc/RESULTS
{
  echo "| proxy | req/s | p99 (ms) | CPU-µs / request | proxy CPU use | req/s ÷ nginx | p99 ÷ nginx | CPU/req ÷ nginx | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for p in "${PROXY_LIST[@]}"; do
    if [[ -n ${SKIPPED[$p]:-} ]]; then
      echo "| $p | – | – | – | – | – | – | – | not measured: ${SKIPPED[$p]} |"
      continue
    fi
    if [[ $HAVE_NGINX -eq 1 ]]; then
      rr=$(ratio "${MED_RPS[$p]}" "${MED_RPS[nginx]}")
      pr=$(ratio "${MED_P99[$p]}" "${MED_P99[nginx]}")
      cr=$(ratio "${MED_CPU[$p]}" "${MED_CPU[nginx]}")
    else
      rr=n/a; pr=n/a; cr=n/a
    fi
    printf '| %s | %.0f | %.2f | %.1f | %.0f%% | %s | %s | %s | %s |\n' "$p" \
      "${MED_RPS[$p]}" "${MED_P99[$p]}" "${MED_CPU[$p]}" "${MED_UTIL[$p]}" "$rr" "$pr" "$cr" "${ERRS[$p]}"
  done
} >"$TABLE"

{
  echo "| round | proxy | requests | req/s | p99 (ms) | CPU-µs / request | proxy CPU use | CPU $PROXY_CPU busy (all processes) | CPU $LOAD_CPU busy (wrk + upstream + others) | socket errors | non-2xx/3xx |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %.0f | %.2f | %.1f | %s%% | %s%% | %s%% | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$RESULTS"
} >"$TMP/doc/ROUNDS"

# Targets.
TARGET_STATUS=""
ENGINE_STATUS="PENDING"
{
  echo "| target | measured | result |"
  echo "|---|---|---|"
  if [[ -n ${SKIPPED[tidegate]:-} ]]; then
    TARGET_STATUS="PENDING"
    echo "| CPU per request ≤ 2× nginx (kernel issue) | – | PENDING: Tidegate ${SKIPPED[tidegate]} |"
  elif [[ -z ${MED_CPU[tidegate]:-} ]]; then
    TARGET_STATUS="PENDING"
    echo "| CPU per request ≤ 2× nginx (kernel issue) | – | PENDING: Tidegate was not in --proxies |"
  elif [[ $HAVE_NGINX -eq 0 ]]; then
    TARGET_STATUS="PENDING"
    echo "| CPU per request ≤ 2× nginx (kernel issue) | $(printf '%.1f' "${MED_CPU[tidegate]}") µs | PENDING: nginx was not measured, so there is no baseline |"
  else
    cr=$(ratio "${MED_CPU[tidegate]}" "${MED_CPU[nginx]}")
    if awk -v r="$cr" 'BEGIN { exit !(r != "n/a" && r + 0 <= 2.0) }'; then TARGET_STATUS="PASS"; else TARGET_STATUS="FAIL"; fi
    printf '| CPU per request ≤ 2× nginx (kernel issue) | %.1f µs vs %.1f µs = %s× | **%s** |\n' \
      "${MED_CPU[tidegate]}" "${MED_CPU[nginx]}" "$cr" "$TARGET_STATUS"
    if awk -v r="$cr" -v t="$ENGINE_CPU_TARGET" 'BEGIN { exit !(r != "n/a" && r + 0 <= t + 0) }'; then
      ENGINE_STATUS="PASS"; else ENGINE_STATUS="FAIL"; fi
    printf '| CPU per request ≤ %s× nginx (production engine issue) | %.1f µs vs %.1f µs = %s× | **%s** |\n' \
      "$ENGINE_CPU_TARGET" "${MED_CPU[tidegate]}" "${MED_CPU[nginx]}" "$cr" "$ENGINE_STATUS"
    if [[ -n ${MED_CPU[nginx-bare]:-} ]]; then
      printf '| (for reference, not a target) against nginx without the forwarding headers | %.1f µs vs %.1f µs = %s× | – |\n' \
        "${MED_CPU[tidegate]}" "${MED_CPU[nginx-bare]}" "$(ratio "${MED_CPU[tidegate]}" "${MED_CPU[nginx-bare]}")"
    fi
  fi
  # Policy cost: tidegate-policies against tidegate, same install tree, same run.
  T2="API-key auth + local rate limit ≤ ${POLICY_COST_TARGET}× the CPU per request of no policy (policy issue)"
  if [[ -n ${SKIPPED[tidegate-policies]:-} ]]; then
    POLICY_STATUS="PENDING"
    echo "| $T2 | – | PENDING: tidegate-policies ${SKIPPED[tidegate-policies]} |"
  elif [[ -z ${MED_CPU[tidegate-policies]:-} ]]; then
    POLICY_STATUS="PENDING"
    echo "| $T2 | – | PENDING: tidegate-policies was not in --proxies |"
  elif [[ -n ${SKIPPED[tidegate]:-} || -z ${MED_CPU[tidegate]:-} ]]; then
    POLICY_STATUS="PENDING"
    printf '| %s | %.1f µs | PENDING: tidegate (no policy) was not measured, so there is no baseline |\n' "$T2" "${MED_CPU[tidegate-policies]}"
  else
    pc=$(ratio "${MED_CPU[tidegate-policies]}" "${MED_CPU[tidegate]}")
    prr=$(ratio "${MED_RPS[tidegate-policies]}" "${MED_RPS[tidegate]}")
    if [[ -n $POLICY_CHECK ]]; then
      POLICY_STATUS="NOT JUDGED"
    elif awk -v r="$pc" -v t="$POLICY_COST_TARGET" 'BEGIN { exit !(r != "n/a" && r + 0 <= t + 0) }'; then
      POLICY_STATUS="PASS"
    else
      POLICY_STATUS="FAIL"
    fi
    printf '| %s | %.1f µs vs %.1f µs = %s× (req/s %s×) | **%s**%s |\n' "$T2" \
      "${MED_CPU[tidegate-policies]}" "${MED_CPU[tidegate]}" "$pc" "$prr" "$POLICY_STATUS" \
      "${POLICY_CHECK:+: $POLICY_CHECK}"
  fi
} >"$TMP/doc/TARGETS"

# ----------------------------------------------------------------- report ---
machine_table "" >"$TMP/doc/MACHINE"

command_line "$0" "${ORIG_ARGS[@]}" >"$TMP/doc/COMMAND"

{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- proxies measured: ${ACTIVE[*]:-none}"
  for p in "${PROXY_LIST[@]}"; do
    [[ -z ${SKIPPED[$p]:-} ]] || echo "- **$p not measured**: ${SKIPPED[$p]}. Its figures are pending; rerun the command below once it runs."
  done
  [[ " ${PROXY_LIST[*]} " == *" tidegate "* ]] || echo "- **tidegate not measured**: it was not in --proxies."
  echo "- target (Tidegate CPU per request ≤ 2× nginx): **$TARGET_STATUS**"
  echo "- target (Tidegate CPU per request ≤ ${ENGINE_CPU_TARGET}× nginx, production engine issue): **$ENGINE_STATUS**"
  echo "- target (API-key auth + local rate limit ≤ ${POLICY_COST_TARGET}× Tidegate's CPU per request without policies): **$POLICY_STATUS**"
  [[ -z $POLICY_NOTE ]] || echo "- policies: $POLICY_NOTE"
} >"$TMP/doc/SUMMARY"

{
  echo "- proxies pinned to CPU $PROXY_CPU (\`taskset -c $PROXY_CPU\`); wrk and the upstream nginx pinned to CPU $LOAD_CPU"
  echo "- load: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H '$API_KEY_HEADER: $API_KEY' http://127.0.0.1:PORT/\`, a keep-alive GET of a 13-byte body; every proxy gets the same request, key header included"
  echo "- $ROUNDS interleaved round(s) of $DURATION per proxy, the order rotated each round; figures are medians over rounds"
  echo "- unmeasured warm-up before the rounds: $JVM_WARMUP for each Tidegate (JIT), $WARMUP for nginx and HAProxy"
  echo "- Tidegate JAVA_OPTS (both variants): \`$BENCH_JAVA_OPTS\`"
} >"$TMP/doc/PARAMETERS"

# Only the keep-alive region is this run's; bench/scenario.sh's sections are kept.
write_doc "$OUT" keepalive

echo
echo "Medians over $ROUNDS round(s) of $DURATION, wrk -t$THREADS -c$CONNECTIONS, proxies on CPU $PROXY_CPU:"
cat "$TABLE"
echo
cat "$TMP/doc/TARGETS"
echo
log "wrote $OUT"
if [[ $FAILED_START -ne 0 ]]; then
  log "a proxy that is installed failed to start; see the messages above"
  exit 1
fi
if [[ -n $POLICY_CHECK ]]; then
  log "tidegate-policies did not serve every request allowed: $POLICY_CHECK"
  exit 1
fi
