# expect: no-add
FROM debian:12.8-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
FROM scratch AS runtime
ADD server.tar.gz /
USER 65532:65532
ENTRYPOINT ["/app/server"]
