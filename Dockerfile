# The Svodka image for docker-compose.yml: worker, portal and one-off database set-up.
# Two stages: the compiler that builds better-sqlite3 and the Prisma clients stays in the first;
# the image that runs holds only the production node_modules and the application, owned by root
# and run as the unprivileged user `node`.

FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The production database is PostgreSQL (set up by the svodka-db-setup service); Temporal is the
# cluster's, so neither the embedded database nor the dev server is prepared here.
ENV SVODKA_SKIP_DB_SETUP=1 TEMPORAL_ADDRESS=temporal:7233 npm_config_nodedir=/usr/local
# .dockerignore keeps secrets (.env*, keys), data and the host's node_modules out of the context.
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production SVODKA_SKIP_DB_SETUP=1 TEMPORAL_ADDRESS=temporal:7233 SVODKA_DATA_DIR=/var/lib/svodka
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/generated ./generated
COPY --from=build /app/bin ./bin
COPY --from=build /app/activities ./activities
COPY --from=build /app/application ./application
COPY --from=build /app/infrastructure ./infrastructure
COPY --from=build /app/client ./client
COPY --from=build /app/domain ./domain
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/worker ./worker
COPY --from=build /app/workflows ./workflows
RUN mkdir -p /var/lib/svodka && chown node:node /var/lib/svodka
USER node
