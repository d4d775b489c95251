#!/usr/bin/env bash
# managed.sh start|stop|status|restart-kafka|restart-postgres
#
# The services the cluster's release uses the way a cloud deployment uses managed
# ones, outside Kubernetes, on the node's address inside the cluster's namespace:
#   PostgreSQL  $NODE_IP:5432, password authentication, database and role `kairos`
#   Kafka       $NODE_IP:9094, SASL/SCRAM-SHA-512 over TLS with a CA of its own
#               (as Redpanda Cloud or Confluent Cloud give), topics created here
# Credentials and the CA are generated once into $CLUSTER_DIR/managed; install.sh
# puts them into the Secret the chart reads.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

M="$CLUSTER_DIR/managed"
PG_DATA="$M/postgres/data"
KAFKA_DIR="$M/kafka"
TOPICS="task-events reminders task-updates"

secret() { # NAME : a random value, generated once
  local f="$M/secrets/$1"
  [[ -s $f ]] || {
    mkdir -p "$M/secrets"
    chmod 700 "$M/secrets"
    openssl rand -hex 24 >"$f"
  }
  cat "$f"
}

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { in_ns "$PG_BINDIR/pg_isready" -q -h "$NODE_IP" -p "$MANAGED_PG_PORT" -t 1; }

pg_start() {
  resolve_pg || die "PostgreSQL server binaries missing: run deploy/local/provision.sh postgres"
  mkdir -p "$M/postgres"
  chown "${KAIROS_PG_OS_USER:-postgres}:" "$M/postgres"
  if pg_ready; then return 0; fi
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    log "managed postgres: initdb"
    as_pg_user "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --no-locale >"$M/postgres/initdb.log" 2>&1 || die "initdb failed ($M/postgres/initdb.log)"
    # Pods connect from the pod range with a password; the operator from loopback.
    cat >"$PG_DATA/pg_hba.conf" <<EOF
local all all trust
host all postgres 127.0.0.1/32 trust
host kairos kairos $POD_CIDR scram-sha-256
host kairos kairos $NODE_IP/32 scram-sha-256
EOF
  fi
  log "managed postgres: starting on $NODE_IP:$MANAGED_PG_PORT"
  in_ns runuser -u "${KAIROS_PG_OS_USER:-postgres}" -- "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$M/postgres/postgres.log" -w -t 60 \
    -o "-p $MANAGED_PG_PORT -k $M/postgres -c listen_addresses=127.0.0.1,$NODE_IP -c max_connections=200" \
    start >/dev/null || die "PostgreSQL did not start ($M/postgres/postgres.log)"
  local pw
  pw="$(secret postgres-password)"
  in_ns "$PG_BINDIR/psql" -h 127.0.0.1 -p "$MANAGED_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<EOF >/dev/null
SELECT 'CREATE ROLE kairos LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kairos')\gexec
ALTER ROLE kairos PASSWORD '$pw';
SELECT 'CREATE DATABASE kairos OWNER kairos' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'kairos')\gexec
EOF
}

pg_stop() {
  resolve_pg || return 0
  [[ -f $PG_DATA/postmaster.pid ]] || return 0
  as_pg_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  log "stopped managed postgres"
}

database_url() { echo "postgres://kairos:$(secret postgres-password)@$NODE_IP:$MANAGED_PG_PORT/kairos"; }

# ---------------------------------------------------------------- Kafka
kafka_tls() {
  local d="$KAFKA_DIR/tls"
  [[ -f $d/broker.p12 ]] && return 0
  mkdir -p "$d"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$d/ca.key" -subj "/CN=kairos-managed-kafka-ca" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$d/ca.crt" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/broker.key" -subj "/CN=kafka" -out "$d/broker.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,DNS:kafka\nextendedKeyUsage=serverAuth,clientAuth\n' "$NODE_IP" >"$d/broker.ext"
  openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -sha256 \
    -extfile "$d/broker.ext" -out "$d/broker.crt" 2>/dev/null
  openssl pkcs12 -export -in "$d/broker.crt" -inkey "$d/broker.key" -name kafka -passout "pass:$(secret kafka-keystore)" \
    -out "$d/broker.p12"
}

kafka_client_config() { # admin client over SASL_SSL
  cat >"$KAFKA_DIR/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka-admin-password)";
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_DIR/tls/ca.crt
EOF
}

kafka_java() {
  local cp
  cp="$(kafka_classpath)" || die "Kafka is not provisioned: run deploy/local/provision.sh kafka"
  in_ns java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-tools.properties" -cp "$cp" "$@"
}

kafka_ready() { in_ns bash -c "exec 3<>/dev/tcp/$NODE_IP/$MANAGED_KAFKA_PORT" 2>/dev/null; }

kafka_start() {
  mkdir -p "$KAFKA_DIR/data"
  kafka_tls
  kafka_client_config
  if proc_pid managed-kafka >/dev/null && kafka_ready; then return 0; fi
  local admin_pw
  admin_pw="$(secret kafka-admin-password)"
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:9095
listeners=SASL_SSL://$NODE_IP:$MANAGED_KAFKA_PORT,CONTROLLER://127.0.0.1:9095
advertised.listeners=SASL_SSL://$NODE_IP:$MANAGED_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_DIR/tls/broker.p12
ssl.keystore.password=$(secret kafka-keystore)
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_DIR/tls/ca.crt
log.dirs=$KAFKA_DIR/data
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  kafka_log_configs "$KAFKA_DIR"
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    log "managed kafka: formatting storage with SCRAM users admin and kairos"
    kafka_java kafka.tools.StorageTool format --standalone -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      -c "$KAFKA_DIR/server.properties" \
      --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_pw]" \
      --add-scram "SCRAM-SHA-512=[name=kairos,password=$(secret kafka-password)]" >"$KAFKA_DIR/format.log" 2>&1 ||
      die "Kafka storage format failed ($KAFKA_DIR/format.log)"
  fi
  log "managed kafka: starting $KAFKA_VERSION on $NODE_IP:$MANAGED_KAFKA_PORT (SASL_SSL, SCRAM-SHA-512)"
  local cp
  cp="$(kafka_classpath)"
  start_proc managed-kafka nsenter --net="/run/netns/$CLUSTER_NETNS" -- java -Xms512m -Xmx512m -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_proc managed-kafka 120 "Kafka on $NODE_IP:$MANAGED_KAFKA_PORT" kafka_ready ||
    fail_with_log managed-kafka "Kafka did not open $NODE_IP:$MANAGED_KAFKA_PORT"
  kafka_topics
}

# Topics as a managed Kafka needs them: created by the operator, with dead-letter topics.
kafka_topics() {
  local t existing
  existing="$(kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$NODE_IP:$MANAGED_KAFKA_PORT" \
    --command-config "$KAFKA_DIR/admin.properties" --list)" || die "listing Kafka topics over SASL_SSL failed"
  for t in $TOPICS; do
    for n in "$t" "$t.dlq"; do
      grep -qx "$n" <<<"$existing" && continue
      kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$NODE_IP:$MANAGED_KAFKA_PORT" \
        --command-config "$KAFKA_DIR/admin.properties" --create --topic "$n" --partitions 3 --replication-factor 1 >/dev/null ||
        die "creating topic $n failed"
    done
  done
  log "managed kafka: topics $TOPICS (+ .dlq) present"
}

kafka_stop() { stop_proc managed-kafka 30; }

# ---------------------------------------------------------------- commands
case "${1:-}" in
start)
  pg_start
  kafka_start
  ;;
stop)
  kafka_stop
  pg_stop
  ;;
status)
  rc=0
  if pg_ready 2>/dev/null; then printf '%-24s %-8s up\n' managed-postgres "$MANAGED_PG_PORT"; else
    printf '%-24s %-8s DOWN\n' managed-postgres "$MANAGED_PG_PORT"
    rc=1
  fi
  if proc_pid managed-kafka >/dev/null && kafka_ready; then printf '%-24s %-8s up\n' managed-kafka "$(proc_pid managed-kafka)"; else
    printf '%-24s %-8s DOWN\n' managed-kafka -
    rc=1
  fi
  exit $rc
  ;;
restart-kafka)
  kafka_stop
  kafka_start
  ;;
restart-postgres)
  pg_stop
  pg_start
  ;;
offsets) # TOPIC : topic:partition:end-offset lines, read over SASL_SSL
  kafka_client_config
  kafka_java org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$NODE_IP:$MANAGED_KAFKA_PORT" \
    --command-config "$KAFKA_DIR/admin.properties" --topic "$2"
  ;;
database-url) database_url ;;
secret) secret "$2" ;;
ca) cat "$KAFKA_DIR/tls/ca.crt" ;;
*) die "usage: $0 start|stop|status|restart-kafka|restart-postgres|offsets TOPIC|database-url|secret NAME|ca" ;;
esac
