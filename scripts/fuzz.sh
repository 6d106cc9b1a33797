#!/bin/sh
# Runs every fuzz target of the module for FUZZTIME each (`make fuzz`).
# Go fuzzes one target per run, so the targets are found by grepping the
# test files for `func FuzzX(`: a new target is picked up without an edit
# here. Each package's instrumented test binary is built once
# (`go test -c -fuzz`) and run once per target in the package's directory,
# as `go test -fuzz` would, with go's own corpus cache. A crasher is written
# to the package's testdata/fuzz/FuzzX/, where `make test` runs it as a
# regular test from then on: commit it with the fix. Exits 1 when any
# target failed, after running them all.
set -u
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
# New coverage is minimised for at most this long (Go's default, 60s per
# input, leaves no time to fuzz a ZIP or a long form).
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-100x}

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
targets=$(grep -r --include='*_test.go' --exclude-dir=.git --exclude-dir=var --exclude-dir=node_modules \
	-o '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\(.*\)/[^/]*_test\.go:func |\1 |' | sort -u)
count=$(printf '%s\n' "$targets" | grep -c .)
cache=$($GO env GOCACHE)/fuzz
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
echo "fuzzing $count targets for $FUZZTIME each"
start=$(date +%s)
failed=""
n=0
built=""
while read -r pkg name; do
	n=$((n + 1))
	bin="$tmp/$(printf '%s' "$pkg" | tr '/.' '__').test"
	if [ "$pkg" != "$built" ]; then
		echo "building $pkg"
		if ! $GO test -c -fuzz=. -o "$bin" "$pkg"; then
			failed="$failed $pkg(build)"
			continue
		fi
		built=$pkg
		importpath=$($GO list "$pkg")
	fi
	echo "[$n/$count] $name in $pkg"
	if (cd "$pkg" && "$bin" -test.run='^$' -test.fuzz="^$name\$" -test.fuzztime="$FUZZTIME" \
		-test.fuzzminimizetime="$FUZZMINIMIZETIME" -test.fuzzcachedir="$cache/$importpath" -test.paniconexit0 -test.timeout=10m) >"$tmp/log" 2>&1; then
		grep 'fuzz: elapsed' "$tmp/log" | tail -n 1
	else
		cat "$tmp/log"
		failed="$failed $pkg:$name"
	fi
done <<EOT
$targets
EOT
echo "fuzzed $count targets in $(($(date +%s) - start))s"
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	echo "crashers are in each package's testdata/fuzz/; fix the code and commit them"
	exit 1
fi
