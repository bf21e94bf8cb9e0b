#!/usr/bin/env bash
# Installs PostgreSQL's server binaries when they are missing (Debian and Ubuntu): the tests of the PostgreSQL
# store start a throwaway server from them (scripts/lib/throwaway-postgres.ts). Nothing is started here.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "PostgreSQL is missing: install its server package (initdb, pg_ctl) with your package manager" >&2
  exit 1
fi
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed=(sudo); fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq postgresql >/dev/null
