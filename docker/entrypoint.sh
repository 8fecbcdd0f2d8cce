#!/bin/sh
# The container's roles: web (the default), worker, beat, migrate, manage <command>; anything else runs as given.
# exec makes the server itself the process that gets `docker stop`'s SIGTERM: gunicorn stops gracefully and Celery
# shuts down warm (no new tasks; running ones finish within compose's stop_grace_period).
set -eu

app_dir="$(cd "$(dirname "$0")/.." && pwd)"
cd "$app_dir"

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
    web)
        exec gunicorn backend.wsgi:application --config "$app_dir/docker/gunicorn.conf.py" "$@"
        ;;
    worker)
        exec celery --app backend --quiet worker --loglevel "${LOG_LEVEL:-INFO}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" --max-tasks-per-child 1000 "$@"
        ;;
    beat)
        # Exactly one beat per installation: two would send every periodic task twice.
        exec celery --app backend --quiet beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule "${CELERY_BEAT_SCHEDULE:-$app_dir/var/beat/celerybeat-schedule}" "$@"
        ;;
    migrate)
        exec python manage.py migrate --noinput "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
