# syntax=docker/dockerfile:1
# The one textport image: every role of the suite is `textport serve <role>` (the Helm chart in
# helm/textport runs one Deployment per role, and `textport migrate <role>` as a hook Job).
#
#   docker build -t textport:0.1.0 .
#   docker run --rm textport:0.1.0 roles
#   docker run --rm textport:0.1.0 operator-key
#   docker run --rm -p 8080:8080 textport:0.1.0 up --listen 0.0.0.0:8080     (the demo, SQLite)
#
# Builder and runtime are both Debian 12 (bookworm), so the binary's glibc matches. TLS is rustls
# (webpki roots), SQLite is bundled: the runtime needs only libc, libgcc and CA certificates, which
# distroless/cc has.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit); the binary is copied out of
# the cached target in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p textport \
    && install -D -m 0755 target/release/textport /out/textport \
    && install -d -m 0755 -o 10001 -g 10001 /out/var/lib/textport

FROM gcr.io/distroless/cc-debian12
LABEL org.opencontainers.image.title="textport" \
      org.opencontainers.image.description="Hosted SMS, internal number transfers and messaging on port, behind a Telnyx-compatible API" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/textport /usr/local/bin/textport
# `up` keeps its SQLite files under ./data; in Kubernetes (`serve`, PostgreSQL) nothing is written
# but /tmp, and the root filesystem is read-only.
COPY --from=build --chown=10001:10001 /out/var/lib/textport /var/lib/textport
WORKDIR /var/lib/textport
USER 10001:10001
EXPOSE 8080 8081 50051 9090
ENTRYPOINT ["/usr/local/bin/textport"]
