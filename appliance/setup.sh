#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a Debian 12 machine: the Debian packages (README, Quick
# start), then node_modules from package-lock.json. Idempotent, and quick when nothing is missing, because
# it runs before every start and every test run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Media and SIP peers, Japanese prompts, the browser for UI tests with a Japanese font (so screenshots
# show text, not boxes), the sqlite3 shell, and systemd for `systemd-analyze verify` of the units.
PACKAGES=(
  rtpengine-daemon sip-tester baresip-core sox espeak-ng
  open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001
  chromium fonts-noto-cjk sqlite3 systemd
  kamailio  # the C baseline of the SIP benchmark (test/bench/sip-b2bua.ts)
)
# The Open JTalk voice is in Debian's contrib section; these add contrib where only main is listed.
DEB822=/etc/apt/sources.list.d/debian.sources
DEB822_SED='/^Components:/{/ contrib( |$)/!s/$/ contrib/}'
CLASSIC=/etc/apt/sources.list
CLASSIC_SED='/^deb(-src)?[[:space:]]/{/ contrib( |$)/!s/ main( |$)/ main contrib\1/}'

node_version=$(node --version 2>/dev/null || echo none)
node_major=${node_version#v}
if [[ ${node_major%%.*} != 20 ]]; then
  echo "setup: Node.js 20 is required (better-sqlite3 12 and the pinned toolchain), found: $node_version" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  enable_contrib=()
  if [[ -f $DEB822 ]]; then enable_contrib+=("sed -i -E '$DEB822_SED' $DEB822"); fi
  if [[ -f $CLASSIC ]]; then enable_contrib+=("sed -i -E '$CLASSIC_SED' $CLASSIC"); fi
  install="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if ((EUID != 0)); then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run these as root, then start again:" >&2
    printf '  %s\n' "${enable_contrib[@]}" "apt-get update" "$install" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  if [[ -f $DEB822 ]]; then sed -i -E "$DEB822_SED" "$DEB822"; fi
  if [[ -f $CLASSIC ]]; then sed -i -E "$CLASSIC_SED" "$CLASSIC"; fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# npm ci rewrites node_modules/.package-lock.json, so it reruns only after the lock file changed.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing node modules (npm ci)"
  npm ci --no-audit --no-fund
fi
