# syntax=docker/dockerfile:1
# One image per service, built from the repository root; docker-compose.yml passes the
# service's folder name as SERVICE (inventory, payment, shipping, order or gateway).
# Services run from their TypeScript sources (Node 24 strips the types): no build step. The
# image holds the workspace with its dependencies and starts in the service's folder.
FROM node:24-bookworm-slim

# The project's pnpm (package.json "packageManager").
RUN npm install --global pnpm@10.34.9 && npm cache clean --force

WORKDIR /app
ENV CI=true

# Dependencies from the lockfile alone: this layer is reused until the lockfile changes, and
# shared by the five images.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

# The sources, including libs/contracts/proto and its buf.yaml and buf.gen.yaml: the root
# postinstall generates libs/contracts/src/gen from them during this install.
COPY . .
RUN pnpm install --frozen-lockfile --offline

ARG SERVICE
WORKDIR /app/services/${SERVICE}
RUN test -f src/main.ts || { echo "services/${SERVICE}/src/main.ts not found; pass --build-arg SERVICE=<service>" >&2; exit 1; }
USER node
# The same command as the native stack (infra/local/src/components/service.ts).
CMD ["node", "--disable-warning=TimeoutNegativeWarning", "--import", "@saga/telemetry/register", "src/main.ts"]
