#!/usr/bin/env bash
# The nightly reindex, as cron or systemd runs it: brings the index up to date with the corpus,
# appends timestamped lines to a log, stays silent on success and exits with the job's code
# (0 done, 1 failed, 2 usage, 75 another run holds the lock).
#
# Environment (paths are relative to the project folder, where the job runs):
#   SPEECHSEARCH_INDEX   index folder                      (default: instance/index)
#   SPEECHSEARCH_CORPUS  corpus paths, separated by ':'    (default: ./corpus)
#   SPEECHSEARCH_LOG     log file, appended to             (default: instance/reindex.log)
#   SPEECHSEARCH_PROCS   processes for a full rebuild      (default: 2)
#   SPEECHSEARCH_USERDICT, SPEECHSEARCH_SYNONYMS: the analyzer files; a change triggers a rebuild.
# Extra arguments go to `speechsearch reindex`, e.g. --optimize or --rebuild.
set -u

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || exit 1
cd "$project" || exit 1

log="${SPEECHSEARCH_LOG:-instance/reindex.log}"
IFS=: read -ra corpora <<<"${SPEECHSEARCH_CORPUS:-./corpus}"
export PYTHONUTF8=1 PYTHONUNBUFFERED=1

command=("$project/.venv/bin/speechsearch" reindex)
for corpus in "${corpora[@]}"; do
    command+=(--corpus "$corpus")
done
command+=("$@")

# Each line: ISO 8601 time, the run's pid (two runs can overlap), the text.
stamp() {
    local line
    while IFS= read -r line; do
        printf '%(%Y-%m-%dT%H:%M:%S%z)T reindex[%d] %s\n' -1 "$$" "$line"
    done
}

mkdir -p "$(dirname "$log")" && : >>"$log" || exit 1
{
    echo "start: ${command[*]} (index ${SPEECHSEARCH_INDEX:-instance/index})"
    if [[ -x "${command[0]}" ]]; then
        "${command[@]}" 2>&1
        status=$?
    else
        echo "error: ${command[0]} is missing; install the project first (make install)"
        status=1
    fi
    echo "end: exit $status"
    exit "$status"
} | stamp >>"$log"
status=${PIPESTATUS[0]}

if ((status != 0)); then
    echo "nightly reindex failed with exit code $status; from $log:" >&2
    grep -F "reindex[$$] " "$log" | tail -n 20 >&2
fi
exit "$status"
