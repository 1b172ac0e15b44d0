#!/usr/bin/env bash
# make mutants: each *.patch here is a plausible mistake in a rule that
# protects users. For each, in a scratch copy of the tree: apply it (fail
# loudly if it no longer applies), check the tree still builds, run the
# test command its header names ("# test: go test ..."), and undo it. A
# mutant is killed when that command fails. Exits non-zero when any
# mutant survives, does not apply, does not build, or names no test.
#
# Usage: run.sh [NAME ...]   (NAME: a patch's file name without .patch)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/inspectrack-mutants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The tree without git, local data, binaries or node_modules.
tar -C "$root" --exclude=./.git --exclude=./.data --exclude=./bin --exclude=./web/node_modules -cf - . |
	tar -C "$scratch" -xf -

if [ $# -gt 0 ]; then
	patches=()
	for name in "$@"; do patches+=("$here/$name.patch"); done
else
	patches=("$here"/*.patch)
fi

killed=() survived=() broken=()
for patch in "${patches[@]}"; do
	name=$(basename "$patch" .patch)
	if [ ! -f "$patch" ]; then
		broken+=("$name (no such patch)")
		continue
	fi
	cmd=$(sed -n 's/^# test: //p' "$patch" | head -n 1)
	if [ -z "$cmd" ]; then
		broken+=("$name (no '# test:' line)")
		continue
	fi
	if ! (cd "$scratch" && git apply --check "$patch" 2>/dev/null); then
		broken+=("$name (does not apply: rewrite it for today's code)")
		(cd "$scratch" && git apply --check "$patch") 2>&1 | sed 's/^/    /'
		continue
	fi
	(cd "$scratch" && git apply "$patch")
	if ! out=$(cd "$scratch" && go build ./... 2>&1); then
		broken+=("$name (does not build)")
		echo "$out" | sed 's/^/    /'
	else
		echo "--- $name: $cmd"
		if (cd "$scratch" && bash -c "$cmd") >"$scratch/.mutant.log" 2>&1; then
			survived+=("$name")
			echo "SURVIVED $name"
		else
			killed+=("$name")
			echo "killed   $name"
		fi
	fi
	(cd "$scratch" && git apply -R "$patch")
done

echo
echo "${#killed[@]} killed, ${#survived[@]} survived, ${#broken[@]} broken"
for n in "${survived[@]}"; do echo "  survived: $n (its tests pass with the mistake in: write the test that fails)"; done
for n in "${broken[@]}"; do echo "  broken:   $n"; done
[ ${#survived[@]} -eq 0 ] && [ ${#broken[@]} -eq 0 ]
