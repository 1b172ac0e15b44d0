#!/usr/bin/env bash
# Installs web/node_modules from the lock file (npm ci), only when it is
# missing or package-lock.json changed since the last install: npm ci deletes
# and reinstalls node_modules, which takes a while.
#
# Used by web/build-assets.sh (the asset build), `make ensure-web-deps` (the
# browser tests inject axe-core from node_modules) and internal/browsertest.
#
# Run from anywhere: bash web/install-deps.sh
set -euo pipefail

cd "$(dirname "$0")"

# Test binaries run in parallel, and each may call this: one install at a
# time (flock on the lock file, which every caller can open).
if command -v flock >/dev/null 2>&1; then
	exec 9<package-lock.json
	flock 9
fi

stamp=node_modules/.inspectrack-lock.sha256
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
	# --ignore-scripts: no package here needs an install script (sass's optional
	# file watcher has one, and the build does not watch).
	npm ci --ignore-scripts --no-audit --no-fund
	printf '%s\n' "$lock_sum" >"$stamp"
fi
