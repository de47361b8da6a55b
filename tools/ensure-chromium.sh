#!/usr/bin/env bash
# Browser tests drive Debian's chromium (never a downloaded browser). Install it where missing
# and possible (root with apt-get); otherwise say loudly that browser tests will be skipped.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq >/dev/null 2>&1
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
    exit 0
  fi
fi
echo "############################################################################"
echo "# chromium is not installed and could not be installed here:              #"
echo "# BROWSER TESTS WILL BE SKIPPED. Install it with: apt-get install chromium  #"
echo "############################################################################"
exit 0
