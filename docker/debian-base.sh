#!/usr/bin/env bash
# Import a minimal Debian root filesystem as a Docker image, unless TAG already exists.
#   docker/debian-base.sh TAG SUITE PACKAGE...
# mmdebstrap writes the tar to stdout, straight into `docker import`: no temporary tree.
# The caller names TAG after the suite and the ISO week (hassette-tasks-debian:bookworm-2026w47),
# so a new week's build picks up Debian's updates; `docker image rm TAG` refreshes it sooner.
# Like Debian's -slim images: no manuals, docs or translations, now or for later apt installs.
set -euo pipefail
tag=$1 suite=$2
shift 2
docker=${DOCKER:-docker}
"$docker" image inspect "$tag" >/dev/null 2>&1 && exit 0

echo "[debian-base] $tag: mmdebstrap $suite with $*" >&2
include=$(IFS=,; echo "$*")
# Valid-Until: a testing suite's Release file expires within days, and a mirror or clock that
# lags makes apt refuse it (debootstrap never checks it); the signatures are still checked.
# maybe-merged-usr: /usr merged by symlinks, without the usrmerge package (and its perl)
if id=$(mmdebstrap --variant=minbase --include="$include" \
    --hook-dir=/usr/share/mmdebstrap/hooks/maybe-merged-usr \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "$suite" - "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" |
    "$docker" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' -); then
    "$docker" tag "$id" "$tag"
else
    # docker imports whatever arrived, even nothing: never leave that behind
    [[ -z ${id:-} ]] || "$docker" image rm "$id" >/dev/null
    echo "[debian-base] mmdebstrap or docker import failed; $tag not made" >&2
    exit 1
fi
