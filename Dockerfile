# The scpf-reports image: a release build on the official Rust image, run on distroless as a
# non-root user. Build it from the repository root:
#   docker build -t scpf-reports:0.1.0 .

# Debian 12 (bookworm) in both stages: the binary links against the glibc the runtime has.
FROM rust:1.95-bookworm AS build
WORKDIR /src
# Queries are checked at compile time against committed data when it exists (.sqlx/), never
# against a live database during an image build.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never

# Dependencies first, against stub sources: this layer is rebuilt only when Cargo.toml or
# Cargo.lock change, not on every source edit.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
    && echo 'fn main() {}' > build.rs \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --bin scpf-reports \
    && rm -rf build.rs src \
        target/release/scpf-reports target/release/deps/scpf_reports-* \
        target/release/deps/libscpf_reports-* target/release/.fingerprint/scpf-reports-* \
        target/release/build/scpf-reports-*

# The real sources. build.rs compiles proto/ with protox (no protoc needed); the migrations are
# embedded in the binary. Tests are not needed to build the binary, so editing them keeps the cache.
COPY build.rs ./
COPY proto ./proto
COPY migrations ./migrations
COPY .sqlx ./.sqlx
COPY src ./src
COPY demo ./demo
COPY locales ./locales
COPY templates ./templates
# COPY keeps the files' own times, which may be older than the stub build: touching them makes
# sure cargo rebuilds the crate instead of keeping the stub.
RUN touch build.rs src/main.rs src/lib.rs \
    && cargo build --release --locked --bin scpf-reports \
    && install -D -m 0755 target/release/scpf-reports /out/scpf-reports

# The C runtime (glibc, libgcc), CA certificates and time zones; no shell, no package manager.
# checkov:skip=CKV_DOCKER_2:Kubernetes ignores HEALTHCHECK; the chart probes grpc.health.v1 natively
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/scpf-reports /usr/local/bin/scpf-reports
# The image's "nonroot" user; the Helm chart runs it with the same ids.
USER 65532:65532
# gRPC API, Prometheus metrics. The plaintext health port (8081) is used only with TLS.
EXPOSE 50051 9090
ENTRYPOINT ["/usr/local/bin/scpf-reports"]
CMD ["serve"]
