#!/usr/bin/env bash
# Builds the Debian packages of palmd (one package per architecture holding
# palmd and palmctl) for amd64 and arm64 into dist/, then checks them:
# lintian, the arm64 programs under qemu-user, the amd64 package unpacked
# into a fresh tree and started from there (scripts/package-check.sh).
#
# Installs what is missing first, as scripts/deps.sh does: the cross
# toolchain, qemu-user, lintian, and an arm64 sysroot with OpenCV for
# linking. The sysroot is Debian's arm64 libopencv-dev and everything it
# depends on, downloaded and unpacked under var/sysroot-arm64, not
# installed: libopencv-dev:arm64 cannot be installed beside the amd64 one
# (libopencv-dev, libgdal32, libarmadillo11, libhdf4-0-alt and others are
# not Multi-Arch: same, and imgcodecs, which gocv needs, depends on gdal).
#
# VERSION=1.2.0 sets the version (semantic, as palmd compares releases);
# without it, it comes from `git describe --tags` or, with no tag, from
# main.version plus the commit count and hash (0.1.0+git124.gb3f01d5).
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
step() { echo "package: [$((SECONDS - t0))s] $*" >&2; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "package: need root or sudo to install packages" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- what the build and the checks need on the host -----------------------
step "checking build dependencies"
bash scripts/deps.sh
host=(
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu # cgo for arm64
  qemu-user        # runs the arm64 programs in the checks
  dpkg-dev         # dpkg-shlibdeps: Depends from the programs' libraries
  lintian          # policy checks of the .deb files
  binutils         # objdump, for dpkg-shlibdeps
  debootstrap      # a minimal Debian 12 to install the amd64 package into
)
missing=()
for p in "${host[@]}"; do installed "$p" || missing+=("$p"); done
need_update=""
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  step "adding the arm64 architecture to apt (for the sysroot's package lists)"
  $sudo dpkg --add-architecture arm64
  need_update=yes
fi
if [ ${#missing[@]} -gt 0 ] || [ -n "$need_update" ]; then
  step "apt-get update"
  $sudo apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} (a minute or two)"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the arm64 sysroot -------------------------------------------------------
sysroot="$PWD/var/sysroot-arm64"
if [ ! -f "$sysroot/.complete" ]; then
  step "arm64 sysroot: downloading libopencv-dev:arm64 and its dependencies (about 190 MB)"
  rm -rf "$sysroot" "$sysroot.debs"
  mkdir -p "$sysroot.debs/partial" "$sysroot/DEBIAN"
  : > "$sysroot.debs/status"
  # An empty dpkg status: apt resolves the whole closure for a machine
  # that has nothing, and only downloads it.
  if ! apt-cache show libopencv-dev:arm64 >/dev/null 2>&1; then
    $sudo apt-get update -qq
  fi
  $sudo apt-get -qq -y --download-only --no-install-recommends \
    -o Dir::State::status="$sysroot.debs/status" \
    -o Dir::Cache::archives="$sysroot.debs" \
    -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
    install libopencv-dev >/dev/null
  n=$(ls "$sysroot.debs"/*.deb | wc -l)
  step "arm64 sysroot: unpacking $n packages (a minute)"
  for deb in "$sysroot.debs"/*.deb; do
    case "$(basename "$deb")" in
      # Its libc.so and libm.so are linker scripts naming /lib paths of
      # the host; the cross toolchain brings its own.
      libc6-dev_*) continue ;;
    esac
    dpkg-deb -x "$deb" "$sysroot"
    # shlibs of every library, for dpkg-shlibdeps -S.
    dpkg-deb -I "$deb" shlibs >> "$sysroot/DEBIAN/shlibs" 2>/dev/null || true
  done
  # What update-alternatives would have linked (BLAS and LAPACK).
  lib="$sysroot/usr/lib/aarch64-linux-gnu"
  for f in "$lib"/blas/*.so.3 "$lib"/lapack/*.so.3; do
    [ -e "$lib/$(basename "$f")" ] || ln -s "${f#"$lib"/}" "$lib/$(basename "$f")"
  done
  rm -rf "$sysroot.debs"
  touch "$sysroot/.complete"
else
  step "arm64 sysroot: present ($sysroot)"
fi

# --- the version -------------------------------------------------------------
if [ -n "${VERSION:-}" ]; then
  version="${VERSION#v}"
else
  hash=$(git rev-parse --short HEAD)
  dirty=""
  [ -z "$(git status --porcelain --untracked-files=no)" ] || dirty=".dirty"
  if desc=$(git describe --tags 2>/dev/null); then
    if [[ "$desc" =~ ^v?(.+)-([0-9]+)-g[0-9a-f]+$ ]]; then
      version="${BASH_REMATCH[1]}+${BASH_REMATCH[2]}.g$hash$dirty" # commits since the tag
    else
      version="${desc#v}"
      [ -z "$dirty" ] || version="$version+g$hash$dirty"
    fi
  else # no tag yet
    base=$(sed -n 's/^var version = "\(.*\)"$/\1/p' cmd/palmd/main.go)
    version="$base+git$(git rev-list --count HEAD).g$hash$dirty"
  fi
fi
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]]; then
  echo "package: version $version is not a semantic version (1.2.0, 1.2.0-rc.1, 1.2.0+build)" >&2
  exit 1
fi
# Debian orders ~ before anything, as semver orders a prerelease before
# its release; a - in a native version would start a Debian revision.
debversion="${version//-/\~}"
step "version $version (Debian $debversion)"

# --- build -------------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ldflags="-s -w -X main.version=$version"
build() { # ARCH, environment before it
  local arch=$1
  step "building palmd and palmctl for $arch"
  mkdir -p "$work/$arch/root/usr/bin"
  go build -trimpath -buildvcs=false -buildmode=pie -ldflags "$ldflags" -o "$work/$arch/root/usr/bin/" ./cmd/palmd ./cmd/palmctl
}
GOARCH=amd64 CGO_ENABLED=1 build amd64
rl="-Wl,-rpath-link=$sysroot/usr/lib/aarch64-linux-gnu -Wl,-rpath-link=$sysroot/lib/aarch64-linux-gnu -Wl,-rpath-link=$sysroot/usr/lib"
GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ \
  PKG_CONFIG_SYSROOT_DIR="$sysroot" \
  PKG_CONFIG_LIBDIR="$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig" \
  CGO_LDFLAGS="$rl" build arm64

# --- assemble ------------------------------------------------------------------
mkdir -p dist
rm -f dist/palmd_*.deb
for arch in amd64 arm64; do
  root="$work/$arch/root"
  step "assembling palmd_${debversion}_$arch.deb"
  install -d -m 0755 "$root/DEBIAN" "$root/etc/palmd" "$root/lib/systemd/system" "$root/usr/share/doc/palmd"
  install -m 0644 configs/palmd.toml "$root/etc/palmd/palmd.toml"
  install -m 0644 configs/palmd.service configs/palmd-kiosk.service "$root/lib/systemd/system/"
  install -m 0644 packaging/copyright "$root/usr/share/doc/palmd/copyright"
  {
    echo "palmd ($debversion) unstable; urgency=medium"
    echo
    echo "  * Built from commit $(git rev-parse --short HEAD) by make package."
    echo
    echo " -- palmd developers <palmd@example.com>  $(git log -1 --format=%aD)"
  } | gzip -9n > "$root/usr/share/doc/palmd/changelog.gz"
  chmod 0644 "$root/usr/share/doc/palmd/changelog.gz"
  chmod 0755 "$root/usr/bin/palmd" "$root/usr/bin/palmctl"

  # Depends from the libraries the programs link (shlibs of the host's
  # packages for amd64, of the sysroot's for arm64).
  mkdir -p "$work/$arch/shl/debian"
  printf 'Source: palmd\n\nPackage: palmd\nArchitecture: any\n' > "$work/$arch/shl/debian/control"
  shl=()
  if [ "$arch" = arm64 ]; then
    shl=(-S"$sysroot" -l"$sysroot/usr/lib/aarch64-linux-gnu" -l"$sysroot/lib/aarch64-linux-gnu")
  fi
  depends=$(cd "$work/$arch/shl" && dpkg-shlibdeps -O "${shl[@]}" -e"$root/usr/bin/palmd" -e"$root/usr/bin/palmctl" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
  [ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no libraries for $arch" >&2; exit 1; }

  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s/@VERSION@/$debversion/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends, adduser/" \
    packaging/control > "$root/DEBIAN/control"
  echo /etc/palmd/palmd.toml > "$root/DEBIAN/conffiles"
  install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$root/DEBIAN/"
  (cd "$root" && find etc lib usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -Zxz --build "$root" "dist/palmd_${debversion}_$arch.deb" >/dev/null
done
ls -l dist/palmd_*.deb >&2

# --- check ----------------------------------------------------------------------
PALMD_SYSROOT="$sysroot" bash scripts/package-check.sh "$version" dist/palmd_"${debversion}"_amd64.deb dist/palmd_"${debversion}"_arm64.deb
step "done: dist/palmd_${debversion}_amd64.deb dist/palmd_${debversion}_arm64.deb"
