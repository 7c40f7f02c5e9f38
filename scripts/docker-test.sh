#!/usr/bin/env bash
# `make docker-test`: build the CPU, OpenCL and CUDA images on a local
# Debian 12 base and test them for real, the CUDA ones without a GPU
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
#    (docker/install.sh installs only from them); and PyTorch 1.12.1's wheel,
#    whose CUDA 10.2 libraries the g2 image takes, downloaded once into
#    ~/.cache/facial-keypoints/ (checked against Dockerfile.g2's SHA-256)
#    and served the same way;
# 4. facial-keypoints:cpu, facial-keypoints:opencl, facial-keypoints:gpu and
#    facial-keypoints:g2, then the tests.
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

# The g2 image's wheel: its URL and hash have one home, Dockerfile.g2.
torch_url=$(sed -n 's/^ARG TORCH_WHEEL=//p' docker/Dockerfile.g2)
torch_sha256=$(sed -n 's/^ARG TORCH_WHEEL_SHA256=//p' docker/Dockerfile.g2)
kept=${XDG_CACHE_HOME:-$HOME/.cache}/facial-keypoints
torch_wheel=$kept/$(basename "$torch_url")
if ! echo "$torch_sha256  $torch_wheel" | sha256sum -c --status - 2>/dev/null; then
    say "downloading $(basename "$torch_wheel") (776 MB, once) into $kept"
    mkdir -p "$kept"
    rm -f "$torch_wheel"
    quietly "$venv/bin/python" -m pip download -q --no-deps --only-binary=:all: \
        --python-version 3.10 --implementation cp --platform manylinux1_x86_64 \
        -d "$kept/partial" "torch==$(basename "$torch_wheel" | cut -d- -f2)"
    mv "$kept/partial/$(basename "$torch_wheel")" "$torch_wheel"
    rm -rf "$kept/partial"
    echo "$torch_sha256  $torch_wheel" | sha256sum -c --status - \
        || { say "$torch_wheel does not have Dockerfile.g2's SHA-256"; exit 1; }
fi
torch_port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" -m http.server --bind 127.0.0.1 --directory "$kept" "$torch_port" >/dev/null 2>&1 &
pids+=($!)

for image in cpu opencl gpu g2; do
    say "building facial-keypoints:$image on $base"
    began=$SECONDS
    before=$(docker image inspect -f '{{.Id}}' "facial-keypoints:$image" 2>/dev/null || true)
    quietly docker build --network host -f "docker/Dockerfile.$image" --build-arg "BASE=$base" \
        --build-arg "WHEELS=$url" \
        --build-arg "TORCH_WHEEL=http://127.0.0.1:$torch_port/$(basename "$torch_wheel")" \
        -t "facial-keypoints:$image" .
    # The image this build replaced would stay behind, untagged, each run,
    # and so would g2's build stage (its wheel's URL changes with the port).
    if [ -n "$before" ] && [ "$before" != "$(docker image inspect -f '{{.Id}}' "facial-keypoints:$image")" ]; then
        docker image rm "$before" >/dev/null 2>&1 || true
    fi
    docker image prune -f --filter label=org.facial-keypoints.stage >/dev/null
    say "facial-keypoints:$image built in $((SECONDS - began)) s, $(docker image inspect \
        -f '{{.Size}}' "facial-keypoints:$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
done

FKP_DOCKER_TEST=1 FKP_DOCKER_WHEELS=$url "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    -m docker tests/test_docker_images.py
