#!/usr/bin/env bash
# Records new public API in src/*/PublicAPI.Unshipped.txt (the PublicApiAnalyzers code fix, run from the command line).
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity info
done
