#!/bin/sh
# The container's roles: web (the default), worker, beat, migrate, manage <command>; anything else runs as given.
# exec hands PID 1's signals to the server itself: SIGTERM from `docker stop` is gunicorn's graceful stop and
# Celery's warm shutdown (no new tasks; running ones finish within compose's stop_grace_period).
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
    web)
        exec gunicorn backend.wsgi:application --config /app/docker/gunicorn.conf.py "$@"
        ;;
    worker)
        exec celery --app backend --quiet worker --loglevel "${LOG_LEVEL:-INFO}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" --max-tasks-per-child 1000 "$@"
        ;;
    beat)
        # Exactly one beat per installation: two would send every periodic task twice.
        exec celery --app backend --quiet beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule /app/var/beat/celerybeat-schedule "$@"
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
