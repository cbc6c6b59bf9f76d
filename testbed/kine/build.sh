#!/usr/bin/env bash
# Builds github.com/k3s-io/kine (version pinned by go.mod/go.sum here) into testbed/bin/kine.
# CGO on (mattn/go-sqlite3, as upstream's scripts/build does); CGO_ENABLED=0 also works and
# selects kine's pure-Go modernc.org/sqlite driver instead.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local
export CGO_ENABLED="${CGO_ENABLED:-1}"
version="$(go list -m -f '{{.Version}}' github.com/k3s-io/kine)"
mkdir -p ../bin
go build -trimpath \
  -tags sqlite_unlock_notify \
  -ldflags "-s -w -X github.com/k3s-io/kine/pkg/version.Version=${version} -X github.com/k3s-io/kine/pkg/version.GitCommit=${version}" \
  -o ../bin/kine github.com/k3s-io/kine
echo "built ../bin/kine (kine ${version}, CGO_ENABLED=${CGO_ENABLED})"
