#!/usr/bin/env bash
# After the suite (issue 13): a fresh database, the demo district, a OneRoster import of its own
# export into a second district, a fix plan applied and undone, a merge of duplicates, then
# `seatkeeper seats verify`, which exits 1 if the seat ledger differs from a recount.
# Uses DATABASE_URL when set (CI's throw-away PostgreSQL database), else a temporary SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
SK=.venv/bin/seatkeeper
VAR="$(mktemp -d)"
trap 'rm -rf "$VAR"' EXIT
export SEATKEEPER_VAR_DIR="$VAR"
$SK migrate -v0
$SK demo --no-serve >/dev/null
$SK export oneroster --district maple-valley "$VAR/export.zip" >/dev/null
$SK import oneroster "$VAR/export.zip" --district maple-copy >/dev/null
plan=$($SK fix plan --district maple-valley --json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["id"])')
$SK fix apply "$plan" >/dev/null
$SK seats verify
$SK fix undo "$plan" >/dev/null
$SK seats verify
echo "seats verify: the ledger equals a recount after the demo, an import, a fix plan and its undo"
