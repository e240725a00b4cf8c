# One image for every Ledger service; the command picks the role (ledger all|gateway|write-service|projector).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY platform/package.json platform/
COPY schema/package.json schema/
COPY write-service/package.json write-service/
COPY projector/package.json projector/
COPY gateway/package.json gateway/
COPY client/package.json client/
COPY cli/package.json cli/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && node scripts/strip-test-output.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
EXPOSE 4000 50051
ENTRYPOINT ["node", "cli/dist/main.js"]
CMD ["all"]
