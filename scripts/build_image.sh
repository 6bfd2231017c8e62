#!/usr/bin/env bash
# Build the Dockerfile's image without a Docker engine and check that it serves: buildah with chroot isolation, a
# local stand-in for the base image (Debian bookworm with python3, made by mmdebstrap, tagged under the base image's
# name) used with --pull=never, and the host's CA bundle mounted for pip. Not part of CI.
#
#   sudo apt-get install buildah mmdebstrap     # once
#   scripts/build_image.sh                      # build, then start the image and wait for /health/ready
#
# Environment: IMAGE (default localhost/escalation-risk:latest), PORT (default 18000), CA_BUNDLE (default: $PIP_CERT
# or /etc/ssl/certs/ca-certificates.crt), KEEP_BASE=1 to reuse an existing stand-in base image.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/python:3.11-slim-bookworm
IMAGE=${IMAGE:-localhost/escalation-risk:latest}
PORT=${PORT:-18000}
CA_BUNDLE=${CA_BUNDLE:-${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}}
READY_TIMEOUT=${READY_TIMEOUT:-300}
WORK=$(mktemp -d)
SERVER_PID=""

stop_server() {
    # buildah run does not pass signals on to the container's processes: stop the whole process group it leads
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -INT -- "-$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 -- "-$SERVER_PID" 2>/dev/null || break; sleep 1; done
        kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in buildah mmdebstrap curl; do
    command -v "$tool" >/dev/null || { echo "build_image: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

# 1. The base image: no registry is reachable, so make a local one and tag it with the name the Dockerfile uses.
if [[ "${KEEP_BASE:-0}" == 1 ]] && buildah inspect --type image "$BASE" >/dev/null 2>&1; then
    echo "build_image: reusing the stand-in $BASE"
else
    echo "build_image: making a stand-in for $BASE with mmdebstrap"
    mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates,passwd \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        bookworm "$WORK/rootfs.tar"
    container=$(buildah from --isolation chroot scratch)
    buildah add "$container" "$WORK/rootfs.tar" /
    buildah config --env LANG=C.UTF-8 --cmd python3 "$container"
    buildah commit --rm "$container" "$BASE"
fi

# 2. The image, as the Dockerfile says, with nothing pulled (docker format: OCI images drop the HEALTHCHECK).
echo "build_image: building $IMAGE"
buildah bud --isolation chroot --pull=never --layers --format docker \
    --volume "$CA_BUNDLE:/etc/ssl/certs/host-ca.crt:ro" --build-arg PIP_CERT=/etc/ssl/certs/host-ca.crt \
    -t "$IMAGE" -f Dockerfile .

# 3. Start it (chroot isolation shares the host's network: it listens on 127.0.0.1:$PORT) and wait for readiness.
echo "build_image: starting $IMAGE on 127.0.0.1:$PORT"
container=$(buildah from --pull-never "$IMAGE")
setsid buildah run --isolation chroot "$container" -- \
    escalation serve --host 127.0.0.1 --port "$PORT" --workers 2 > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!  # setsid: the server leads its own process group, so stop_server can end all of it
deadline=$((SECONDS + READY_TIMEOUT))
until status=$(curl -s -o "$WORK/ready.json" -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready") \
        && [[ "$status" == 200 ]]; do
    if (( SECONDS > deadline )) || ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "build_image: the image did not become ready; its log:" >&2
        cat "$WORK/serve.log" >&2
        buildah rm "$container" >/dev/null || true
        exit 1
    fi
    sleep 1
done
echo "build_image: GET /health/ready -> $status $(cat "$WORK/ready.json")"
echo "build_image: GET /model -> $(curl -s "http://127.0.0.1:$PORT/model" | head -c 200)..."
echo "build_image: running as uid $(buildah run --isolation chroot "$container" -- id -u)"
echo "build_image: HEALTHCHECK $(buildah inspect --type image --format '{{.Docker.Config.Healthcheck.Test}}' "$IMAGE")"
stop_server
buildah rm "$container" >/dev/null
echo "build_image: $IMAGE built and answered /health/ready"
