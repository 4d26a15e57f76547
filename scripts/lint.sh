#!/bin/sh
# One style, checked: swift-format (configuration in .swift-format: 120 columns, no
# semicolons, the house layout) over every Swift file. Fails when a file has more
# findings of a rule than .swift-format-baseline records (the few the formatter cannot
# fix), so new code adds none. `scripts/lint.sh --fix` formats in place;
# `scripts/lint.sh --baseline` rewrites the baseline (after fixing what can be fixed).
set -eu
cd "$(dirname "$0")/.."
FORMAT=${SWIFT_FORMAT:-swift-format}
if ! command -v "$FORMAT" >/dev/null 2>&1; then
    echo "lint: swift-format not found (it ships with the Swift toolchain)" >&2
    exit 1
fi
DIRS="Sources Tests Fuzz"
case "${1:-}" in
    --fix) exec "$FORMAT" format -i -r $DIRS --configuration .swift-format ;;
esac
# "path:line:col: warning: [Rule] text" -> "path Rule", counted.
findings=$("$FORMAT" lint -r $DIRS --configuration .swift-format 2>&1 \
    | sed -n -E 's/^([^:]+):[0-9]+:[0-9]+: (warning|error): \[([A-Za-z]+)\].*/\1 \3/p' | sort | uniq -c | awk '{print $2, $3, $1}')
if [ "${1:-}" = "--baseline" ]; then
    printf '%s\n' "$findings" | sed '/^$/d' > .swift-format-baseline
    echo "lint: baseline of $(wc -l < .swift-format-baseline) file/rule pairs written"
    exit 0
fi
printf '%s\n' "$findings" | sed '/^$/d' | awk '
    NR == FNR { allowed[$1 " " $2] = $3; next }
    { key = $1 " " $2; if ($3 > allowed[key] + 0) { printf "lint: %s: %d %s finding(s), %d allowed (scripts/lint.sh --fix formats it)\n", $1, $3, $2, allowed[key] + 0; bad = 1 } }
    END { exit bad }' .swift-format-baseline - || {
    "$FORMAT" lint -r $DIRS --configuration .swift-format 2>&1 | head -20 >&2
    exit 1
}
echo "lint: swift-format finds nothing new"
# Every @unchecked Sendable type states its thread contract (the check first proves it catches a missing one).
scripts/thread-contracts.sh --self-test
scripts/thread-contracts.sh
