#!/usr/bin/env bash
# make bench-scale: how the pages' cost grows with the data. For each size
# in BENCH_SCALE_SIZES (cases; default 100000 and 1000000, ten times the
# national data) it builds the bench data set (`seed bench --cases N`) in a
# database of its own, serves it, and measures every list and detail page:
#   - warm: wrk at 32 connections for BENCH_DURATION (5s), nothing changing:
#     requests/s and p99;
#   - after a change: BENCH_CHANGES times (20) the manager changes a due
#     date (an audited change, which moves the data version, so every
#     page's next request reads the database again) and the page is then
#     requested once: the median and the slowest of those first requests.
# Targets at 1,000,000 cases (issue 19): after a change <= 100 ms for every
# page, warm p99 <= 25 ms.
#
# DATABASE_URL set: the data sets go into inspectrack_<N>_bench on that
# server. Unset: into embedded clusters under .data/bench-<N>.
# BENCH_SKIP_SEED=1 measures the data sets already there.
set -euo pipefail

bin=${BIN:-bin/inspectrack}
sizes=${BENCH_SCALE_SIZES:-100000 1000000}
duration=${BENCH_DURATION:-5s}
changes=${BENCH_CHANGES:-20}
conns=32
password=${INSPECTRACK_DEMO_PASSWORD:-bench-password-$(date +%s)}
export INSPECTRACK_DEMO_PASSWORD=$password
if [ -n "${DATABASE_URL:-}" ] && [ -z "${INSPECTRACK_AUDIT_KEY:-}${INSPECTRACK_AUDIT_KEY_FILE:-}" ]; then
	export INSPECTRACK_AUDIT_KEY=$(printf 'inspectrack bench audit key, for bench data only' | od -An -tx1 | tr -d ' \n')
fi
work=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# data_env N: the setting that points a command at the data set of N cases.
data_env() {
	if [ -n "${DATABASE_URL:-}" ]; then
		local url
		url=$(printf '%s' "$DATABASE_URL" | sed -E "s#^([a-z0-9+]+://[^/]*)(/[^?]*)?#\1/inspectrack_$1_bench#")
		case $url in *sslmode=*) ;; *\?*) url="$url&sslmode=disable" ;; *) url="$url?sslmode=disable" ;; esac
		printf 'DATABASE_URL=%s' "$url"
	else
		printf 'INSPECTRACK_DATA_DIR=.data/bench-%s' "$1"
	fi
}

# ms SECONDS: milliseconds, one decimal.
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

printf '%-9s %-34s %9s %9s %12s %12s\n' "cases" "page" "warm r/s" "warm p99" "change: p50" "change: max"
for size in $sizes; do
	sample=.data/bench-$size-sample
	if [ "${BENCH_SKIP_SEED:-}" != 1 ]; then
		start=$(date +%s)
		env "$(data_env "$size")" "$bin" seed bench --cases "$size" >"$work/seed.log"
		grep '^bench data set:' "$work/seed.log" | sed "s/^/  [$size] /" >&2
		echo "  [$size] built in $(($(date +%s) - start))s" >&2
		mkdir -p .data
		{
			grep '^bench sample:' "$work/seed.log" | sed 's/^bench sample: //'
			printf 'password=%q\n' "$password"
		} >"$sample"
	fi
	# shellcheck disable=SC1090
	. "$sample" # case=N force=CODE password=...

	port=$((20000 + RANDOM % 20000))
	url=http://127.0.0.1:$port
	env INSPECTRACK_LOG_LEVEL=warn "$(data_env "$size")" "$bin" serve --addr 127.0.0.1:$port >"$work/serve.log" 2>&1 &
	server=$!
	for _ in $(seq 1 300); do
		curl -fsS "$url/healthz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	jar=$work/jar
	rm -f "$jar"
	curl -fsS -o /dev/null -c "$jar" -b "$jar" "$url/login"
	out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" \
		--data-urlencode "email=manager@demo.test" --data-urlencode "password=$password" "$url/login")
	[ "${out%% *}" = 303 ] || { echo "sign-in failed: status ${out%% *}"; cat "$work/serve.log"; exit 1; }
	# The second step: a code the command line reads from the database
	# (the demo users' known secrets).
	if [ "${out#* }" = "$url/login/code" ]; then
		code=$(env "$(data_env "$size")" "$bin" user otp manager@demo.test)
		status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
			--data-urlencode "code=$code" "$url/login/code")
		[ "$status" = 303 ] || { echo "second step of signing in failed: status $status"; cat "$work/serve.log"; exit 1; }
	fi
	cookie=$(awk '$6 ~ /inspectrack_session/ {print $6 "=" $7}' "$jar")

	pages=(/dashboard /plans /forces /cases "/cases?stage=plan_overdue" "/cases?force=$force"
		"/cases?sort=due&dir=desc" "/cases?page=40" "/forces/$force" "/cases/$case")
	day=1
	for path in "${pages[@]}"; do
		code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$url$path")
		if [ "$code" != 200 ]; then
			printf '%-9s %-34s status %s: not measured\n' "$size" "$path" "$code"
			continue
		fi
		: >"$work/times"
		for _ in $(seq 1 "$changes"); do
			# The plan due date of the case after the sample, back and
			# forth: each an audited change.
			curl -sS -o /dev/null -H "Cookie: $cookie" \
				--data "due-day=$day&due-month=1&due-year=2099&reason=make+bench-scale" \
				"$url/cases/$((case + 1))/due-date"
			day=$((3 - day))
			curl -sS -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "$url$path" >>"$work/times"
		done
		p50=$(sort -n "$work/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		worst=$(sort -n "$work/times" | tail -1)
		wrk -t2 -c$conns -d1s -H "Cookie: $cookie" "$url$path" >/dev/null
		out=$(wrk -t2 -c$conns -d"$duration" --latency -H "Cookie: $cookie" "$url$path")
		rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
		p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
		errors=$(awk '/Non-2xx|Socket errors/ {printf " %s", $0}' <<<"$out")
		printf '%-9s %-34s %9s %9s %10sms %10sms%s\n' "$size" "$path" "$rps" "$p99" "$(ms "$p50")" "$(ms "$worst")" "$errors"
	done
	kill "$server"
	wait "$server" 2>/dev/null || true
	server=
done
echo
echo "wrk -t2 -c$conns -d$duration on $(nproc) cores; the server, PostgreSQL and wrk share them. After a change: $changes changes a page, each followed by one request of it."
