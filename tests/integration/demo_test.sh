#!/usr/bin/env bash
# README command (a), short: the demo runs to completion with the programs already built, shows at
# least one delivered alert in its summary, and leaves none of its processes behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(scripts/demo --no-build --duration 15 --churn 30 2>&1)
echo "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
echo "$out" | grep -q '^summary: ' || fail "no summary"
delivered=$(echo "$out" | sed -n 's/.* \([0-9]*\) deliveries (one per channel).*/\1/p')
[ "${delivered:-0}" -ge 1 ] || fail "no delivery in the summary"
echo "$out" | grep -q 'delivered in [0-9]* ms' || fail "no live line for a delivered alert"
for port in $(echo "$out" | sed -n 's/.*on :\([0-9]*\).*/\1/p'); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "something still listens on :$port"; fi
done
