#!/usr/bin/env bash
# THE test command: builds Talos.sln, starts what the tests need (a throwaway PostgreSQL, Debian tools),
# runs every test project, prints one closing line "N passed, N failed[, N skipped]" and stops PostgreSQL.
# Exit code: non-zero when a test failed, the build failed, or no test ran.
# Environment: TALOS_TEST_PG (connection string, set here), TALOS_SOAK=1 for long soak modes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian tools the tests use: command -> package. Installed only when missing.
declare -A NEED=( [sgdisk]=gdisk [sfdisk]=fdisk [parted]=parted [docker-registry]=docker-registry [kubectl]=kubernetes-client [openssl]=openssl [chromium]=chromium )
missing=()
for cmd in "${!NEED[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}"); done
if (( ${#missing[@]} > 0 )); then
  if [[ "$(id -u)" == 0 ]]; then
    echo "run.sh: installing ${missing[*]}" >&2
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "run.sh: missing Debian packages ${missing[*]} (run as root to install them)" >&2
  fi
fi

eval "$(bash tests/pg.sh start)"
trap 'bash "$ROOT/tests/pg.sh" stop || true' EXIT

log="$(mktemp)"
set +e
dotnet build Talos.sln -c Release -nologo -clp:ErrorsOnly 2>&1 | tee "$log"
build_rc=${PIPESTATUS[0]}
set -e
if [[ $build_rc -ne 0 ]]; then
  echo "run.sh: build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# One test project at a time: the machine has 2 cores, and the daemon, simulation and crash tests are timing-
# sensitive; running assemblies side by side only made them slower and flakier.
export VSTEST_CONNECTION_TIMEOUT=600
rc=0
: > "$log"
for proj in $(ls tests/*/*.csproj | sort); do
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
  # A project may list test filters (one per line) in run-filters: each runs in its own test host. The simulation uses
  # it to keep its FsCheck model tests apart: their idle pool threads would break the seeded runs' determinism.
  filters=("")
  if [[ -f "$(dirname "$proj")/run-filters" ]]; then mapfile -t filters < "$(dirname "$proj")/run-filters"; fi
  for f in "${filters[@]}"; do
    set +e
    if [[ -n "$f" ]]; then dotnet test "$proj" -c Release --no-build -nologo --filter "$f" 2>&1 | tee -a "$log"
    else dotnet test "$proj" -c Release --no-build -nologo 2>&1 | tee -a "$log"; fi
    prc=${PIPESTATUS[0]}
    set -e
    if [[ $prc -ne 0 ]]; then rc=$prc; fi
  done
done

# One summary line per test assembly (VSTest): "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, ..."
read -r passed failed skipped total < <(grep -E '^(Passed|Failed)! +- +Failed:' "$log" | awk -F'[:,]' \
  '{f+=$2; p+=$4; s+=$6; t+=$8} END {printf "%d %d %d %d\n", p, f, s, t}')
assemblies=$(grep -cE '^(Passed|Failed)! +- +Failed:' "$log" || true)
rm -f "$log"
echo "test assemblies: $assemblies"
if [[ "$skipped" -gt 0 ]]; then echo "${passed} passed, ${failed} failed, ${skipped} skipped"; else echo "${passed} passed, ${failed} failed"; fi
if [[ "$total" -eq 0 ]]; then echo "run.sh: no tests ran" >&2; exit 1; fi
if [[ "$failed" -gt 0 && "$rc" -eq 0 ]]; then rc=1; fi
exit "$rc"
