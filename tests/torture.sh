#!/usr/bin/env bash
# Process-level torture (issue #11): runs only TheDaemonSurvivesSigkillTorture, a real machined child process SIGKILLed
# at seeded-random moments of upgrade, rollback and reset cycles, restarted on the same disk and checked through the
# API and an offline audit of the disk image.
#   tests/torture.sh [--cycles N] [--seed S]     (defaults: 3 cycles, seed 1, as in the normal test run)
# A failure prints the seed and the command that replays it. Builds tests/Machined.Tests first (Debug).
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=3 seed=1
while (( $# > 0 )); do
  case "$1" in
    --cycles) cycles="${2:?--cycles needs a number}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "torture.sh: unknown option \"$1\" (use --cycles N, --seed S)" >&2; exit 2 ;;
  esac
done
[[ "$cycles" =~ ^[1-9][0-9]*$ ]] || { echo "torture.sh: --cycles \"$cycles\" is not a positive number" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "torture.sh: --seed \"$seed\" is not a non-negative integer" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TALOS_TORTURE_CYCLES="$cycles" TALOS_TORTURE_SEED="$seed"
# Each cycle takes 5-10 s: give a soak room before the test host's idle timeout.
export VSTEST_CONNECTION_TIMEOUT=600
dotnet build tests/Machined.Tests -nologo -clp:ErrorsOnly
exec dotnet test tests/Machined.Tests --no-build --filter "FullyQualifiedName~TheDaemonSurvivesSigkillTorture" --logger "console;verbosity=detailed"
