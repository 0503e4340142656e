#!/usr/bin/env bash
# Update and compile one app's translation catalogues (Finnish and Swedish).
# Usage: scripts/messages.sh APP [APP...]   e.g. scripts/messages.sh cards visits
# Source strings are English; every app keeps its catalogue in kaiku/APP/locale.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DJANGO_ADMIN="$ROOT/.venv/bin/django-admin"
export DJANGO_SETTINGS_MODULE=kaiku.settings KAIKU_DEV=1 PYTHONPATH="$ROOT"
for app in "$@"; do
  cd "$ROOT/kaiku/$app"
  mkdir -p locale
  "$DJANGO_ADMIN" makemessages -l fi -l sv --no-obsolete --ignore 'tests/*' >/dev/null
  if [ -d static ]; then
    "$DJANGO_ADMIN" makemessages -d djangojs -l fi -l sv --no-obsolete --ignore 'tests/*' >/dev/null
  fi
  "$DJANGO_ADMIN" compilemessages >/dev/null
  echo "$app: $(grep -c '^msgid ' locale/fi/LC_MESSAGES/django.po) strings"
done
