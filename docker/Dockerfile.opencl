# OpenCL image: the CPU image's stack with Theano's GPU back-end on POCL, an
# OpenCL device that runs on the CPU, to test the GPU code path without a
# GPU (docs/gpu-docker.rst). Debian 12's POCL, CLBlast, libgpuarray and
# pygpu 0.7.6, as scripts/setup-opencl.sh installs them for `make test-opencl`.
#   docker build -f docker/Dockerfile.opencl -t facial-keypoints:opencl .
#   docker run --rm facial-keypoints:opencl doctor
ARG BASE=python:3.11.7-slim-bookworm
FROM ${BASE}
ARG WHEELS=

WORKDIR /opt/facial-keypoints
COPY requirements.txt requirements-gpu.txt setup.py README.rst ./
COPY facial_keypoints ./facial_keypoints
COPY install.py ./
COPY docker/install.sh ./docker/
COPY scripts/lib.sh ./scripts/
COPY scripts/setup-opencl.sh scripts/build-pygpu.sh ./scripts/
RUN PYTHON=python3.11 docker/install.sh \
    && VENV=/opt/fkp scripts/setup-opencl.sh \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/opt/fkp/bin:${PATH} \
    FKP_DATA_DIR=/data \
    THEANO_FLAGS=device=opencl0:0,floatX=float32,base_compiledir=/theano-cache \
    PYTHONUNBUFFERED=1
RUN kfkd_doctor="python -m facial_keypoints.kfkd doctor" \
    && THEANO_FLAGS=device=opencl0:0,floatX=float32,base_compiledir=/tmp/theano $kfkd_doctor \
    && rm -rf /tmp/theano
VOLUME ["/data", "/theano-cache"]
WORKDIR /work
ENTRYPOINT ["tini", "--", "python", "-m", "facial_keypoints.kfkd"]
CMD ["doctor"]
