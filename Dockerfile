# A small static image: the binary carries its migrations, static files and
# time zone data.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/weerbaar ./cmd/weerbaar

RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/weerbaar /weerbaar
COPY --from=build --chown=65532:65532 /out/data /var/lib/weerbaar
ENV WEERBAAR_ADDR=0.0.0.0:8080
# Local state (the audit checkpoint file) in the one writable directory.
ENV WEERBAAR_DATA_DIR=/var/lib/weerbaar
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/weerbaar", "healthcheck"]
ENTRYPOINT ["/weerbaar"]
CMD ["serve"]
