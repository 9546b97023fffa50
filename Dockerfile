# Athar, built from this repository.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin athar

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/athar athar
COPY --from=build /src/target/release/athar /usr/local/bin/athar
USER athar
ENV ATHAR_LISTEN=0.0.0.0:8080 \
    ATHAR_DATA_DIR=/var/lib/athar
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["athar", "serve"]
