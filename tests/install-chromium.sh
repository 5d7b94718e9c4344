#!/usr/bin/env bash
# Debian's Chromium, headless, for the report tests (report.html is rendered and its drawing checked).
# Cold: 115 MB from the Debian mirror, 16 s on the CI machine (2026-12-06); a no-op once installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
