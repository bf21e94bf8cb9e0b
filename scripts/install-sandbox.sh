#!/usr/bin/env bash
# Installs bubblewrap, the sandbox of the bash tool (docs/tools.md), when it is missing: Debian and Ubuntu.
set -euo pipefail
if command -v bwrap >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "bubblewrap (bwrap) is missing: install it with your package manager; without it workers do not offer bash" >&2
  exit 1
fi
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed=(sudo); fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq bubblewrap >/dev/null
