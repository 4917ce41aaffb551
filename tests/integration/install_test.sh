#!/usr/bin/env bash
# `cmake --install` into a staging folder lays out the expected files; the unit verifies and scores
# <= 2.0 on `systemd-analyze security`; CPack builds a .deb that depends on runtime packages only and
# carries no maintainer scripts (installing it starts nothing).
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$stage/root" cmake --install "$build" --prefix /usr >/dev/null
for f in usr/bin/cowin-notifier usr/bin/cowin-sandbox usr/lib/systemd/system/cowin-notifier.service \
         etc/cowin-notifier/config.yaml usr/share/doc/cowin-notifier/README.md \
         usr/share/doc/cowin-notifier/cowin-notifier.example.yaml \
         usr/share/cowin-notifier/sandbox/districts_all_india_2021-05-19.json; do
  [ -e "$stage/root/$f" ] || fail "missing /$f"
done
[ -d "$stage/root/etc/cowin-notifier/credentials" ] || fail "missing /etc/cowin-notifier/credentials"
[ "$(stat -c %a "$stage/root/etc/cowin-notifier/credentials")" = 700 ] || fail "credentials folder is not 0700"
"$stage/root/usr/bin/cowin-notifier" --check-config --config "$stage/root/etc/cowin-notifier/config.yaml" >/dev/null \
  || fail "the installed config does not pass --check-config"
# An operator's edited config survives a second install.
echo "# edited" >> "$stage/root/etc/cowin-notifier/config.yaml"
DESTDIR="$stage/root" cmake --install "$build" --prefix /usr >/dev/null
grep -q "# edited" "$stage/root/etc/cowin-notifier/config.yaml" || fail "a reinstall overwrote /etc/cowin-notifier/config.yaml"

if command -v systemd-analyze >/dev/null; then
  # The unit as installed, its programs pointed at the staged copies so that verify can find them.
  unit="$stage/cowin-notifier.service"
  sed "s|/usr/bin/cowin-notifier|$stage/root/usr/bin/cowin-notifier|g" \
    "$stage/root/usr/lib/systemd/system/cowin-notifier.service" > "$unit"
  out=$(systemd-analyze verify "$unit" 2>&1 || true)
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  [ -n "$score" ] || fail "no exposure score from systemd-analyze security"
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0"
  echo "systemd-analyze security: exposure $score"
else
  echo "systemd-analyze not available: unit checks skipped"
fi

(cd "$build" && cpack -G DEB -B "$stage/deb" >/dev/null)
deb=$(ls "$stage"/deb/cowin-notifier_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "the .deb declares no dependencies"
if echo "$depends" | grep -q -- '-dev'; then fail "the .deb depends on a -dev package: $depends"; fi
for s in preinst postinst prerm postrm; do
  if dpkg-deb -I "$deb" "$s" >/dev/null 2>&1; then fail "the .deb has a $s script"; fi
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/cowin-notifier/config.yaml || fail "config.yaml is not a conffile"
echo "built $(basename "$deb"); Depends: $depends"
