#!/usr/bin/env bash
# Backup and restore, tested: seed a fresh PostgreSQL database with the demo data (stored files
# on local disk), back up the database (pg_dump, custom format) and the file store (tar), restore
# both into an empty database and an empty folder, and compare the row count of every table and
# the stored files. Usage: .ci/restore-check.sh [postgres://user@host:port] (default 127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."

server="${1:-postgres://postgres@127.0.0.1:5432}"
suffix="$(date +%s)_$$"
source_db="kooperation_backup_$suffix"
target_db="kooperation_restore_$suffix"
work=$(mktemp -d)
cleanup() {
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$source_db\" WITH (FORCE)" || true
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$target_db\" WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT

export DJANGO_SECRET_KEY="restore-check-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export DJANGO_HTTPS=false DJANGO_STATIC_MANIFEST=false DJANGO_LOG_LEVEL=WARNING
export DJANGO_MEDIA_ROOT="$work/media"

echo "== seed $source_db (migrate, seed_demo, render the frozen contracts)"
psql "$server/postgres" -qc "CREATE DATABASE \"$source_db\""
DATABASE_URL="$server/$source_db" .venv/bin/python manage.py migrate --noinput -v0
DATABASE_URL="$server/$source_db" .venv/bin/python manage.py seed_demo >/dev/null
DATABASE_URL="$server/$source_db" .venv/bin/python manage.py shell -v0 -c "
from agreements.models import Agreement
from agreements.services.contract import FROZEN, ensure_contract
for pk in Agreement.objects.filter(status__in=FROZEN).values_list('pk', flat=True):
    ensure_contract(pk)
"

echo "== back up: pg_dump --format=custom, tar of the file store"
pg_dump --format=custom --no-owner --file="$work/database.dump" "$server/$source_db"
tar -C "$work/media" -czf "$work/media.tar.gz" .

echo "== restore into the empty database $target_db and an empty folder"
psql "$server/postgres" -qc "CREATE DATABASE \"$target_db\""
pg_restore --no-owner --exit-on-error --dbname="$server/$target_db" "$work/database.dump"
mkdir "$work/restored-media"
tar -C "$work/restored-media" -xzf "$work/media.tar.gz"

counts() {
    psql "$server/$1" -tAc "
        SELECT string_agg(format('SELECT %L AS t, count(*) AS n FROM %I', tablename, tablename), ' UNION ALL ')
        FROM pg_tables WHERE schemaname = 'public'" | psql "$server/$1" -tA | sort
}
counts "$source_db" >"$work/source.txt"
counts "$target_db" >"$work/target.txt"
if ! diff -u "$work/source.txt" "$work/target.txt"; then
    echo "RESTORE CHECK FAILED: row counts differ" >&2
    exit 1
fi
tables=$(wc -l <"$work/source.txt")
rows=$(awk -F'|' '{s += $2} END {print s}' "$work/source.txt")
contracts=$(awk -F'|' '$1 == "agreements_frozencontract" {print $2}' "$work/source.txt")
[[ ${contracts:-0} -gt 0 ]] || { echo "RESTORE CHECK FAILED: no frozen contract was seeded" >&2; exit 1; }
(cd "$work/media" && find . -type f -exec sha256sum {} + | sort) >"$work/files-source.txt"
(cd "$work/restored-media" && find . -type f -exec sha256sum {} + | sort) >"$work/files-target.txt"
diff -u "$work/files-source.txt" "$work/files-target.txt" || { echo "RESTORE CHECK FAILED: files differ" >&2; exit 1; }
# Every stored file the database points to exists after the restore.
DATABASE_URL="$server/$target_db" DJANGO_MEDIA_ROOT="$work/restored-media" .venv/bin/python manage.py shell -v0 -c "
import hashlib
from agreements.models import FrozenContract
for contract in FrozenContract.objects.all():
    with contract.file.open('rb') as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == contract.sha256, contract.file.name
print(f'{FrozenContract.objects.count()} contract file(s) match their SHA-256 after the restore')
"
echo "OK: $tables tables, $rows rows, $(wc -l <"$work/files-source.txt") stored files restored identically"
