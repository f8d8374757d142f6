# syntax=docker/dockerfile:1
# opsbot: multi-stage build on the current Node LTS. The build stage compiles TypeScript and the
# native SQLite driver; the runtime stage carries only production dependencies, Ansible, git and an
# ssh client, and runs as an unprivileged user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `npm install`, still pinned by the lockfile: the lockfile is written without other platforms'
# optional packages (rollup's), and `npm ci` refuses such a lockfile as "out of sync" (see
# test/setup/install.sh, which does the same for the same reason).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY test/bench ./test/bench
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# ansible runs the playbooks: the full package, not ansible-core alone, because opsbot reads the
# ansible.posix.jsonl stdout callback and the playbooks use community.general (both are collections
# ansible-core lacks); git syncs the playbook repository (playbooks.repo: simple-git runs the git
# binary); openssh-client reaches the hosts (and git remotes over ssh); tini reaps child processes so a
# cancelled playbook's process group never lingers as zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ansible git openssh-client tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/opsbot --uid 10001 opsbot \
 && mkdir -p /data && chown opsbot /data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY src/config/demo ./src/config/demo
COPY playbooks ./playbooks
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    OPSBOT_DATA_DIR=/data
USER opsbot
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/main.js"]
CMD ["serve"]
