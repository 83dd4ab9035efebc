#!/usr/bin/env bash
# The test suite, with what it needs. On Debian/Ubuntu it first installs the packages the tests use when they are
# absent, without prompts: chromium (the browser tests of the HTML reports), dataset-fashion-mnist (the training tests
# read /usr/share/datasets/fashion-mnist) and fonts-dejavu-core (the plots' font). When all are present it does not
# call apt-get at all; it uses sudo only when it is not root (and then sudo must exist and not ask for a password).
# Then: dotnet test -c Release, with any extra arguments passed on (e.g. ./test.sh --filter Category=Browser).
set -euo pipefail
cd "$(dirname "$0")"
packages=(chromium dataset-fashion-mnist fonts-dejavu-core)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
else
  echo "test.sh: no dpkg here; install ${packages[*]} (or their equivalents) yourself if the tests ask for them." >&2
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "test.sh: ${missing[*]} missing, and neither root nor sudo here: install them as root (apt-get install ${missing[*]})." >&2
      exit 1
    fi
    sudo=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
exec dotnet test -c Release "$@"
