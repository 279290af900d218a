# HashScope: one image, the role is chosen by the command (README.md#docker-compose):
#   bun run start   proxy + UI/API (ports 3333 and 8000)   <- default
#   bun run agent   one agent (no listening port)
#   bun run relay   development Nostr relay (port 7447; set RELAY_HOST=0.0.0.0 in a container)
ARG BUN_VERSION=1.4.5

# Stage 1: production dependencies only, exactly as locked.
FROM oven/bun:${BUN_VERSION} AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production

# Stage 2: runtime. Bun runs the TypeScript sources directly; no build step.
FROM oven/bun:${BUN_VERSION}-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock tsconfig.json ./
COPY src ./src
COPY agent ./agent
COPY drizzle ./drizzle
# DATABASE_URL defaults to sqlite:data/hashscope.db; mount a volume here to keep captures.
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
EXPOSE 3333 8000
# Agents stop on SIGTERM after a last telemetry event.
STOPSIGNAL SIGTERM
CMD ["bun", "run", "start"]
