# syntax=docker/dockerfile:1
#
# kopsmith and a pinned kops, for scheduled jobs (examples/scheduled-upgrade/cronjob.yaml).
#
#   docker build -t kopsmith:0.1.0-kops1.36.2 .      (linux/amd64 or linux/arm64)
#
# The image runs as uid/gid 10001 with a read-only root filesystem: mount writable volumes at
# /work (the working directory and HOME: run logs, the exported kubeconfig, kops' cache) and /tmp
# (kops input files kopsmith writes for the moment of one call). See README, "Container image".

# Node 20, the line kopsmith supports (engines: >=20.17). Pin the digest in production:
# docker build --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:… .
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
# kops 1.36 drives Kubernetes 1.31–1.36; the examples' clusters run 1.35.
ARG KOPS_VERSION=v1.36.2

# ---------------------------------------------------------------- kopsmith, packed as npm publishes it
# Platform-independent JavaScript: built once on the build machine, whatever the target.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS package
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` (the build) needs the sources, copied next.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm pack` runs `prepare` (compile, precompiled validator, oclif manifest) and packs what
# package.json "files" lists: the tarball is exactly what `npm install kopsmith` would get.
RUN npm pack --pack-destination /pkg && mv /pkg/kopsmith-*.tgz /pkg/kopsmith.tgz

# ---------------------------------------------------------------- kops, from its GitHub release, checked
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS kops
# The sha256 of this release's kops-linux-amd64 and kops-linux-arm64, as published beside them
# (kops-linux-*.sha256) and pinned by the Arch User Repository's kops-bin package for v1.36.2; any
# other binary fails the build. Change them together with KOPS_VERSION.
ARG KOPS_VERSION
ARG KOPS_SHA256_AMD64=0a497df3665569f07c76c31a245ab2cc69e1d327faf7805b83358fde5a4b8da1
ARG KOPS_SHA256_ARM64=a76472e9b4ca549202fda98bd706d593be550c203eb5b02c9fbbfd8c20dc5419
# The platform the image is for (set by BuildKit from --platform): amd64 or arm64.
ARG TARGETARCH
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN arch="${TARGETARCH:-amd64}" \
 && case "${arch}" in \
      amd64) sum="${KOPS_SHA256_AMD64}" ;; \
      arm64) sum="${KOPS_SHA256_ARM64}" ;; \
      *) echo "kops publishes no linux build for ${arch}" >&2; exit 1 ;; \
    esac \
 && curl -fsSLo /kops "https://github.com/kubernetes/kops/releases/download/${KOPS_VERSION}/kops-linux-${arch}" \
 && echo "${sum}  /kops" | sha256sum -c - \
 && chmod 0755 /kops

# ---------------------------------------------------------------- the image
FROM ${NODE_IMAGE}
ARG KOPS_VERSION
LABEL org.opencontainers.image.title="kopsmith" \
      org.opencontainers.image.description="Hardened, private Kubernetes clusters on AWS in Germany, driven through kops" \
      org.opencontainers.image.licenses="Apache-2.0" \
      dev.kopsmith.kops-version="${KOPS_VERSION}"

COPY --from=kops /kops /usr/local/bin/kops
COPY --from=package /pkg/kopsmith.tgz /tmp/kopsmith.tgz
# Production dependencies only, from the registry, as a user's `npm install -g` would.
RUN npm install -g --omit=dev --no-audit --no-fund /tmp/kopsmith.tgz \
 && rm /tmp/kopsmith.tgz \
 && npm cache clean --force \
 && groupadd --gid 10001 kopsmith \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /work --shell /usr/sbin/nologin kopsmith \
 && install -d -o 10001 -g 10001 -m 0700 /work

ENV NODE_ENV=production \
    HOME=/work \
    TMPDIR=/tmp \
    KOPSMITH_KOPS=/usr/local/bin/kops
WORKDIR /work
# Numeric, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
ENTRYPOINT ["kopsmith"]
CMD ["--help"]
