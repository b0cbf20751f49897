# Shared machinery of bench/run.sh and bench/scenario.sh (sourced, not run).
#
# The sourcing script sets, before calling anything here:
#   SCRIPT     its name for messages ("run.sh")
#   BENCH_DIR  REPO_ROOT  ORIG_PWD
#   KEEP_TMP   1 to keep $TMP on exit
#   PROXY_CPU  LOAD_CPU
# and, once it has made it, TMP (the temporary directory; see make_tmp).
# Everything here is plain bash + awk + coreutils: no python.

PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# Sent by every load generator (and the curl checks) to every proxy in run.sh, so
# that all of them get the same request bytes; only tidegate-policies checks it.
API_KEY_HEADER=X-API-Key
API_KEY=tidegate-bench-key
KEY_ARGS=(-H "$API_KEY_HEADER: $API_KEY")

die() { echo "$SCRIPT: $*" >&2; exit 2; }

abspath() { # resolve $1 against the current directory
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ORIG_PWD/$1" ;; esac
}

# Seconds in a wrk time argument (N, Ns, Nm, Nh).
dur_secs() {
  local d=$1
  case $d in
    *[!0-9smh]*|"") return 1 ;;
  esac
  case $d in
    *s) d=${d%s}; [[ $d =~ ^[0-9]+$ ]] || return 1; echo "$d" ;;
    *m) d=${d%m}; [[ $d =~ ^[0-9]+$ ]] || return 1; echo $((d * 60)) ;;
    *h) d=${d%h}; [[ $d =~ ^[0-9]+$ ]] || return 1; echo $((d * 3600)) ;;
    *)  [[ $d =~ ^[0-9]+$ ]] || return 1; echo "$d" ;;
  esac
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

now() { date +%s.%N; }

show_path() { # a path under the repository, shown relative to it
  case $1 in "$REPO_ROOT"/*) printf '%s\n' "${1#"$REPO_ROOT"/}" ;; *) printf '%s\n' "$1" ;; esac
}

first_line() { "$@" 2>&1 | head -n 1 || true; }

# --------------------------------------------------- process management ---
declare -A PGID=()     # name -> process-group id (= pid of the started process)
LOAD_PID=""            # the running load generator, if any
BG_PIDS=()             # helper processes of the script itself (samplers), killed on exit

make_tmp() { # make_tmp PREFIX : creates and sets TMP
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$TMP"   # nginx workers may run as nobody
}

cleanup() {
  local rc=$? name pg i
  trap - EXIT INT TERM
  if [[ -n $LOAD_PID ]]; then kill -TERM "$LOAD_PID" 2>/dev/null || true; fi
  for i in "${BG_PIDS[@]}"; do kill -TERM "$i" 2>/dev/null || true; done
  for name in "${!PGID[@]}"; do
    kill -TERM -- "-${PGID[$name]}" 2>/dev/null || true
  done
  for name in "${!PGID[@]}"; do
    pg=${PGID[$name]}
    for ((i = 0; i < 50; i++)); do
      kill -0 -- "-$pg" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 -- "-$pg" 2>/dev/null; then
      echo "$SCRIPT: $name did not stop on TERM; killing it" >&2
      kill -KILL -- "-$pg" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  if [[ -n ${TMP:-} ]]; then
    if [[ $KEEP_TMP -eq 1 ]]; then
      echo "$SCRIPT: kept $TMP"
    else
      rm -rf "$TMP"
    fi
  fi
  exit "$rc"
}

install_traps() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# start NAME CPU LOG CMD... : runs CMD pinned to CPU in its own session/process group.
start() {
  local name=$1 cpu=$2 log=$3
  shift 3
  setsid taskset -c "$cpu" "$@" >"$log" 2>&1 </dev/null &
  PGID[$name]=$!
}

# start_env NAME CPU LOG VAR=VALUE CMD... : same, with one environment variable.
start_env() {
  local name=$1 cpu=$2 log=$3 kv=$4
  shift 4
  env "$kv" setsid taskset -c "$cpu" "$@" >"$log" 2>&1 </dev/null &
  PGID[$name]=$!
}

alive() { kill -0 "${PGID[$1]}" 2>/dev/null; }

# stop NAME : TERM its process group, KILL it if it still runs after 5 s, wait until
# it is gone (its ports free again), forget it.
stop() {
  local pg=${PGID[$1]:-} i
  [[ -n $pg ]] || return 0
  kill -TERM -- "-$pg" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pg" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
  wait "$pg" 2>/dev/null || true
  unset "PGID[$1]"
}

# wait_http NAME URL TIMEOUT [CURL_ARGS...] : until URL answers 200 (asked with the API
# key), while NAME's process lives. 0 ready, 1 timed out, 2 the process exited.
wait_http() {
  local name=$1 url=$2 timeout=$3 deadline code
  shift 3
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    alive "$name" || return 2
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${KEY_ARGS[@]}" "$@" "$url" 2>/dev/null || true)
    [[ $code == 200 ]] && return 0
    sleep 0.2
  done
  return 1
}

# run_load SECS OUT CMD... : runs the load generator CMD pinned to LOAD_CPU, bounded by
# SECS + 30 s, output to OUT. Returns its status.
run_load() {
  local secs=$1 out=$2 rc=0
  shift 2
  timeout --kill-after=5 $((secs + 30)) taskset -c "$LOAD_CPU" "$@" >"$out" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  return "$rc"
}

# -------------------------------------------------------- accounting ---
# The pids of a process and all its live descendants, one a line.
tree_pids() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    {
      line = $0; cut = 0
      for (i = length(line); i > 0; i--) if (substr(line, i, 1) == ")") { cut = i; break }
      split(substr(line, cut + 2), f, " ")
      ppid[$1] = f[2]
    }
    END {
      in_tree[root] = 1
      do {
        changed = 0
        for (p in ppid) if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; changed = 1 }
      } while (changed)
      for (p in in_tree) if (p in ppid) print p
    }'
}

# CPU ticks (utime+stime, plus cutime+cstime of reaped children) of a process and
# all its live descendants: nginx master + worker, haproxy, the Tidegate launcher + JVM.
tree_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    {
      # comm (field 2) may hold spaces or parentheses: cut after the last ")".
      line = $0; cut = 0
      for (i = length(line); i > 0; i--) if (substr(line, i, 1) == ")") { cut = i; break }
      pid = $1
      n = split(substr(line, cut + 2), f, " ")
      ppid[pid] = f[2]
      ticks[pid] = f[12] + f[13] + f[14] + f[15]
    }
    END {
      in_tree[root] = 1
      do {
        changed = 0
        for (p in ppid) if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; changed = 1 }
      } while (changed)
      total = 0
      for (p in in_tree) if (p in ticks) total += ticks[p]
      printf "%d\n", total
    }'
}

# Resident memory (VmRSS, KiB) of a process and its live descendants, summed
# (nginx: master + worker; HAProxy and the Tidegate JVM: one process).
tree_rss_kib() {
  local pid total=0 v
  for pid in $(tree_pids "$1"); do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# busy and total jiffies of one CPU from /proc/stat: "busy total"
cpu_jiffies() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# measure_begin PGID / measure_end PGID REQUESTS : the CPU accounting around one measured
# run. measure_end sets M_CPU_US (CPU-µs per request of the process tree, -1 without
# requests), M_UTIL (% of the wall time), M_PBUSY and M_LBUSY (% busy of the proxy and
# load CPUs, all processes) and M_WALL (s).
measure_begin() {
  read -r M_PB0 M_PT0 < <(cpu_jiffies "$PROXY_CPU")
  read -r M_LB0 M_LT0 < <(cpu_jiffies "$LOAD_CPU")
  M_C0=$(tree_ticks "$1")
  M_T0=$(now)
}
measure_end() {
  local t1 c1 pb1 pt1 lb1 lt1
  t1=$(now)
  c1=$(tree_ticks "$1")
  read -r pb1 pt1 < <(cpu_jiffies "$PROXY_CPU")
  read -r lb1 lt1 < <(cpu_jiffies "$LOAD_CPU")
  read -r M_CPU_US M_UTIL M_PBUSY M_LBUSY M_WALL < <(awk -v req="$2" \
    -v c0="$M_C0" -v c1="$c1" -v hz="$CLK_TCK" -v t0="$M_T0" -v t1="$t1" \
    -v pb0="$M_PB0" -v pt0="$M_PT0" -v pb1="$pb1" -v pt1="$pt1" \
    -v lb0="$M_LB0" -v lt0="$M_LT0" -v lb1="$lb1" -v lt1="$lt1" 'BEGIN {
      cpu_s = (c1 - c0) / hz
      us = (req > 0) ? cpu_s * 1e6 / req : -1
      wall = t1 - t0
      util = (wall > 0) ? 100 * cpu_s / wall : 0
      pbusy = (pt1 > pt0) ? 100 * (pb1 - pb0) / (pt1 - pt0) : 0
      lbusy = (lt1 > lt0) ? 100 * (lb1 - lb0) / (lt1 - lt0) : 0
      printf "%.2f %.0f %.0f %.0f %.3f\n", us, util, pbusy, lbusy, wall
    }')
}
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------- load reports ---
# Fields of a wrk --latency report: "requests rps p99_ms socket_errors non2xx"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /h$/)  return substr(v, 1, length(v) - 1) * 3600000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return -1
    }
    / requests in /          { req = $1 }
    /^Requests\/sec:/        { rps = $2 }
    /^ +99%/                 { p99 = ms($2) }
    /Socket errors:/         { gsub(",", ""); sock = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx/         { non2xx = $NF }
    END { printf "%d %s %.3f %d %d\n", req, (rps == "" ? 0 : rps), (p99 == "" ? -1 : p99), sock, non2xx }
  ' "$1"
}

# wrk's "Transfer/sec" in MiB/s.
parse_wrk_mibps() {
  awk '/^Transfer\/sec:/ {
      v = $2; m = 1 / 1048576
      if (v ~ /GB$/) m = 1024; else if (v ~ /MB$/) m = 1; else if (v ~ /KB$/) m = 1 / 1024
      sub(/[KMG]?B$/, "", v); printf "%.1f\n", v * m; found = 1 }
    END { if (!found) print 0 }' "$1"
}

# Fields of an h2load report: "succeeded rps failed errored non2xx protocol"
# (succeeded = requests answered 2xx/3xx, h2load's "succeeded" minus status failures).
parse_h2load() {
  awk '
    /^finished in / { rps = $4; sub(",", "", rps) }
    /^requests: / { ok = $10; failed = $12; errored = $14 }
    /^status codes: / { gsub(",", ""); c2 = $3; c3 = $5; c4 = $7; c5 = $9 }
    /^Application protocol: / { proto = $3 }
    END {
      if (proto == "") proto = "?"
      printf "%d %s %d %d %d %s\n", c2 + c3, (rps == "" ? 0 : rps), failed, errored, c4 + c5, proto
    }' "$1"
}

# Latency percentiles of an h2load --log-file (start µs, status, duration µs, tab
# separated): "count ok p50_ms p99_ms p999_ms max_ms", nearest rank on the sorted
# durations (ok = 2xx/3xx). Only sort and awk.
log_percentiles() {
  awk -F'\t' '{ print $3 "\t" $2 }' "$1" | sort -n -k1,1 | awk -F'\t' '
    { d[NR] = $1; if ($2 >= 200 && $2 < 400) ok++ }
    function rank(q,   i) { i = int(q * NR); if (i < q * NR) i++; if (i < 1) i = 1; return d[i] / 1000 }
    END {
      if (NR == 0) { print "0 0 -1 -1 -1 -1"; exit }
      printf "%d %d %.3f %.3f %.3f %.3f\n", NR, ok, rank(0.5), rank(0.99), rank(0.999), d[NR] / 1000
    }'
}

# --------------------------------------------------------------- maths ---
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ratio() { # ratio A B -> "1.23" or "n/a"
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || a == "" || b + 0 <= 0 || a + 0 < 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# le A B / ge A B : numeric comparisons for targets ("n/a" is never true).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a != "" && a + 0 <= b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a != "" && a + 0 >= b + 0) }'; }

# ----------------------------------------------------------------- report ---
# machine_table EXTRA_ROWS : the MACHINE section (EXTRA_ROWS: more "| name | value |" lines,
# after wrk's).
machine_table() {
  local java_bin=java rev
  [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME:-}/bin/java ]] && java_bin=$JAVA_HOME/bin/java
  rev=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  # Changes to the harness or this report do not change what is measured.
  if [[ -n $(git -C "$REPO_ROOT" status --porcelain -- . ':(exclude)bench' ':(exclude)docs/performance.md' 2>/dev/null | head -n 1) ]]; then
    rev="$rev (with uncommitted changes outside bench/)"
  fi
  echo "| | |"
  echo "|---|---|"
  echo "| CPUs (nproc) | $(nproc) |"
  echo "| CPU model | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
  echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
  echo "| OS | $( (. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}") || echo unknown) |"
  echo "| kernel | $(uname -srm) |"
  echo "| java | $(first_line "$java_bin" -version) |"
  echo "| nginx | $(first_line nginx -v) |"
  echo "| haproxy | $(first_line haproxy -v) |"
  echo "| wrk | $(first_line wrk -v) |"
  [[ -z ${1:-} ]] || printf '%s\n' "$1"
  echo "| repository | $rev |"
  echo "| load average (1/5/15 min) at start / end | $LOAD_AVG_START / $(cut -d' ' -f1-3 /proc/loadavg) |"
}

# The command line that was run, as the report shows it: "bench/NAME ARGS" from the
# repository root, else with a cd.
command_line() { # command_line SCRIPT_PATH ARGS...
  local cmd a
  if [[ "$ORIG_PWD" == "$REPO_ROOT" ]]; then
    cmd="bench/${1##*/}"
  else
    cmd="cd $(printf '%q' "$ORIG_PWD") && $(printf '%q' "$1")"
  fi
  shift
  for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
  printf '%s\n' "$cmd"
}

# render_doc TEMPLATE DOC_DIR PREVIOUS OWNED : the report.
#
# The template is prose with "@@NAME@@" lines, each replaced by the file DOC_DIR/NAME,
# grouped in regions:
#   <!-- region NAME -->  ...  <!-- /region NAME -->
# A region this run owns (OWNED: space-separated names) is rendered from the template
# and this run's DOC_DIR. Any other region is copied from PREVIOUS (the report as it
# was) so that one scenario's run keeps the others' figures; a region PREVIOUS lacks
# is one line saying it has not been run yet. Text outside regions is always the
# template's.
render_doc() {
  local template=$1 dir=$2 previous=$3 owned=$4
  [[ -f $previous ]] || previous=/dev/null
  awk -v dir="$dir" -v owned=" $owned " -v prev="$previous" '
    function region_start(l) { return match(l, /^<!-- region [a-z0-9-]+ -->$/) ? substr(l, 13, length(l) - 16) : "" }
    BEGIN {
      while ((getline l < prev) > 0) {
        if (cur == "") {
          cur = region_start(l)
          if (cur != "") { old[cur] = ""; have[cur] = 1 }
        } else if (l == "<!-- /region " cur " -->") {
          cur = ""
        } else {
          old[cur] = old[cur] l "\n"
        }
      }
      close(prev)
      cur = ""
    }
    function placeholder(l,   name, file, found, x) {
      name = substr(l, 3, length(l) - 4)
      file = dir "/" name
      found = 0
      while ((getline x < file) > 0) { print x; found = 1 }
      close(file)
      if (!found) print "(" name ": not produced by this run)"
    }
    {
      if (cur == "") {
        r = region_start($0)
        if (r != "") {
          cur = r
          print
          if (index(owned, " " cur " ") == 0) {
            if (cur in have) printf "%s", old[cur]
            else print "Not run yet: see [Reproducing](#reproducing)."
            copying = 1
          }
          next
        }
      } else if ($0 == "<!-- /region " cur " -->") {
        print; cur = ""; copying = 0; next
      }
      if (copying) next
      if ($0 ~ /^@@[A-Z0-9_]+@@$/) { placeholder($0); next }
      print
    }
  ' "$template"
}

# write_doc OUT OWNED : renders bench/performance-template.md with $TMP/doc into OUT.
write_doc() {
  local out=$1 owned=$2
  mkdir -p "$(dirname "$out")"
  render_doc "$BENCH_DIR/performance-template.md" "$TMP/doc" "$out" "$owned" >"$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
}
