#!/usr/bin/env bash
# Make a fresh build machine ready for hassette-tasks: a running Docker
# engine with Compose v1, debootstrap, uv, and Python 3.11-3.13 findable.
# Safe to run again: every step checks first and does only what is missing.
#   docker/host-setup.sh COMMAND ARGS...   set up, then run COMMAND with PATH,
#                                          PYENV_VERSION and DOCKER set
#   . docker/host-setup.sh                 (in scripts) keep those in this shell
set -euo pipefail

log() { printf '[host-setup] %s\n' "$*" >&2; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Debian's own client speaks BuildKit to Debian's engine; the newer client
# first on PATH has no buildx plugin and falls back to the legacy builder.
if [[ -x /usr/bin/docker ]]; then
    export DOCKER=/usr/bin/docker
else
    export DOCKER=docker
fi
export DOCKER_BUILDKIT=1

if ! "$DOCKER" info >/dev/null 2>&1; then
    log "starting dockerd"
    mkdir -p /var/log
    nohup dockerd >/var/log/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        sleep 1
    done
    "$DOCKER" info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; exit 1; }
fi

# Interpreters installed through pyenv are off PATH until named here.
if command -v pyenv >/dev/null 2>&1; then
    versions=()
    for minor in 3.11 3.12 3.13; do
        v=$(pyenv versions --bare 2>/dev/null | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)
        [[ -n "$v" ]] && versions+=("$v")
    done
    if ((${#versions[@]})); then
        PYENV_VERSION=$(IFS=:; echo "${versions[*]}")
        export PYENV_VERSION
        export PATH="$(pyenv root)/shims:$PATH"
    fi
fi
export UV_PYTHON_DOWNLOADS=never

if ! command -v uv >/dev/null 2>&1; then
    log "installing uv from PyPI"
    python3 -m pip install --quiet --user uv
    export PATH="$HOME/.local/bin:$PATH"
fi
for minor in 3.11 3.12 3.13; do
    command -v "python$minor" >/dev/null 2>&1 || log "warning: python$minor not found"
done
log "ready: $("$DOCKER" version --format 'engine {{.Server.Version}}'), $(uv --version), PYENV_VERSION=${PYENV_VERSION:-}"

if (($#)); then
    exec "$@"
fi
