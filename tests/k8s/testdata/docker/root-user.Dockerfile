# expect: final-user-nonroot
FROM debian:12.8-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
FROM scratch AS runtime
COPY --from=builder /out/ /
USER root
ENTRYPOINT ["/app/server"]
