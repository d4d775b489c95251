#!/usr/bin/env bash
# provision.sh [postgres|kafka|dapr|all]...
#
# Obtains the distributed stack's infrastructure, idempotently, and caches it
# outside the repository in ${KAIROS_CACHE:-~/.cache/kairos}/<component>-<version>.
# Prefers what is already there:
#   postgres  a server at $DATABASE_URL, else PostgreSQL server binaries (Debian
#             package `postgresql`, installed with apt-get only when missing)
#   kafka     a broker at $KAFKA_BROKERS, else Apache Kafka jars from Maven Central
#             (mvn dependency:copy-dependencies with deploy/local/kafka/pom.xml)
#   dapr      daprd + scheduler on PATH or in ~/.dapr/bin (Dapr CLI), else built
#             from source with Go (deploy/local/dapr-build; the components in
#             DAPRD_COMPONENTS, lib.sh)
# Versions: deploy/local/versions.env. A second run with a warm cache takes seconds.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    die "cannot install $* automatically (no apt-get); install it with your package manager"
  fi
  local sudo=""
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "installing $* needs root: run 'sudo apt-get update && sudo apt-get install -y $*'"
    sudo="sudo -n"
  fi
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    $sudo apt-get update -qq || die "apt-get update failed; check the package sources"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}

# ---------------------------------------------------------------- postgres
provision_postgres() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    if command -v pg_isready >/dev/null && pg_isready -q -d "$DATABASE_URL" -t 3; then
      log "postgres: using the server at \$DATABASE_URL"
      return 0
    fi
    warn "postgres: \$DATABASE_URL is set but not reachable now; the stack will use it anyway (unset it to run a local cluster)"
    return 0
  fi
  if resolve_pg; then
    log "postgres: server binaries in $PG_BINDIR ($("$PG_BINDIR/postgres" --version))"
  else
    log "postgres: server binaries missing; installing the distribution package"
    apt_install postgresql
    resolve_pg || die "postgres: installed 'postgresql' but found no initdb under /usr/lib/postgresql/*/bin"
  fi
  if ((EUID == 0)) && ! id "${KAIROS_PG_OS_USER:-postgres}" >/dev/null 2>&1; then
    die "postgres: running as root needs an OS user '${KAIROS_PG_OS_USER:-postgres}' to own the cluster (PostgreSQL refuses root); create it: useradd --system postgres"
  fi
  local major
  major="$("$PG_BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
  if ((major < POSTGRES_MIN_MAJOR)); then
    die "postgres: version $major is older than $POSTGRES_MIN_MAJOR; install a newer postgresql package or set DATABASE_URL"
  fi
}

# ---------------------------------------------------------------- kafka
provision_kafka() {
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    local first="${KAFKA_BROKERS%%,*}"
    if port_open "${first##*:}" "${first%:*}"; then
      log "kafka: using the broker at \$KAFKA_BROKERS=$KAFKA_BROKERS"
    else
      warn "kafka: \$KAFKA_BROKERS=$KAFKA_BROKERS is set but not reachable now"
    fi
    return 0
  fi
  if ! command -v java >/dev/null; then
    apt_install openjdk-17-jre-headless
  fi
  local jv
  jv="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')"
  if [[ ${jv%%.*} -lt 17 ]]; then
    die "kafka: Kafka $KAFKA_VERSION needs Java 17+, found $jv; install openjdk-17-jre-headless"
  fi
  if [[ -f $KAFKA_CACHE_DIR/.complete ]]; then
    log "kafka: $KAFKA_VERSION cached in $KAFKA_CACHE_DIR"
    return 0
  fi
  command -v mvn >/dev/null || apt_install maven
  log "kafka: resolving org.apache.kafka:kafka_$KAFKA_SCALA:$KAFKA_VERSION from Maven Central into $KAFKA_CACHE_DIR (about 90 jars, ~55 MB)"
  local t0=$SECONDS tmp="$KAFKA_CACHE_DIR.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp/libs"
  if ! mvn -B -ntp -f "$KAIROS_LOCAL_DIR/kafka/pom.xml" \
    -Dmaven.repo.local="$tmp/m2" \
    -Dkafka.version="$KAFKA_VERSION" -Dkafka.scala="$KAFKA_SCALA" -Dlog4j.version="$LOG4J_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime \
    >"$tmp/mvn.log" 2>&1; then
    tail -n 30 "$tmp/mvn.log" >&2
    die "kafka: Maven could not resolve Kafka $KAFKA_VERSION (full log: $tmp/mvn.log). Check that Maven Central is reachable (mvn -v; ~/.m2/settings.xml mirrors) and that the version exists"
  fi
  rm -rf "$tmp/m2"
  [[ -f "$tmp/libs/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar" ]] || die "kafka: kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar missing after Maven ran ($tmp/mvn.log)"
  date -Is >"$tmp/.complete"
  rm -rf "$KAFKA_CACHE_DIR"
  mv "$tmp" "$KAFKA_CACHE_DIR"
  log "kafka: done in $((SECONDS - t0)) s ($(ls "$KAFKA_CACHE_DIR/libs" | wc -l) jars, $(du -sh "$KAFKA_CACHE_DIR" | cut -f1))"
}

# ---------------------------------------------------------------- dapr
# dapr_build_hash : identifies the wrapper module's sources; a cached build
# made from other sources is rebuilt.
dapr_build_hash() {
  cat "$KAIROS_LOCAL_DIR/dapr-build/go.mod" "$KAIROS_LOCAL_DIR/dapr-build/go.sum" \
    "$KAIROS_LOCAL_DIR"/dapr-build/daprd/*.go <(echo "${DAPR_CONTROL_PLANE_CMDS[*]} ${DAPRD_COMPONENTS[*]}") | sha256sum | cut -c1-16
}

# dapr_trim_components : (in the build folder) copies github.com/dapr/dapr beside the
# wrapper module without the component registrations outside DAPRD_COMPONENTS, and
# points the wrapper at the copy. Registration is one init() per file, so leaving a
# file out is the whole change; nothing else in Dapr is touched.
dapr_trim_components() {
  go mod download github.com/dapr/dapr
  local upstream f name keep c
  upstream="$(go list -m -f '{{.Dir}}' github.com/dapr/dapr)"
  [[ -d $upstream/cmd/daprd/components ]] || die "dapr: $upstream has no cmd/daprd/components"
  mkdir dapr
  (cd "$upstream" && tar --exclude=./tests --exclude=./docs --exclude=./charts -cf - .) | tar -xf - -C dapr
  chmod -R u+w dapr
  for f in dapr/cmd/daprd/components/*.go; do
    name="$(basename "$f" .go)"
    keep=0
    [[ $name == zz_* ]] && keep=1
    for c in "${DAPRD_COMPONENTS[@]}"; do [[ $name == "$c" ]] && keep=1; done
    ((keep)) || rm "$f"
  done
  for c in "${DAPRD_COMPONENTS[@]}"; do
    [[ -f dapr/cmd/daprd/components/$c.go ]] || die "dapr: DAPRD_COMPONENTS names $c, which Dapr $DAPR_VERSION does not have"
  done
  go mod edit -replace github.com/dapr/dapr=./dapr
}

provision_dapr() {
  if [[ -x $DAPR_CACHE_DIR/bin/daprd && "$(cat "$DAPR_CACHE_DIR/bin/.source-hash" 2>/dev/null)" != "$(dapr_build_hash)" ]]; then
    log "dapr: the cached build in $DAPR_CACHE_DIR/bin is from other sources than deploy/local/dapr-build; rebuilding"
    rm -f "$DAPR_CACHE_DIR/bin/daprd"
  fi
  if resolve_dapr; then
    log "dapr: daprd $("$DAPRD_BIN" --version 2>/dev/null | head -n1) at $DAPRD_BIN, scheduler at $SCHEDULER_BIN"
    return 0
  fi
  command -v go >/dev/null || die "dapr: no daprd found and Go is missing to build it. Either install the Dapr CLI and run 'dapr init --slim' (gives ~/.dapr/bin/daprd and scheduler), or install a recent Go (see the go line in deploy/local/dapr-build/go.mod) and rerun"
  local src="$KAIROS_LOCAL_DIR/dapr-build"
  grep -q "github.com/dapr/dapr v$DAPR_VERSION\$" "$src/go.mod" ||
    die "dapr: deploy/local/dapr-build/go.mod does not require github.com/dapr/dapr v$DAPR_VERSION (versions.env); update its require and replace lines"
  local want have
  want="$(awk '/^go /{print $2}' "$src/go.mod")"
  have="$(go env GOVERSION | sed 's/^go//')"
  if [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]]; then
    die "dapr: Dapr $DAPR_VERSION needs Go >= $want, found $have; install a newer Go or use an existing daprd (dapr init --slim)"
  fi

  local dir="$DAPR_CACHE_DIR"
  mkdir -p "$dir/build" "$dir/bin"
  : >"$dir/build.log"
  local src_hash
  src_hash="$(dapr_build_hash)"
  rm -rf "$dir/build"
  mkdir -p "$dir/build"
  cp -r "$src/go.mod" "$src/go.sum" "$src/tools.go" "$src/daprd" "$dir/build/"
  export GOMODCACHE="$dir/gomodcache" GOCACHE="$dir/gocache" GOFLAGS="-mod=mod" CGO_ENABLED=0 GOTOOLCHAIN=local
  local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION"
  log "dapr: building daprd and the control plane (${DAPR_CONTROL_PLANE_CMDS[*]}) $DAPR_VERSION from source (cold: about 13 min on 2 cores, ~5.5 GB in $dir; a later rebuild: about 1 min)"
  local t0=$SECONDS
  # heartbeat while the long build runs
  (
    while sleep 30; do
      log "  dapr build running $((SECONDS - t0)) s; module cache $(du -sh "$GOMODCACHE" 2>/dev/null | cut -f1), build cache $(du -sh "$GOCACHE" 2>/dev/null | cut -f1)"
    done
  ) &
  local hb=$!
  # shellcheck disable=SC2064
  trap "kill $hb 2>/dev/null || true" EXIT
  local rc=0
  log "  dapr: preparing the sources (daprd with ${DAPRD_COMPONENTS[*]}, smtp, sqlite)"
  (cd "$dir/build" && dapr_trim_components) >>"$dir/build.log" 2>&1 ||
    die "dapr: preparing the sources failed ($dir/build.log). Missing modules mean the Go module proxy is unreachable"
  # One go build for every command: the packages they share compile once.
  # go.sum is dapr's own go.sum plus the wrapper's additions: every module is
  # verified against it, so no checksum-database look-ups are needed.
  local pkgs=(./daprd) cmd
  for cmd in "${DAPR_CONTROL_PLANE_CMDS[@]}"; do pkgs+=("github.com/dapr/dapr/cmd/$cmd"); done
  rm -rf "$dir/bin.new"
  mkdir -p "$dir/bin.new"
  log "  compiling daprd ${DAPR_CONTROL_PLANE_CMDS[*]} (-tags stablecomponents)"
  (cd "$dir/build" && go build -trimpath -tags stablecomponents -ldflags "$ldflags" -o "$dir/bin.new/" "${pkgs[@]}") \
    >>"$dir/build.log" 2>&1 || rc=$?
  ((rc == 0)) || {
    tail -n 30 "$dir/build.log" >&2
    die "dapr: go build failed (full log: $dir/build.log)"
  }
  for cmd in daprd "${DAPR_CONTROL_PLANE_CMDS[@]}"; do mv "$dir/bin.new/$cmd" "$dir/bin/$cmd"; done
  rmdir "$dir/bin.new"
  echo "$src_hash" >"$dir/bin/.source-hash"
  log "dapr: built in $((SECONDS - t0)) s: $("$dir/bin/daprd" --version | head -n1) ($(du -sh "$dir" | cut -f1) in $dir)"
  if [[ ${KAIROS_DAPR_KEEP_GOCACHE:-1} == 0 ]]; then
    go clean -cache
    log "dapr: dropped the Go build cache (KAIROS_DAPR_KEEP_GOCACHE=0)"
  fi
}

main() {
  local what=("$@")
  ((${#what[@]})) || what=(all)
  local c
  for c in "${what[@]}"; do
    case "$c" in
    postgres) provision_postgres ;;
    kafka) provision_kafka ;;
    dapr) provision_dapr ;;
    all)
      provision_postgres
      provision_kafka
      provision_dapr
      ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown component '$c' (postgres|kafka|dapr|all)" ;;
    esac
  done
}

main "$@"
