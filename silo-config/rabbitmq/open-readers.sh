#!/bin/sh
# Lets the readers' MQTT login in once an edge's reads queue is bound to amq.topic. Until then the
# broker would acknowledge a reader's QoS 1 publish and drop it (nothing routes it yet), so start.sh
# leaves the login without access to the vhost: a refused reader keeps its reads buffered and
# connects again. start.sh runs this in the background.
#   RABBITMQCTL                 the rabbitmqctl to run (default: rabbitmqctl)
#   VENUE_READER_USER           the readers' login (default: venue-reader)
#   VENUE_READS_QUEUE_PATTERN   extended regex for the queue to wait for (default: venue\.reads\.)
set -eu
ctl=${RABBITMQCTL:-rabbitmqctl}
user=${VENUE_READER_USER:-venue-reader}
queue=${VENUE_READS_QUEUE_PATTERN:-'venue\.reads\.'}

until "$ctl" -q list_bindings --no-table-headers source_name destination_name 2>/dev/null | grep -Eq "^amq\.topic[[:space:]]+$queue"; do
  sleep 1
done
"$ctl" -q set_permissions -p / "$user" '^mqtt-subscription-.*' '^amq\.topic$' '^(amq\.topic|mqtt-subscription-.*)$'
echo "venue: a reads queue is bound to amq.topic; $user may log in and publish"
