#!/bin/sh
# Every `@unchecked Sendable` type states its thread contract: the compiler no longer checks
# it, so the doc comment directly above the declaration must hold a line
# `/// Thread contract: …` (who may touch what, under which lock). Attribute lines between the
# comment and the declaration are allowed. Fails listing each type without one.
#   scripts/thread-contracts.sh [PATH...]   checks the Swift files under PATHs (default: Sources)
#   scripts/thread-contracts.sh --self-test checks that a missing contract is caught and a stated one is not
set -eu
cd "$(dirname "$0")/.."

check() {
    find "$@" -name '*.swift' -type f | sort | xargs awk '
        FNR == 1 { contract = 0; inDoc = 0 }
        /^[[:space:]]*\/\/\// {
            if (!inDoc) contract = 0
            inDoc = 1
            if ($0 ~ /^[[:space:]]*\/\/\/[[:space:]]*Thread contract:/) contract = 1
            next
        }
        /^[[:space:]]*@[A-Za-z]/ && $0 !~ /@unchecked Sendable/ { next }   # attributes between comment and declaration
        /@unchecked[[:space:]]+Sendable/ && /(class|struct|enum|actor|extension)[[:space:]]/ {
            if (!contract) { printf "%s:%d: @unchecked Sendable without a `/// Thread contract:` line in its doc comment\n", FILENAME, FNR; bad = 1 }
        }
        { inDoc = 0; contract = 0 }
        END { exit bad }
    '
}

if [ "${1:-}" = "--self-test" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    printf '/// A box.\nfinal class Box: @unchecked Sendable {}\n' > "$dir/Missing.swift"
    printf '/// A box.\n/// Thread contract: written once before it is shared.\n@usableFromInline\nfinal class Box: @unchecked Sendable {}\n' > "$dir/Stated.swift"
    printf '/// Thread contract: the next type'"'"'s comment, not this one.\nstruct A {}\nstruct B: @unchecked Sendable {}\n' > "$dir/Elsewhere.swift"
    if check "$dir/Missing.swift" >/dev/null; then echo "thread-contracts: self-test: a missing contract passed" >&2; exit 1; fi
    if check "$dir/Elsewhere.swift" >/dev/null; then echo "thread-contracts: self-test: another type's contract counted" >&2; exit 1; fi
    if ! check "$dir/Stated.swift"; then echo "thread-contracts: self-test: a stated contract failed" >&2; exit 1; fi
    echo "thread-contracts: self-test passed"
    exit 0
fi

if [ $# -eq 0 ]; then set -- Sources; fi
if check "$@"; then
    echo "thread-contracts: every @unchecked Sendable type states its thread contract"
else
    exit 1
fi
