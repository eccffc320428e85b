#!/usr/bin/env bash
# Render a results folder's report.html in headless Chromium and save a PNG screenshot.
#
#   docs/render_report.sh RESULTS [OUT.png] [WIDTH] [HEIGHT]
#
# Needs Debian's `chromium` (apt-get install -y chromium). The page has no script and no
# external resource, so it renders offline; the screenshot is taken with networking
# disabled to prove it.
set -euo pipefail
results=${1:?usage: docs/render_report.sh RESULTS [OUT.png] [WIDTH] [HEIGHT]}
out=${2:-${results%/}-report.png}  # beside the folder: --force replaces only what solve wrote
width=${3:-1100}
height=${4:-6000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 2
fi
page=$(cd "$(dirname "$results/report.html")" && pwd)/report.html
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --proxy-server="127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
  --window-size="$width,$height" --screenshot="$out" "file://$page" >/dev/null 2>&1
echo "$out"
