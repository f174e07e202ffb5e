#!/usr/bin/env bash
# Make a fresh build machine ready for hassette-tasks: a running Docker
# engine with Compose v1, mmdebstrap, uv, and the host's Pythons findable.
# Safe to run again: every step checks first and does only what is missing.
#   docker/host-setup.sh COMMAND ARGS...   set up, then run COMMAND with PATH,
#                                          PYENV_VERSION and DOCKER set
#   . docker/host-setup.sh                 (in scripts) keep those in this shell
set -euo pipefail

log() { printf '[host-setup] %s\n' "$*" >&2; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
command -v mmdebstrap >/dev/null 2>&1 || need_apt+=(mmdebstrap)
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

# Interpreters installed through pyenv are off PATH until named here: the newest of each
# Python 3 minor version the project supports (requires-python), oldest first, so `python3`
# stays the oldest. A Python the host lacks (3.14 here) comes from Debian's packages in an image.
if command -v pyenv >/dev/null 2>&1; then
    pyproject="$(dirname "${BASH_SOURCE[0]}")/../pyproject.toml"
    oldest=$(sed -n 's/^requires-python = ">=3\.\([0-9]*\).*/\1/p' "$pyproject")
    versions=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -V |
        awk -F. -v oldest="${oldest:-0}" '$2 >= oldest {newest[$2] = $0}
            END {for (minor in newest) print newest[minor]}' | sort -V || true)
    if [[ -n "$versions" ]]; then
        PYENV_VERSION=$(echo $versions | tr ' ' :)
        export PYENV_VERSION
        export PATH="$(pyenv root)/shims:$PATH"
    fi
fi
export UV_PYTHON_DOWNLOADS=never

export PATH="$HOME/.local/bin:$PATH"  # where an earlier run put uv
if ! command -v uv >/dev/null 2>&1; then
    log "installing uv from PyPI"
    python3 -m pip install --quiet --user uv
fi
log "ready: $("$DOCKER" version --format 'engine {{.Server.Version}}'), $(uv --version), PYENV_VERSION=${PYENV_VERSION:-}"

if (($#)); then
    exec "$@"
fi
