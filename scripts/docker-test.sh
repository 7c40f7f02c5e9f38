#!/usr/bin/env bash
# `make docker-test`: build the CPU, OpenCL and CUDA images on a local
# Debian 12 base and test them for real, the CUDA one without a GPU
# (tests/test_docker_images.py):
#
# 1. a Docker engine: the running one, else dockerd started here (as root;
#    Debian's docker.io, installed with debootstrap where missing), with
#    --iptables=false --bridge=none: builds and test containers use the
#    host's network or none;
# 2. the base image fkp-debian:bookworm, made once with
#    `debootstrap --variant=minbase bookworm` (Docker Hub cannot be reached
#    here; FKP_DOCKER_BASE names another base);
# 3. the wheels of requirements.txt, built on the host into
#    .cache/docker-wheels and served on 127.0.0.1 while the images build
#    (docker/install.sh installs only from them);
# 4. facial-keypoints:cpu, facial-keypoints:opencl and facial-keypoints:gpu,
#    then the tests.
# A dockerd started here is stopped at the end; the images stay.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
base=${FKP_DOCKER_BASE:-fkp-debian:bookworm}
name=docker-test
. scripts/lib.sh
mkdir -p .cache
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        say "needs a running Docker engine, or root to start one (Debian's docker.io)"
        exit 1
    fi
    if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
        say "installing docker.io and debootstrap"
        apt_install docker.io debootstrap
    fi
    say "starting dockerd (log: .cache/dockerd.log)"
    dockerd --iptables=false --bridge=none >.cache/dockerd.log 2>&1 &
    pids+=($!)  # stopped again at the end; the images stay
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -5 .cache/dockerd.log >&2; say "dockerd did not start"; exit 1; }
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { say "needs debootstrap to make $base"; exit 1; }
    say "making the base image $base with debootstrap"
    rootfs=$(mktemp -d -t fkp-rootfs.XXXXXX)
    quietly debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
    tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
    rm -rf "$rootfs"
fi

wheels=.cache/docker-wheels
say "wheels of requirements.txt in $wheels"
quietly "$venv/bin/python" -m pip wheel -q --find-links "$wheels" -w "$wheels" \
    -r requirements.txt -r requirements-gpu.txt pytest==8.4.2
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" -m http.server --bind 127.0.0.1 --directory "$wheels" "$port" >/dev/null 2>&1 &
pids+=($!)
url=http://127.0.0.1:$port/

for image in cpu opencl gpu; do
    say "building facial-keypoints:$image on $base"
    began=$SECONDS
    quietly docker build --network host -f "docker/Dockerfile.$image" --build-arg "BASE=$base" \
        --build-arg "WHEELS=$url" -t "facial-keypoints:$image" .
    say "facial-keypoints:$image built in $((SECONDS - began)) s, $(docker image inspect \
        -f '{{.Size}}' "facial-keypoints:$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
done

FKP_DOCKER_TEST=1 FKP_DOCKER_WHEELS=$url "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    -m docker tests/test_docker_images.py
