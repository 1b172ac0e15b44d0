#!/usr/bin/env bash
# make bench: builds the national-scale data set in a database of its own,
# serves it, and measures /healthz, /accessibility, /dashboard, a case page
# and a force page with wrk at 32 connections, printing requests/s, p50, p99
# and each page's share of /healthz's throughput against the targets of
# issue 7.
#
# DATABASE_URL set: the data set goes into inspectrack_bench on that server.
# Unset: into the embedded cluster under .data/bench.
# BENCH_SKIP_SEED=1 measures the data set already there.
set -euo pipefail

bin=${BIN:-bin/inspectrack}
duration=${BENCH_DURATION:-10s}
conns=32
password=${INSPECTRACK_DEMO_PASSWORD:-bench-password-$(date +%s)}
export INSPECTRACK_DEMO_PASSWORD=$password

if [ -n "${DATABASE_URL:-}" ]; then
	export DATABASE_URL=$(printf '%s' "$DATABASE_URL" | sed -E 's#^([a-z0-9+]+://[^/]*)(/[^?]*)?#\1/inspectrack_bench#')
	# On loopback, TLS to PostgreSQL only costs CPU the pages need.
	case $DATABASE_URL in *sslmode=*) ;; *\?*) DATABASE_URL="$DATABASE_URL&sslmode=disable" ;; *) DATABASE_URL="$DATABASE_URL?sslmode=disable" ;; esac
	echo "bench database: inspectrack_bench on the DATABASE_URL server"
else
	export INSPECTRACK_DATA_DIR=.data/bench
	echo "bench database: embedded cluster in $INSPECTRACK_DATA_DIR"
fi

if [ "${BENCH_SKIP_SEED:-}" != 1 ]; then
	echo "== seed bench"
	start=$(date +%s)
	"$bin" seed bench | tee /tmp/inspectrack-bench-seed.log | grep -v -e '^demo logins' -e '@demo.test' -e 'password'
	echo "   built in $(( $(date +%s) - start ))s"
	mkdir -p .data
	grep '^bench sample:' /tmp/inspectrack-bench-seed.log | sed 's/^bench sample: //' >.data/bench-sample
fi
# shellcheck disable=SC1091
. .data/bench-sample # case=N force=CODE

port=$(( 20000 + RANDOM % 20000 ))
base=http://127.0.0.1:$port
INSPECTRACK_LOG_LEVEL=warn "$bin" serve --addr 127.0.0.1:$port >/tmp/inspectrack-bench-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	curl -fsS "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done

jar=$(mktemp)
curl -fsS -o /dev/null -c "$jar" -b "$jar" "$base/login"
status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	--data-urlencode "email=manager@demo.test" --data-urlencode "password=$password" "$base/login")
[ "$status" = 303 ] || { echo "sign-in failed: status $status"; exit 1; }
cookie=$(awk '$6 ~ /inspectrack_session/ {print $6 "=" $7}' "$jar")

# /accessibility reads nothing but the session: the floor of a signed-in
# page, for reading the others' ratios.
pages=("/healthz" "/accessibility" "/dashboard" "/cases/$case" "/forces/$force")
targets=("" "" "1/20" "1/10" "1/10")
printf '\n%-28s %10s %9s %9s %12s %8s\n' "page" "req/s" "p50" "p99" "vs healthz" "target"
healthz_rps=
for i in "${!pages[@]}"; do
	path=${pages[$i]}
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$path")
	if [ "$code" != 200 ]; then
		printf '%-28s %s\n' "$path" "status $code: not measured"
		continue
	fi
	wrk -t2 -c$conns -d2s -H "Cookie: $cookie" "$base$path" >/dev/null
	out=$(wrk -t2 -c$conns -d"$duration" --latency -H "Cookie: $cookie" "$base$path")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
	[ -z "$healthz_rps" ] && healthz_rps=$rps
	ratio=$(awk -v a="$rps" -v b="$healthz_rps" 'BEGIN { printf "1/%.1f", b / a }')
	printf '%-28s %10s %9s %9s %12s %8s %s\n' "$path" "$rps" "$p50" "$p99" "$ratio" "${targets[$i]}" "$errors"
done
echo
echo "wrk -t2 -c$conns -d$duration on $(nproc) cores; the server, PostgreSQL and wrk share them."
