#!/usr/bin/env bash
# Theano's GPU back-end for CUDA on Debian 12 (docker/Dockerfile.gpu and
# Dockerfile.g2 run it; on a Debian 12 machine with an NVIDIA driver it sets
# up .venv the same way):
#   libgpuarray-dev, python3-pygpu   libgpuarray and pygpu 0.7.6 from Debian
#                                    (built with its CUDA back-end); pygpu
#                                    is compiled for the virtual environment's
#                                    CPython and NumPy by scripts/build-pygpu.sh
#   NVRTC and cuBLAS                 CUDA 11.8's from Debian's non-free
#                                    component (enabled here where it is not):
#                                    the runtime libraries alone, without the
#                                    toolkit; or, with CUDA_LIBS=DIR, the
#                                    libraries in DIR (Dockerfile.g2: CUDA
#                                    10.2's), copied to /usr/local/lib
# libgpuarray opens them as libnvrtc.so and libcublas.so: libcublas.so is a
# link, libnvrtc.so the NVRTC wrapper facial_keypoints/upstream/nvrtc_arch.c,
# built here against the real NVRTC, which compiles for the newest
# architecture that NVRTC knows where libgpuarray asks for a newer one or
# names a Blackwell GPU's cut short. No cuDNN (see docker/README.md); the
# driver's libcuda.so is not installed: it is the host's, put in by
# `docker run --gpus all`.
#
# Debian's CUDA packages are pinned to the versions Debian 12 publishes: CUDA
# 11.8 needs a driver of R520 or later, which supports no Kepler GPU. When
# Debian replaces them (a point release), apt names the version it has;
# change CUDA_VERSIONS to it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
name=setup-cuda
. scripts/lib.sh

CUDA_VERSIONS=(libnvrtc11.2=11.8.89~11.8.0-5~deb12u1
               libnvrtc-builtins11.8=11.8.89~11.8.0-5~deb12u1
               libcublas11=11.11.3.6~11.8.0-5~deb12u1
               libcublaslt11=11.11.3.6~11.8.0-5~deb12u1)
packages=(libgpuarray-dev python3-pygpu)
cuda_libs=${CUDA_LIBS:-}
if [ -n "$cuda_libs" ]; then
    libdir=/usr/local/lib
    nvrtc=$(cd "$cuda_libs" && echo libnvrtc.so.*) cublas=$(cd "$cuda_libs" && echo libcublas.so.*)
else
    packages+=("${CUDA_VERSIONS[@]}")
    libdir=/usr/lib/x86_64-linux-gnu
    nvrtc=libnvrtc.so.11.2 cublas=libcublas.so.11
fi

[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    || { say "needs root and apt-get (Debian 12) to install ${packages[*]}"; exit 1; }
# shellcheck disable=SC1091
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || { say "needs Debian 12 (bookworm), not ${PRETTY_NAME:-this system}"; exit 1; }

if [ -z "$cuda_libs" ] && ! grep -rqs 'non-free\b' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "enabling Debian 12's non-free component (NVIDIA's CUDA libraries)"
    cat >/etc/apt/sources.list.d/fkp-non-free.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
say "installing ${packages[*]}"
apt_install "${packages[@]}"
if [ -n "$cuda_libs" ]; then
    say "installing $(cd "$cuda_libs" && echo *) from $cuda_libs"
    install -m 0644 "$cuda_libs"/* "$libdir/"
fi

for library in "$nvrtc" "$cublas"; do
    [ -e "$libdir/$library" ] || { say "$libdir/$library is missing after the install"; exit 1; }
done
ln -sf "$libdir/$cublas" /usr/local/lib/libcublas.so
rm -f /usr/local/lib/libnvrtc.so
cc -shared -fPIC -O2 -Wall -o /usr/local/lib/libnvrtc.so facial_keypoints/upstream/nvrtc_arch.c \
    -L"$libdir" -Wl,--no-as-needed -l:"$nvrtc" -ldl
ldconfig

"$venv/bin/python" -m pip install -q ${WHEELS:+--no-index --find-links "$WHEELS" \
    --trusted-host "$(echo "$WHEELS" | sed -E 's#^[a-z]+://([^:/]+).*#\1#')"} \
    -r requirements-gpu.txt
VENV=$venv scripts/build-pygpu.sh
"$venv/bin/python" - <<'PY'
import ctypes
for name in ('libgpuarray.so.3', 'libnvrtc.so', 'libcublas.so'):
    ctypes.CDLL(name)  # OSError names the one that does not open
PY
