#!/usr/bin/env bash
# Installs Chromium from the distribution's packages, for the report's browser test and
# benchmark (a headless browser renders report.html). Does nothing when one is installed.
set -euo pipefail
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" > /dev/null; then exit 0; fi
done
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium > /dev/null
command -v chromium > /dev/null
