#!/usr/bin/env bash
# Checks the Debian packages scripts/package.sh built:
#   package-check.sh VERSION AMD64.deb ARM64.deb
# lintian (errors fail, the rest is printed); the contents, modes and
# maintainer scripts; the arm64 programs under qemu-user (palmd -version,
# palmctl wiegand encode); the amd64 package unpacked into an empty tree:
# its programs, `palmd -check` of the shipped /etc/palmd/palmd.toml, and
# palmd started from the tree on that file switched to simulated hardware,
# until it tells systemd's notify socket READY=1; and the amd64 package
# installed with apt into a minimal Debian 12 made by debootstrap (kept in
# var/chroot-bookworm, copied fresh for each run): its Depends resolve, the
# maintainer scripts make the user, the modes and the enabled unit, a
# reinstall keeps an edited conffile, and purge removes the state
# (PACKAGE_CHROOT=0 skips this part, two minutes of a warm run).
# PALMD_SYSROOT is the arm64 sysroot (var/sysroot-arm64) qemu loads from.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$1 amd64=$2 arm64=$3
sysroot=${PALMD_SYSROOT:-$PWD/var/sysroot-arm64}
t0=$SECONDS
step() { echo "package-check: [$((SECONDS - t0))s] $*" >&2; }
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# What palmctl must print for H10301 facility 12 card 3456: even parity
# over the first 12 data bits (two ones: 0), facility 00001100, card
# 0000110110000000, odd parity over the last 12 (four ones: 1).
want_frame=00000110000001101100000001
frame_args=(wiegand encode --format h10301 --facility 12 --card 3456)

# --- lintian -------------------------------------------------------------------
if command -v lintian >/dev/null; then
  for deb in "$amd64" "$arm64"; do
    step "lintian $deb"
    out=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" || true)
    [ -z "$out" ] || echo "$out" | sed 's/^/  /' >&2
    ! echo "$out" | grep -q '^E: ' || fail "lintian reports errors for $deb"
  done
else
  step "lintian not installed: skipped"
fi

# --- contents ----------------------------------------------------------------------
for deb in "$amd64" "$arm64"; do
  step "contents of $deb"
  list=$(dpkg-deb -c "$deb")
  for want in "-rwxr-xr-x root/root .* ./usr/bin/palmd$" "-rwxr-xr-x root/root .* ./usr/bin/palmctl$" \
    "-rw-r--r-- root/root .* ./etc/palmd/palmd.toml$" "-rw-r--r-- root/root .* ./lib/systemd/system/palmd.service$" \
    "-rw-r--r-- root/root .* ./lib/systemd/system/palmd-kiosk.service$"; do
    echo "$list" | grep -q -- "$want" || fail "$deb has no entry like '$want'"
  done
  [ "$(dpkg-deb -f "$deb" Package)" = palmd ] || fail "$deb: package name"
  dpkg-deb -I "$deb" conffiles | grep -qx /etc/palmd/palmd.toml || fail "$deb: /etc/palmd/palmd.toml is not a conffile"
  dpkg-deb -f "$deb" Depends | grep -q 'libopencv-core406' || fail "$deb: Depends lacks OpenCV: $(dpkg-deb -f "$deb" Depends)"
  mkdir -p "$tmp/ctl" && dpkg-deb -e "$deb" "$tmp/ctl/$(basename "$deb")"
  for s in postinst prerm postrm; do sh -n "$tmp/ctl/$(basename "$deb")/$s" || fail "$deb: $s does not parse"; done
done

# --- arm64 under qemu-user -----------------------------------------------------------
step "arm64: palmd -version and palmctl wiegand encode under qemu-aarch64"
mkdir -p "$tmp/arm64"
dpkg-deb -x "$arm64" "$tmp/arm64"
qemu() { qemu-aarch64 -L "$sysroot" "$@"; }
got=$(qemu "$tmp/arm64/usr/bin/palmd" -version 2>&1) || fail "arm64 palmd -version: $got"
[ "$got" = "palmd $version" ] || fail "arm64 palmd -version said '$got', want 'palmd $version'"
got=$(qemu "$tmp/arm64/usr/bin/palmctl" "${frame_args[@]}" 2>&1) || fail "arm64 palmctl: $got"
[ "$got" = "$want_frame" ] || fail "arm64 palmctl ${frame_args[*]} said '$got', want $want_frame"
step "arm64: ok ($got)"

# --- amd64 unpacked into an empty tree ---------------------------------------------------
root="$tmp/root"
step "amd64: unpacking into an empty tree"
mkdir -p "$root"
dpkg-deb -x "$amd64" "$root"
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/lib/systemd/system/palmd.service")
[ -x "$root$exec_start" ] || fail "palmd.service starts $exec_start, which the package lacks"
grep -q -- "-config /etc/palmd/palmd.toml" "$root/lib/systemd/system/palmd.service" || fail "palmd.service does not read /etc/palmd/palmd.toml"
got=$("$root/usr/bin/palmd" -version 2>&1) || fail "palmd -version: $got"
[ "$got" = "palmd $version" ] || fail "palmd -version said '$got', want 'palmd $version'"
got=$("$root/usr/bin/palmctl" "${frame_args[@]}" 2>&1) || fail "palmctl: $got"
[ "$got" = "$want_frame" ] || fail "palmctl ${frame_args[*]} said '$got', want $want_frame"
step "amd64: palmd -check of the shipped /etc/palmd/palmd.toml"
"$root/usr/bin/palmd" -check -config "$root/etc/palmd/palmd.toml" >&2 || fail "the shipped palmd.toml does not validate"

step "amd64: palmd started from the tree (shipped config on simulated hardware) until READY=1"
# The shipped file with the simulator in place of the board: no camera
# section, LED ring or speaker (the simulator has its own), no page (its
# port may be taken here), state in the temporary tree.
sed -e 's/^backend = "real"/backend = "sim"/' -e "s|^state_dir = .*|state_dir = \"$tmp/state\"|" \
  -e '/^\[camera\]/,/^device = /d' -e '/^spi = /d' -e '/^device = "default"/d' -e '/^address = /d' \
  "$root/etc/palmd/palmd.toml" > "$tmp/sim.toml"
sock="$tmp/notify"
coproc NOTIFY { exec socat -u UNIX-RECV:"$sock" STDOUT; }
pids+=("$NOTIFY_PID")
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "socat did not make the notify socket"
NOTIFY_SOCKET="$sock" "$root/usr/bin/palmd" -config "$tmp/sim.toml" > "$tmp/palmd.log" 2>&1 &
palmd=$!
pids+=("$palmd")
# READY=1 is palmd's first message (a datagram, no newline): 7 bytes.
if ! read -r -t 60 -N 7 -u "${NOTIFY[0]}" msg || [ "$msg" != READY=1 ]; then
  sed 's/^/  palmd: /' "$tmp/palmd.log" >&2
  fail "palmd did not report READY=1 within 60 s (got '${msg:-}')"
fi
kill -TERM "$palmd"
wait "$palmd" || { sed 's/^/  palmd: /' "$tmp/palmd.log" >&2; fail "palmd did not stop cleanly on SIGTERM"; }
step "amd64: ok (ready, then stopped on SIGTERM)"
# --- amd64 installed into a minimal Debian 12 ---------------------------------------------
if [ "${PACKAGE_CHROOT:-1}" = 0 ] || [ "$(id -u)" -ne 0 ]; then
  step "chroot install skipped (PACKAGE_CHROOT=0, or not root: debootstrap and chroot need root)"
  step "all checks passed"
  exit 0
fi
base="$PWD/var/chroot-bookworm"
if [ ! -f "$base/.complete" ]; then
  mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  step "chroot: debootstrap --variant=minbase bookworm from $mirror into var/chroot-bookworm (once, a minute or two)"
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >/dev/null
  chroot "$base" apt-get update -qq
  touch "$base/.complete"
fi
ch="$tmp/chroot"
cp -a "$base" "$ch"
cp "$amd64" "$ch/tmp/palmd.deb"
step "chroot: apt-get install ./palmd.deb with its Depends (a minute the first time)"
inch() { chroot "$ch" env DEBIAN_FRONTEND=noninteractive sh -c "$1"; }
inch "apt-get install -y -qq --no-install-recommends /tmp/palmd.deb" > "$tmp/apt.log" 2>&1 ||
  { sed 's/^/  /' "$tmp/apt.log" >&2; fail "apt-get install of $amd64 in a fresh Debian 12"; }
# Keep what apt downloaded for the next run.
cp -n "$ch"/var/cache/apt/archives/*.deb "$base/var/cache/apt/archives/" 2>/dev/null || true
inch "id -u palmd >/dev/null" || fail "postinst made no palmd user"
[ "$(inch 'stat -c "%a %U:%G" /var/lib/palmd')" = "700 palmd:palmd" ] || fail "/var/lib/palmd: $(inch 'stat -c "%a %U:%G" /var/lib/palmd')"
[ "$(inch 'stat -c "%a %U:%G" /etc/palmd')" = "750 root:palmd" ] || fail "/etc/palmd: $(inch 'stat -c "%a %U:%G" /etc/palmd')"
inch "test -L /etc/systemd/system/multi-user.target.wants/palmd.service" || fail "palmd.service is not enabled"
[ "$(inch 'palmd -version 2>&1')" = "palmd $version" ] || fail "installed palmd -version: $(inch 'palmd -version 2>&1')"
inch "palmd -check >/dev/null" || fail "installed palmd -check of /etc/palmd/palmd.toml"
inch "echo '# edited' >> /etc/palmd/palmd.toml && dpkg -i /tmp/palmd.deb >/dev/null 2>&1 && tail -1 /etc/palmd/palmd.toml | grep -q edited" ||
  fail "a reinstall did not keep the edited conffile"
inch "touch /var/lib/palmd/state.db && dpkg --purge palmd >/dev/null && ! test -e /var/lib/palmd && ! test -e /etc/palmd" ||
  fail "purge left /var/lib/palmd or /etc/palmd"
step "chroot: ok (installed, user and modes, unit enabled, conffile kept, purged)"
step "all checks passed"
