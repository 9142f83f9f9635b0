# The Svodka image for docker-compose.yml: worker, portal and one-off database set-up.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# The production database is PostgreSQL (set up by the svodka-db-setup service); Temporal is the
# cluster's, so neither the embedded database nor the dev server is prepared here.
ENV SVODKA_SKIP_DB_SETUP=1 TEMPORAL_ADDRESS=temporal:7233 npm_config_nodedir=/usr/local
RUN npm ci --omit=dev --no-audit --no-fund
