#!/usr/bin/env bash
# Installs the Debian packages the tests need (Redis server, headless Chromium and its driver).
# Runs apt-get only when something is missing. Needs root (or sudo).
set -euo pipefail
pkgs=()
command -v redis-server >/dev/null || pkgs+=(redis-server)
command -v chromium >/dev/null     || pkgs+=(chromium)
command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
[ ${#pkgs[@]} -eq 0 ] && exit 0
echo "==> installing Debian packages: ${pkgs[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
  echo "ERROR: need root to install ${pkgs[*]}; run: apt-get install ${pkgs[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "==> installed ${pkgs[*]}"
