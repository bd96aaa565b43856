#!/usr/bin/env bash
# The Prometheus and Alertmanager tools nearest to what the clusters run (kube-prometheus-stack 88.5.3:
# Prometheus v3.14.0, Alertmanager v0.34.0): Debian sid's promtool and Prometheus 3.x and
# Alertmanager/amtool 0.3x. Debian bookworm's 2.42/0.25 differ where the project depends on them
# (left-open range selectors, `le` normalised to floats, webhook `url_file`).
#
# The packages are downloaded with a sid source list in a private apt directory and unpacked with
# `dpkg -x` into a tools folder: the machine's own apt sources and packages stay as they are. Their
# binaries need only libc. The Debian mirror is the one the machine's own apt sources name (or
# DEBIAN_MIRROR where the machine has none, e.g. an Ubuntu runner).
#
# HAProxy (the central front door's router, components/frontDoor.ts) comes from sid too: the version
# its image is pinned to (components/images.ts), so `haproxy -c` checks the rendered config as the
# router will read it. Unlike the Go tools it links against sid's libc and libraries, which are
# unpacked beside it; bin/haproxy is a wrapper starting it with sid's own loader and libraries, so it
# runs on an older system too (bookworm, Ubuntu 22.04).
#
# Usage: bash .ci/tools.sh   (as root or with sudo rights for the keyring on a machine without it)
# Prints the versions on stderr, the folder holding the binaries on stdout; appends that folder to
# $GITHUB_PATH under GitHub Actions. Fails if promtool is older than 3, amtool older than 0.26, or
# haproxy not the version of the router's image.
#        bash .ci/tools.sh --check <folder>   only the version check, on the binaries in <folder>
set -euo pipefail

tools="${CI_TOOLS_DIR:-${RUNNER_TEMP:-/tmp}/thanos-multicluster-tools}"
packages=(promtool prometheus prometheus-alertmanager)
# haproxy and every library it links (sid's libc included: its loader runs it, see haproxy_wrapper).
haproxy_packages=(haproxy libc6 libcrypt1 libjemalloc2 liblua5.4-0 libopentracing-c-wrapper0t64 libopentracing1
  libpcre2-8-0 libssl3t64 libstdc++6 libgcc-s1 zlib1g libzstd1)
# The router image's HAProxy version (components/images.ts pins docker.io/library/haproxy:<this>-alpine).
haproxy_version=3.2.26
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
log() { echo "$@" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The first Debian archive the machine's apt sources name (one-line and deb822 formats).
machine_mirror() {
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  grep -hoE '(https?://[^ ]+/debian)/?( |$)' "${files[@]}" | grep -v -- '-security' | head -1 | tr -d ' ' | sed 's:/$::'
}

# Versions: "promtool, version 3.5.3+ds (...)", "amtool, version 0.33.1+ds (...)".
# The first line of a tool's version output, read whole first: with pipefail, `| head -1` can kill the
# tool with SIGPIPE (haproxy -v writes several lines) and fail the caller under set -e.
first_line() { local out; out=$("$@" 2>&1) || true; printf '%s\n' "${out%%$'\n'*}"; }
version_of() { first_line "$1/$2" --version | grep -oE 'version [0-9]+\.[0-9]+\.[0-9]+' | cut -d' ' -f2; }
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# The binaries in $1, their versions printed; promtool >= 3, amtool >= 0.26, haproxy the image's.
check_versions() {
  local bin=$1 tool status=0
  for tool in promtool prometheus amtool prometheus-alertmanager haproxy; do
    if [ ! -x "$bin/$tool" ]; then
      log "tools.sh: $tool is missing from $bin"
      status=1
      continue
    fi
    if [ "$tool" = haproxy ]; then log "$(first_line "$bin/$tool" -v)"; else log "$(first_line "$bin/$tool" --version)"; fi
  done
  [ "$status" -eq 0 ] || return 1
  local promtool_version amtool_version
  promtool_version=$(version_of "$bin" promtool)
  amtool_version=$(version_of "$bin" amtool)
  if ! at_least "${promtool_version:-0}" 3.0.0; then
    log "tools.sh: promtool ${promtool_version:-(no version)} is older than 3: the rules would not be checked as Prometheus 3 reads them"
    return 1
  fi
  if ! at_least "${amtool_version:-0}" 0.26.0; then
    log "tools.sh: amtool ${amtool_version:-(no version)} is older than 0.26: it cannot parse the webhook's url_file"
    return 1
  fi
  # "HAProxy version 3.2.26-1 2026/10/14 - https://haproxy.org/"
  local haproxy_found
  haproxy_found=$(first_line "$bin/haproxy" -v | grep -oE 'version [0-9]+\.[0-9]+\.[0-9]+' | cut -d' ' -f2)
  if [ "${haproxy_found:-}" != "$haproxy_version" ]; then
    log "tools.sh: haproxy ${haproxy_found:-(no version)} is not $haproxy_version, the router image's: update components/images.ts and haproxy_version together"
    return 1
  fi
}

# bin/haproxy: sid's haproxy through sid's loader and libraries (the system's libc may be older).
haproxy_wrapper() {
  local root=$1
  cat >"$root/usr/bin/haproxy" <<'WRAPPER'
#!/bin/sh
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" "$root/usr/sbin/haproxy" "$@"
WRAPPER
  chmod +x "$root/usr/bin/haproxy"
}

if [ "${1:-}" = "--check" ]; then
  check_versions "${2:?usage: tools.sh --check <folder>}"
  exit
fi

mirror="${DEBIAN_MIRROR:-$(machine_mirror)}"
if [ -z "$mirror" ]; then
  log "tools.sh: no Debian mirror in /etc/apt/sources.list(.d); set DEBIAN_MIRROR to a Debian archive URL"
  exit 1
fi

if [ ! -f "$keyring" ]; then
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debian-archive-keyring >&2
fi

apt_dir="$tools/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$tools/debs"
echo "deb [signed-by=$keyring] $mirror sid main" >"$apt_dir/sid.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sid.list"
  -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o Debug::NoLocking=1
  -o "APT::Sandbox::User=$(id -un)"
)
log "tools.sh: Debian sid from $mirror into $tools"
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$tools/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download "${packages[@]}" "${haproxy_packages[@]}" >&2)
rm -rf "$tools/root"
for deb in "$tools"/debs/*.deb; do
  log "tools.sh: unpacking $(basename "$deb")"
  dpkg -x "$deb" "$tools/root"
done
bin="$tools/root/usr/bin"
haproxy_wrapper "$tools/root"

check_versions "$bin"

if [ -n "${GITHUB_PATH:-}" ]; then echo "$bin" >>"$GITHUB_PATH"; fi
echo "$bin"
