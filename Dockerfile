# Athar, built from this repository.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin athar

# The front-end files the map page serves (pinned in web/package-lock.json).
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/athar athar
COPY --from=build /src/target/release/athar /usr/local/bin/athar
COPY --from=web /web/node_modules/maplibre-gl/dist /usr/share/athar/web/node_modules/maplibre-gl/dist
COPY --from=web /web/node_modules/@mapbox/mapbox-gl-rtl-text/dist /usr/share/athar/web/node_modules/@mapbox/mapbox-gl-rtl-text/dist
USER athar
ENV ATHAR_LISTEN=0.0.0.0:8080 \
    ATHAR_DATA_DIR=/var/lib/athar \
    ATHAR_WEB_DIR=/usr/share/athar/web
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["athar", "serve"]
