#!/usr/bin/env bash
# Installs the Debian packages `make run` and the tests need (Caddy, the edge; Redis server;
# PostgreSQL, which tests/rasa/test_reports.py starts in a temp dir; headless Chromium and its driver).
# Runs apt-get only when something is missing. Needs root (or sudo).
#   scripts/system_deps.sh        everything (make test)
#   scripts/system_deps.sh run    only what `make run` needs (caddy)
set -euo pipefail
pkgs=()
command -v caddy >/dev/null        || pkgs+=(caddy)
if [ "${1:-}" != run ]; then
command -v redis-server >/dev/null || pkgs+=(redis-server)
# Debian keeps initdb/pg_ctl in /usr/lib/postgresql/VERSION/bin (devtools/postgres.py finds them)
command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || pkgs+=(postgresql)
command -v chromium >/dev/null     || pkgs+=(chromium)
command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0
echo "==> installing Debian packages: ${pkgs[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
  echo "ERROR: need root to install ${pkgs[*]}; run: apt-get install ${pkgs[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
# Debian's caddy package enables a system-wide caddy.service on :80 (all interfaces) with a welcome
# page. We run our own edge on 127.0.0.1 (deploy/caddy/Caddyfile.dev): switch the service off.
if [[ " ${pkgs[*]} " == *" caddy "* ]] && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now caddy.service >/dev/null 2>&1 || true
fi
echo "==> installed ${pkgs[*]}"
