#!/bin/sh
# Runs every fuzz target of the module for FUZZTIME each (`make fuzz`).
# Go fuzzes one target per invocation, so the targets are found by grepping
# the test files for `func FuzzX(`: a new target is picked up without an
# edit here. A crasher is written to the package's testdata/fuzz/FuzzX/,
# where `make test` runs it as a regular test from then on; commit it with
# the fix. Exits 1 when any target failed, after running them all.
set -u
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
# New coverage is minimised for up to this long (Go's default is 60s per
# input, which on a ZIP or a long form leaves no time to fuzz).
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-100x}

cd "$(dirname "$0")/.." || exit 2
targets=$(grep -r --include='*_test.go' --exclude-dir=.git --exclude-dir=var --exclude-dir=node_modules \
	-o '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\(.*\)/[^/]*_test\.go:func |\1 |' | sort)
count=$(printf '%s\n' "$targets" | grep -c .)
echo "fuzzing $count targets for $FUZZTIME each"
log=$(mktemp) || exit 2
start=$(date +%s)
failed=""
n=0
while read -r pkg name; do
	n=$((n + 1))
	echo "[$n/$count] $name in $pkg"
	if ! $GO test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg" >"$log" 2>&1; then
		cat "$log"
		failed="$failed $pkg:$name"
	else
		tail -n 3 "$log" | grep 'fuzz: elapsed' | tail -n 1
	fi
done <<EOT
$targets
EOT
rm -f "$log"
echo "fuzzed $count targets in $(($(date +%s) - start))s"
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	echo "crashers are in each package's testdata/fuzz/; fix the code and commit them"
	exit 1
fi
