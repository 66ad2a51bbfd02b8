#!/bin/sh
# Lets the readers' MQTT logins in once an edge's reads queue is bound to amq.topic. Until then the
# broker would acknowledge a reader's QoS 1 publish and drop it (nothing routes it yet), so start.sh
# leaves the logins without access to the vhost: a refused reader keeps its reads buffered and
# connects again. start.sh runs this in the background; it hands over to reader-users.sh --open.
#   RABBITMQCTL                 the rabbitmqctl to run (default: rabbitmqctl)
#   VENUE_READER_CREDENTIALS    the reader credentials directory (default: /etc/rabbitmq/venue/readers)
#   VENUE_READS_QUEUE_PATTERN   extended regex for the queue to wait for (default: venue\.reads\.)
set -eu
ctl=${RABBITMQCTL:-rabbitmqctl}
queue=${VENUE_READS_QUEUE_PATTERN:-'venue\.reads\.'}

# Every look starts an Erlang VM (about a second of CPU): every 3 s is soon enough for readers that retry.
until "$ctl" -q list_bindings --no-table-headers source_name destination_name 2>/dev/null | grep -Eq "^amq\.topic[[:space:]]+$queue"; do
  sleep "${VENUE_OPEN_READERS_POLL:-3}"
done
echo "venue: a reads queue is bound to amq.topic; letting the readers in"
exec sh "$(dirname "$0")/reader-users.sh" --open
