#!/bin/sh
# Starts one edge's RabbitMQ node (official image) and makes sure its users exist with their
# passwords (nothing is committed):
#   venue-edge    the edge's AMQP consumer: declares and binds its queue venue.reads.{EdgeId};
#                 password from the environment (docker-compose.yml passes it from .env)
#   {reader}      one MQTT login per RFID reader, password from /etc/rabbitmq/venue/readers/{reader}.password
#                 (reader-users.sh): may publish to amq.topic on its own topic ({vendor}/{reader}/data), nothing else
#   guest         deleted: the official image lets guest log in from anywhere, and anonymous MQTT
#                 logins map to it (20-venue.conf refuses anonymous MQTT as well)
# Run at every start, so a password changed in .env or in the readers' directory takes effect on the next 'docker compose up'.
#   VENUE_RABBITMQ_STATE   where the readiness mark goes (default: /var/lib/rabbitmq, the node's volume)
set -eu
: "${VENUE_RABBITMQ_EDGE_PASSWORD:?set it in .env (see .env.example)}"
scripts=$(dirname "$0")
ready=${VENUE_RABBITMQ_STATE:-/var/lib/rabbitmq}/venue-users-ready
rm -f "$ready"

docker-entrypoint.sh rabbitmq-server &
server=$!
# docker stop sends TERM to this shell (PID 1): pass it on so the node shuts down cleanly, and wait
# for it: a trapped signal ends the 'wait' below at once, and this shell's exit would kill the node.
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"; exit 0' TERM INT

# The node makes its Erlang cookie as the rabbitmq user on a fresh volume. A CLI call before that
# (this script runs as root) would make it first, owned by root, and the node, unable to read it, stops.
if [ -z "${RABBITMQ_ERLANG_COOKIE:-}" ]; then
  until [ -f "${HOME:-/var/lib/rabbitmq}/.erlang.cookie" ]; do
    kill -0 "$server" 2>/dev/null || exit 1
    sleep 1
  done
fi

# Until the rabbit application has booted, not only the Erlang VM (which is all 'ping' asks): users
# cannot be made before, and a failed call would end this script, and the container, under set -e.
until rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 1
done

user() { # name password configure write read
  rabbitmqctl -q add_user "$1" "$2" >/dev/null 2>&1 || rabbitmqctl -q change_password "$1" "$2"
  rabbitmqctl -q set_permissions -p / "$1" "$3" "$4" "$5"
}
user venue-edge "$VENUE_RABBITMQ_EDGE_PASSWORD" '^venue\.reads\..*' '^venue\.reads\..*' '^(amq\.topic|venue\.reads\..*)$'
# Each reader logs in as itself (reader-users.sh, from the files 'venue readers credentials' made)
# and may publish only to its own topic. Until the edge has bound its reads queue, readers may not
# log in: the broker would acknowledge their QoS 1 publishes and drop them (nothing routes them
# yet). Refused, a reader keeps its reads buffered and connects again; open-readers.sh lets them in
# once the queue is bound. The one shared login of earlier versions goes.
rabbitmqctl -q delete_user venue-reader >/dev/null 2>&1 || true
rabbitmqctl -q delete_user guest >/dev/null 2>&1 || true
# Healthy now: the edge needs only venue-edge. The reader logins (each several rabbitmqctl calls, a
# VM start apiece) are made afterwards, closed, and then opened once the queue is bound, in that
# order: run side by side, a late closed pass could take away what the open pass just gave.
touch "$ready"
echo "venue: user venue-edge is ready; the readers may log in once the edge binds its reads queue"

{
  sh "$scripts/reader-users.sh" || echo "venue: some reader credentials were not applied (see above)" >&2
  sh "$scripts/open-readers.sh"
} &

wait "$server"
