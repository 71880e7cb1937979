# OneKey gateway image. Node 24 runs the TypeScript sources directly (type stripping); the only
# build is the console's (web/ → web/dist), in its own stage so the image keeps production
# dependencies only.
# The base is pinned to the Node version package.json pins (the `node` dev dependency).
FROM node:24.21.0-slim AS console
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY web ./web
COPY src/contracts ./src/contracts
RUN npm run build:console

FROM node:24.21.0-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY src ./src
# The docs the public site renders at /docs (one source with the repository's Markdown).
COPY docs ./docs
COPY deploy/README.md ./deploy/README.md
COPY --from=console /build/web/dist ./web/dist
COPY onekey.example.yaml ./
# Node's compile cache, filled at build time (`--help` loads every module `serve` does): the
# gateway then starts without the TypeScript stripper (~15–25 MB less resident memory).
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node --disable-warning=ExperimentalWarning src/cli/onekey.ts --help > /dev/null \
    && mkdir -p /app/data && chown -R node:node /app/data /app/.compile-cache
# Two malloc arenas instead of one per thread; the node flags below are bin/onekey's (see there).
ENV ONEKEY_HOST=0.0.0.0 \
    ONEKEY_CONFIG=/app/onekey.example.yaml \
    MALLOC_ARENA_MAX=2
EXPOSE 8787
USER node
# Probes the port the gateway listens on (ONEKEY_PORT when set, else the default 8787).
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.ONEKEY_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--disable-warning=ExperimentalWarning", "--max-semi-space-size=16", "--heap-growing-percent=30", "src/cli/onekey.ts", "serve"]
