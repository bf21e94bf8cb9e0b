#!/usr/bin/env bash
# Installs PostgreSQL's server binaries when they are missing (Debian and Ubuntu): the tests of the PostgreSQL
# store start a throwaway server from them (scripts/lib/throwaway-postgres.ts), and the TLS test makes its
# certificates with openssl. Nothing is started here.
set -euo pipefail
has_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
if has_postgres && command -v openssl >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "PostgreSQL or openssl is missing: install PostgreSQL's server package (initdb, pg_ctl) and openssl" >&2
  exit 1
fi
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed=(sudo); fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq postgresql openssl >/dev/null
