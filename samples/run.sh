#!/usr/bin/env bash
# Packs Madvise.Abi and Madvise.Host into artifacts/packages and runs the package consumer
# samples/BatcherSample against them (its own NuGet.config: that folder only, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf artifacts/packages samples/BatcherSample/bin samples/BatcherSample/obj samples/obj
for project in src/Madvise.Abi src/Madvise.Host; do
  dotnet pack "$project" -c Release -o artifacts/packages --nologo -v q
done
ls -l artifacts/packages
dotnet run --project samples/BatcherSample -c Release
