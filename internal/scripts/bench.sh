#!/usr/bin/env bash
# make bench: builds the national-scale data set in a database of its own,
# serves it, and measures /healthz, /accessibility, /dashboard, a case page
# and a force page with wrk at 32 connections, printing requests/s, p50, p99
# and each page's share of /healthz's throughput against the targets of
# issue 7.
#
# DATABASE_URL set: the data set goes into inspectrack_bench on that server.
# Unset: into the embedded cluster under .data/bench.
# BENCH_SKIP_SEED=1 measures the data sets already there.
# BENCH_BASELINE=REV also builds the portal as of git revision REV, which
# seeds a data set of its own (inspectrack_base_bench, or .data/bench-base)
# and is measured in the same run, page by page in turn with this build:
# the last column is this build's throughput as a multiple of REV's.
set -euo pipefail

bin=${BIN:-bin/inspectrack}
duration=${BENCH_DURATION:-10s}
conns=32
password=${INSPECTRACK_DEMO_PASSWORD:-bench-password-$(date +%s)}
export INSPECTRACK_DEMO_PASSWORD=$password
# The bench databases are throwaway: on a DATABASE_URL server they are keyed
# with a fixed bench audit key unless one is given (the embedded cluster
# generates its own key file under its data folder).
if [ -n "${DATABASE_URL:-}" ] && [ -z "${INSPECTRACK_AUDIT_KEY:-}${INSPECTRACK_AUDIT_KEY_FILE:-}" ]; then
	export INSPECTRACK_AUDIT_KEY=$(printf 'inspectrack bench audit key, for bench data only' | od -An -tx1 | tr -d ' \n')
fi
baseline=${BENCH_BASELINE:-}
work=$(mktemp -d)
servers=()
cleanup() {
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

builds=(current)
declare -A exe=([current]=$bin) dbname=([current]=inspectrack_bench) datadir=([current]=.data/bench)
if [ -n "$baseline" ]; then
	rev=$(git rev-parse --short "$baseline")
	echo "== build the baseline, $rev"
	git worktree add --quiet --detach "$work/src" "$rev"
	(cd "$work/src" && go build -o "$work/inspectrack-$rev" ./cmd/inspectrack)
	git worktree remove --force "$work/src"
	builds=(base current)
	exe[base]=$work/inspectrack-$rev dbname[base]=inspectrack_base_bench datadir[base]=.data/bench-base
fi

# data_env BUILD: the setting that points a command at BUILD's data set,
# for env(1), which execs the command: a server's pid is then its own.
if [ -n "${DATABASE_URL:-}" ]; then
	server_url=$DATABASE_URL
	echo "bench databases: on the DATABASE_URL server"
	data_env() {
		local url
		url=$(printf '%s' "$server_url" | sed -E "s#^([a-z0-9+]+://[^/]*)(/[^?]*)?#\1/${dbname[$1]}#")
		# On loopback, TLS to PostgreSQL only costs CPU the pages need.
		case $url in *sslmode=*) ;; *\?*) url="$url&sslmode=disable" ;; *) url="$url?sslmode=disable" ;; esac
		printf 'DATABASE_URL=%s' "$url"
	}
else
	echo "bench databases: embedded clusters under .data"
	data_env() { printf 'INSPECTRACK_DATA_DIR=%s' "${datadir[$1]}"; }
fi

for b in "${builds[@]}"; do
	sample=${datadir[$b]}-sample
	if [ "${BENCH_SKIP_SEED:-}" != 1 ]; then
		echo "== seed bench ($b)"
		start=$(date +%s)
		env "$(data_env "$b")" "${exe[$b]}" seed bench | tee "$work/seed.log" | grep -v -e '^demo logins' -e '@demo.test' -e 'password'
		echo "   built in $(($(date +%s) - start))s"
		mkdir -p .data
		# What the pages measure, and the password the data set's users
		# were given, so that BENCH_SKIP_SEED=1 can sign in later.
		{
			grep '^bench sample:' "$work/seed.log" | sed 's/^bench sample: //'
			printf 'password=%q\n' "$password"
		} >"$sample"
	fi
done

# Serve each build on a port of its own and sign in as the manager.
declare -A url cookie
for b in "${builds[@]}"; do
	port=$((20000 + RANDOM % 20000))
	url[$b]=http://127.0.0.1:$port
	env INSPECTRACK_LOG_LEVEL=warn "$(data_env "$b")" "${exe[$b]}" serve --addr 127.0.0.1:$port >"$work/serve-$b.log" 2>&1 &
	servers+=($!)
	for _ in $(seq 1 100); do
		curl -fsS "${url[$b]}/healthz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	# shellcheck disable=SC1090
	. "${datadir[$b]}-sample" # case=N force=CODE password=...
	jar=$work/jar-$b
	curl -fsS -o /dev/null -c "$jar" -b "$jar" "${url[$b]}/login"
	out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" \
		--data-urlencode "email=manager@demo.test" --data-urlencode "password=$password" "${url[$b]}/login")
	status=${out%% *}
	[ "$status" = 303 ] || { echo "$b: sign-in failed: status $status"; cat "$work/serve-$b.log"; exit 1; }
	# The second step, in builds that have one: a code the command line
	# reads from the database (the demo users' known secrets).
	if [ "${out#* }" = "${url[$b]}/login/code" ]; then
		code=$(env "$(data_env "$b")" "${exe[$b]}" user otp manager@demo.test)
		status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
			--data-urlencode "code=$code" "${url[$b]}/login/code")
		[ "$status" = 303 ] || { echo "$b: second step of signing in failed: status $status"; cat "$work/serve-$b.log"; exit 1; }
	fi
	cookie[$b]=$(awk '$6 ~ /inspectrack_session/ {print $6 "=" $7}' "$jar")
done

# page I B: the path of page I for build B (its sample case and force).
page() {
	# shellcheck disable=SC1090
	. "${datadir[$2]}-sample"
	local pages=("/healthz" "/accessibility" "/dashboard" "/cases/$case" "/forces/$force")
	printf '%s' "${pages[$1]}"
}

# report I B TABLE OUT [NOTE]: prints build B's row for page I from wrk's
# output OUT. The last column compares with the base's row of the same
# page in the same TABLE.
declare -A healthz base_rps
report() {
	local i=$1 b=$2 table=$3 out=$4 note=${5:-}
	local path name=$b rps p50 p99 errors ratio vsbase=
	path=$(page "$i" "$b")
	[ "$b" = base ] && name=$rev
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
	[ "$i" = 0 ] && healthz[$b]=$rps
	ratio=$(awk -v a="$rps" -v h="${healthz[$b]}" 'BEGIN { printf "1/%.1f", h / a }')
	if [ "$b" = base ]; then
		base_rps[$table.$i]=$rps
	elif [ -n "${base_rps[$table.$i]:-}" ]; then
		vsbase=$(awk -v a="$rps" -v b="${base_rps[$table.$i]}" 'BEGIN { printf "%.2fx", a / b }')
	fi
	printf '%-24s %-8s %10s %9s %9s %11s %7s %9s %s\n' "$path" "$name" "$rps" "$p50" "$p99" "$ratio" "${targets[$i]}" "$vsbase" "$errors$note"
}

# /accessibility reads nothing but the session: the floor of a signed-in
# page, for reading the others' ratios.
targets=("" "" "1/20" "1/10" "1/10")
printf '\n%-24s %-8s %10s %9s %9s %11s %7s %9s\n' "page" "build" "req/s" "p50" "p99" "vs healthz" "target" "vs base"
for i in "${!targets[@]}"; do
	for b in "${builds[@]}"; do
		path=$(page "$i" "$b")
		code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: ${cookie[$b]}" "${url[$b]}$path")
		if [ "$code" != 200 ]; then
			printf '%-24s %-8s %s\n' "$path" "$([ "$b" = base ] && echo "$rev" || echo "$b")" "status $code: not measured"
			continue
		fi
		wrk -t2 -c$conns -d2s -H "Cookie: ${cookie[$b]}" "${url[$b]}$path" >/dev/null
		report "$i" "$b" quiet "$(wrk -t2 -c$conns -d"$duration" --latency -H "Cookie: ${cookie[$b]}" "${url[$b]}$path")"
	done
done

# The kept pages again while the data changes: the manager moves the plan
# due date of the case after the sample (so the sample's timeline does not
# grow) back and forth, $write_every s after each move returns, each move a
# change with its audit event, which moves the data version. A move waits
# for the loaded server, so each row says how many were made.
write_every=${BENCH_WRITE_EVERY:-0.1}
printf '\nwhile the manager changes a due date, %ss after the last change returned (each an audited change):\n' "$write_every"
for i in 2 3 4; do
	for b in "${builds[@]}"; do
		# shellcheck disable=SC1090
		. "${datadir[$b]}-sample"
		writes=$work/writes-$b-$i
		(
			day=1
			while :; do
				curl -sS -o /dev/null -w '%{http_code}\n' -H "Cookie: ${cookie[$b]}" \
					--data "due-day=$day&due-month=1&due-year=2099&reason=make+bench" \
					"${url[$b]}/cases/$((case + 1))/due-date" >>"$writes" || true
				day=$((3 - day))
				sleep "$write_every"
			done
		) &
		writer=$!
		out=$(wrk -t2 -c$conns -d"$duration" --latency -H "Cookie: ${cookie[$b]}" "${url[$b]}$(page "$i" "$b")")
		kill "$writer"
		wait "$writer" 2>/dev/null || true
		report "$i" "$b" writes "$out" " ($(grep -c '^303$' "$writes" || true) changes)"
	done
done

echo
echo "wrk -t2 -c$conns -d$duration on $(nproc) cores; the servers, PostgreSQL and wrk share them."
