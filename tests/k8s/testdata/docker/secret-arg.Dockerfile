# expect: no-secrets
FROM debian:12.8-slim AS builder
ARG GITHUB_TOKEN
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
FROM scratch AS runtime
COPY --from=builder /out/ /
USER 65532:65532
ENTRYPOINT ["/app/server"]
