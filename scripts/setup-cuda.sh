#!/usr/bin/env bash
# Theano's GPU back-end for CUDA on Debian 12, all from Debian's package
# registry (docker/Dockerfile.gpu runs it; on a Debian 12 machine with an
# NVIDIA driver it sets up .venv the same way):
#   libgpuarray-dev, python3-pygpu   libgpuarray and pygpu 0.7.6 (Debian builds
#                                    libgpuarray with its CUDA back-end); pygpu
#                                    is compiled for the virtual environment's
#                                    CPython and NumPy by scripts/build-pygpu.sh
#   libnvrtc11.2, libcublas11        NVRTC and cuBLAS of CUDA 11.8, from
#                                    non-free (enabled here where it is not):
#                                    the runtime libraries alone, without the
#                                    toolkit; no cuDNN (see docker/README.md)
# and the unversioned links libgpuarray opens them by (libnvrtc.so,
# libcublas.so), in /usr/local/lib. The driver's libcuda.so is not installed:
# it is the host's, put in by `docker run --gpus all`.
#
# The CUDA packages are pinned to the versions Debian 12 publishes: CUDA 11.8
# compiles PTX for compute_35 to compute_90 and needs a driver of R520 or
# later, which supports no Kepler GPU: Maxwell to Hopper. When Debian
# replaces them (a point release), apt names the version it has; change
# CUDA_VERSIONS to it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
name=setup-cuda
. scripts/lib.sh

CUDA_VERSIONS=(libnvrtc11.2=11.8.89~11.8.0-5~deb12u1
               libnvrtc-builtins11.8=11.8.89~11.8.0-5~deb12u1
               libcublas11=11.11.3.6~11.8.0-5~deb12u1
               libcublaslt11=11.11.3.6~11.8.0-5~deb12u1)
packages=(libgpuarray-dev python3-pygpu "${CUDA_VERSIONS[@]}")
libdir=/usr/lib/x86_64-linux-gnu
links=(libnvrtc.so:libnvrtc.so.11.2 libcublas.so:libcublas.so.11)

[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    || { say "needs root and apt-get (Debian 12) to install ${packages[*]}"; exit 1; }
# shellcheck disable=SC1091
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || { say "needs Debian 12 (bookworm), not ${PRETTY_NAME:-this system}"; exit 1; }

if ! grep -rqs 'non-free\b' /etc/apt/sources.list /etc/apt/sources.list.d/; then
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

for link in "${links[@]}"; do
    name=${link%%:*} target=$libdir/${link#*:}
    [ -e "$target" ] || { say "$target is missing after the install"; exit 1; }
    ln -sf "$target" "/usr/local/lib/$name"
done
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
