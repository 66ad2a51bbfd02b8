#!/bin/sh
# Makes the broker's reader logins match the reader credentials directory, one login per reader:
#   {dir}/{reader}.password  ->  user {reader}, that password, tag venue-reader, and a topic
#   permission that lets it publish only to its own topic ({vendor}/{reader}/data, routed as
#   {vendor}.{reader}.data): a reader cannot send reads in another reader's name, and the edge
#   takes the reader's id from the topic.
# A login this script made (tagged venue-reader) whose file is gone is deleted: the reader is out of
# service. A user that exists without the tag (venue-edge, an admin) is never touched; a file that
# names one is an error.
# Without --open the logins get no access to the vhost: start.sh runs it so before the edge has
# bound its reads queue (the broker would acknowledge an early QoS 1 publish and drop it).
# open-readers.sh runs it with --open once the queue is bound; run it with --open by hand after
# 'venue readers credentials' made or rotated a password on a running broker.
#   RABBITMQCTL                 the rabbitmqctl to run (default: rabbitmqctl)
#   VENUE_READER_CREDENTIALS    the directory (default: /etc/rabbitmq/venue/readers)
set -eu
ctl=${RABBITMQCTL:-rabbitmqctl}
dir=${VENUE_READER_CREDENTIALS:-/etc/rabbitmq/venue/readers}
open=false
case "${1:-}" in
  --open) open=true ;;
  '') ;;
  *) echo "usage: reader-users.sh [--open]" >&2; exit 2 ;;
esac
if [ ! -d "$dir" ]; then
  echo "venue: reader credentials directory $dir does not exist; make it with 'venue readers credentials --dir'" >&2
  exit 1
fi

users=$("$ctl" -q list_users --no-table-headers)
tagged() { printf '%s\n' "$users" | grep -Eq "^$1[[:space:]].*venue-reader"; }
exists() { printf '%s\n' "$users" | grep -Eq "^$1[[:space:]]"; }

failed=0
made=0
for file in "$dir"/*.password; do
  [ -e "$file" ] || continue
  reader=$(basename "$file" .password)
  case "$reader" in
    *[!A-Za-z0-9_-]*|'')
      echo "venue: $file: a reader login may hold only letters, digits, '-' and '_'; skipped" >&2
      failed=1; continue ;;
  esac
  if exists "$reader" && ! tagged "$reader"; then
    echo "venue: $file: user '$reader' exists and is not a reader login; left alone" >&2
    failed=1; continue
  fi
  password=$(cat "$file")
  if [ -z "$password" ]; then
    echo "venue: $file is empty; skipped" >&2
    failed=1; continue
  fi
  "$ctl" -q add_user "$reader" "$password" >/dev/null 2>&1 || "$ctl" -q change_password "$reader" "$password"
  "$ctl" -q set_user_tags "$reader" venue-reader
  "$ctl" -q set_topic_permissions -p / "$reader" amq.topic "^[^.]+\\.$reader\\.data\$" '^$'
  if $open; then
    # The MQTT plugin publishes to amq.topic as the reader; subscriptions (which readers do not make) would need mqtt-subscription-*.
    "$ctl" -q set_permissions -p / "$reader" '^mqtt-subscription-.*' '^amq\.topic$' '^(amq\.topic|mqtt-subscription-.*)$'
  else
    "$ctl" -q clear_permissions -p / "$reader" >/dev/null 2>&1 || true
  fi
  made=$((made + 1))
done

# Reader logins whose file is gone: out of service.
for name in $(printf '%s\n' "$users" | grep -E "^[A-Za-z0-9_-]+[[:space:]].*venue-reader" | cut -f1); do
  if [ ! -f "$dir/$name.password" ]; then
    "$ctl" -q delete_user "$name"
    echo "venue: reader login '$name' deleted (no $dir/$name.password)"
  fi
done

if $open; then state="may log in and publish to their own topics"; else state="may not log in until the edge binds its reads queue"; fi
echo "venue: $made reader logins from $dir; they $state"
exit $failed
