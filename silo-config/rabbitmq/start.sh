#!/bin/sh
# Starts one edge's RabbitMQ node (official image) and makes sure its two users exist with the
# passwords from the environment (docker-compose.yml passes them from .env; nothing is committed):
#   venue-edge    the edge's AMQP consumer: declares and binds its queue venue.reads.{EdgeId}
#   venue-reader  the readers' MQTT login: may publish to amq.topic (zebra/{reader}/data), nothing else
# Run at every start, so a password changed in .env takes effect on the next 'docker compose up'.
set -eu
: "${VENUE_RABBITMQ_EDGE_PASSWORD:?set it in .env (see .env.example)}"
: "${VENUE_RABBITMQ_READER_PASSWORD:?set it in .env (see .env.example)}"
ready=/var/lib/rabbitmq/venue-users-ready
rm -f "$ready"

docker-entrypoint.sh rabbitmq-server &
server=$!
# docker stop sends TERM to this shell (PID 1): pass it on so the node shuts down cleanly.
trap 'kill -TERM "$server" 2>/dev/null' TERM INT

until rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 1
done

user() { # name password configure write read
  rabbitmqctl -q add_user "$1" "$2" >/dev/null 2>&1 || rabbitmqctl -q change_password "$1" "$2"
  rabbitmqctl -q set_permissions -p / "$1" "$3" "$4" "$5"
}
user venue-edge "$VENUE_RABBITMQ_EDGE_PASSWORD" '^venue\.reads\..*' '^venue\.reads\..*' '^(amq\.topic|venue\.reads\..*)$'
# The MQTT plugin publishes as this user to amq.topic; subscriptions (which readers do not make) would need mqtt-subscription-*.
user venue-reader "$VENUE_RABBITMQ_READER_PASSWORD" '^mqtt-subscription-.*' '^amq\.topic$' '^(amq\.topic|mqtt-subscription-.*)$'
touch "$ready"
echo "venue: users venue-edge and venue-reader are ready"

wait "$server"
