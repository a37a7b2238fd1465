#!/bin/bash
# Re-records tests/traces/dotnet/dotnet-gc.log (workstation GC) and dotnet-gc-server.log
# (DOTNET_gcServer=1: one GC heap and thread per core, so concurrent madvise calls),
# each with its .execve.maps.  Usage: dotnet.sh OUTDIR
set -u
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:?outdir}"); HERE=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$OUT"; WORK=/tmp/madv-rec-dotnet; rm -rf "$WORK"; mkdir -p "$WORK"
(cd "$WORK" && dotnet new console -n GcChurn -o GcChurn >/dev/null &&
 cp "$HERE/dotnet/Program.cs" GcChurn/Program.cs &&
 dotnet build GcChurn -c Release -o "$WORK/out" >/dev/null) || { echo build failed; exit 1; }
cd "$WORK/out"
capture_execve_maps "$OUT/dotnet-gc.execve.maps" ./GcChurn
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/dotnet-gc.log" ./GcChurn
export DOTNET_gcServer=1
capture_execve_maps "$OUT/dotnet-gc-server.execve.maps" ./GcChurn
setarch -R strace -f -ttt -T -e "$FILTER" -o "$OUT/dotnet-gc-server.log" ./GcChurn
cd /; rm -rf "$WORK"
