# shellcheck shell=bash
# Provides the project's toolchain, Node 24 (.node-version) and pnpm (package.json's
# packageManager), from the npm registry into the machine-wide cache, and puts them first on PATH
# for this process only. The machine's own Node stays untouched. Sourced by ./saga.
# Why this and not nvm/corepack: docs/adr/0002-node-24-and-toolchain.md.

saga_log() { printf '[bootstrap] %s\n' "$*" >&2; }

# Downloads an npm package's tarball and unpacks it into $2 (its `package/` folder's content).
saga_fetch_npm_package() {
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  else
    local name="${spec%@*}" version="${spec##*@}"
    curl -fsSL --retry 3 -o "$tmp/pkg.tgz" \
      "https://registry.npmjs.org/${name}/-/${name##*/}-${version}.tgz"
  fi
  mkdir -p "$dest.partial"
  tar -xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1
  rm -rf "$tmp" "$dest"
  mv "$dest.partial" "$dest"
}

saga_bootstrap() {
  local root="$1"
  local cache="${SAGA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/saga-platform}"
  cache="${cache/#\~/$HOME}"
  local node_version pnpm_version
  node_version="$(tr -d '[:space:]' <"$root/.node-version")"
  pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$root/package.json")"
  if [ -z "$node_version" ] || [ -z "$pnpm_version" ]; then
    saga_log "cannot read the Node version (.node-version) or pnpm version (package.json)"
    return 1
  fi

  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) saga_log "unsupported CPU $(uname -m)"; return 1 ;;
  esac
  # Linux only: the native stack relies on /proc, setpriv and Debian packages.
  local os=linux
  if [ "$(uname -s)" != Linux ]; then
    saga_log "the native stack runs on Linux; elsewhere use docker compose (see README.md)"
    return 1
  fi

  local node_dir="$cache/node-v$node_version-$os-$arch"
  if [ ! -x "$node_dir/bin/node" ]; then
    local t0=$SECONDS
    saga_log "installing Node $node_version from the npm registry (node-$os-$arch) into $node_dir"
    mkdir -p "$cache"
    saga_fetch_npm_package "node-$os-$arch@$node_version" "$node_dir"
    saga_log "Node $node_version installed in $((SECONDS - t0))s"
  fi

  local pnpm_dir="$cache/pnpm-$pnpm_version"
  if [ ! -f "$pnpm_dir/bin/pnpm.cjs" ]; then
    local t0=$SECONDS
    saga_log "installing pnpm $pnpm_version from the npm registry into $pnpm_dir"
    saga_fetch_npm_package "pnpm@$pnpm_version" "$pnpm_dir"
    saga_log "pnpm $pnpm_version installed in $((SECONDS - t0))s"
  fi

  # A bin folder holding exactly this pair, first on PATH: `node` and `pnpm` below resolve here.
  local shims="$cache/toolchain-node$node_version-pnpm$pnpm_version/bin"
  if [ ! -x "$shims/pnpm" ]; then
    mkdir -p "$shims"
    ln -sf "$node_dir/bin/node" "$shims/node"
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_dir/bin/node" "$pnpm_dir/bin/pnpm.cjs" >"$shims/pnpm"
    chmod +x "$shims/pnpm"
  fi
  export PATH="$shims:$PATH"
  export SAGA_CACHE_DIR="$cache"
  # Keep pnpm from trying to manage its own version (it is pinned and provided here).
  export COREPACK_ENABLE_STRICT=0 npm_config_manage_package_manager_versions=false

  # Dependencies: a no-op in about a second when the lockfile is already satisfied.
  if ! (cd "$root" && pnpm install --frozen-lockfile --prefer-offline >&2); then
    saga_log "pnpm install failed"
    return 1
  fi
}
