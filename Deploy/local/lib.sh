# Shared helpers for Deploy/local/services and Deploy/local/fleet. Source it; do not run it.
# shellcheck shell=bash

COVERPAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COVERPAY_LOCAL="$COVERPAY_ROOT/.local"
COVERPAY_SCRIPT="$(basename "$0")"

# ---- messages ---------------------------------------------------------------------------------

info() { printf '%s: %s\n' "$COVERPAY_SCRIPT" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$COVERPAY_SCRIPT" "$*" >&2; }
die() { printf '%s: error: %s\n' "$COVERPAY_SCRIPT" "$*" >&2; exit 1; }

# Prints the last lines of a log file, indented, for error messages.
log_tail() {
    local file="$1" lines="${2:-20}"
    if [[ -s "$file" ]]; then
        printf '  --- last %s lines of %s ---\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" | sed 's/^/  | /' >&2
    else
        printf '  (log %s is empty or missing)\n' "$file" >&2
    fi
}

# ---- privileges -------------------------------------------------------------------------------

# Runs a command as root (directly when we are root, else through sudo).
as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# Builds, in the array USER_CMD, a command line that runs a command as another system user with
# a clean environment plus the NAME=value words given before `--`:
#   user_cmd USER [NAME=value...] -- command args...
user_cmd() {
    local user="$1"; shift
    local -a envs=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do envs+=("$1"); shift; done
    shift
    # -C /: the checkout may not be readable by USER.
    local -a base=(env -i -C / "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "LANG=C.UTF-8" "LC_ALL=C.UTF-8")
    if [[ $EUID -eq 0 ]]; then
        USER_CMD=(runuser -u "$user" -- "${base[@]}" "${envs[@]}" "$@")
    else
        USER_CMD=(sudo -n -u "$user" -- "${base[@]}" "${envs[@]}" "$@")
    fi
}

# Runs a command as another system user (same arguments as user_cmd).
as_user() {
    user_cmd "$@"
    "${USER_CMD[@]}"
}

# ---- packages ---------------------------------------------------------------------------------

_apt_updated=0

# True when every named Debian package is installed.
packages_present() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
}

# Installs the missing ones among the named Debian packages (one apt-get update per run).
ensure_packages() {
    packages_present "$@" && return 0
    local -a missing=()
    local pkg
    for pkg in "$@"; do packages_present "$pkg" || missing+=("$pkg"); done
    info "installing ${missing[*]} (apt-get)"
    if [[ $_apt_updated -eq 0 ]]; then
        as_root apt-get update -qq || die "apt-get update failed"
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# Makes sure a command exists, installing its Debian package when it does not.
ensure_command() {
    local cmd="$1" pkg="${2:-$1}"
    command -v "$cmd" >/dev/null 2>&1 || ensure_packages "$pkg"
}

# ---- processes and ports ----------------------------------------------------------------------

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Polls a command until it succeeds or the timeout (seconds) passes: wait_for SECONDS cmd args...
wait_for() {
    local timeout="$1"; shift
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# ---- service settings (shared by services and fleet) ------------------------------------------

COVERPAY_PG_PORT="${COVERPAY_PG_PORT:-61432}"
COVERPAY_AMQP_PORT="${COVERPAY_AMQP_PORT:-61672}"

# How many RabbitMQ nodes `services start --cluster N` asked for (1 when never asked).
CLUSTER_FILE="$COVERPAY_LOCAL/rabbitmq-cluster-size"
cluster_size() { cat "$CLUSTER_FILE" 2>/dev/null || echo 1; }

# ---- roles, users and their passwords -----------------------------------------------------------

# The workers, as the fleet names them; each connects as its own PostgreSQL role and RabbitMQ user
# (docs/security.md, "Roles and users"): coverpay_<worker with _ for ->.
FLEET_WORKERS=(scheduler collector retrier reconciler accounting-sync)
worker_role() { echo "coverpay_${1//-/_}"; }
# COVERPAY_<WORKER>_DATABASE_URL / _AMQP_URL: the variable prefix of a worker's own URLs.
worker_variable() { local upper="${1//-/_}"; echo "COVERPAY_${upper^^}"; }
# Every login the local services create: the migration owner, the operator (the CLI), the sandbox
# bank and one per worker. RabbitMQ has the same users but the owner and the sandbox (no AMQP).
DATABASE_ROLES=(coverpay coverpay_operator coverpay_sandbox)
for _worker in "${FLEET_WORKERS[@]}"; do DATABASE_ROLES+=("$(worker_role "$_worker")"); done
unset _worker

SECRETS_DIR="$COVERPAY_LOCAL/secrets"

# The password of a login, from .local/secrets/NAME.password, generated on first use (URL-safe
# characters, so it goes into a URL as it is). Git ignores .local/.
secret() {
    local file="$SECRETS_DIR/$1.password"
    if [[ ! -s "$file" ]]; then
        (umask 077 && mkdir -p "$SECRETS_DIR" \
            && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$file.tmp" \
            && mv "$file.tmp" "$file")
    fi
    cat "$file"
}

# The lines `services env` prints; fleet evaluates them when the URLs are not set. The optional
# argument names another database and virtual host (`services testbed`). A cluster's node URLs
# are listed, comma-separated, for clients to fail over along.
#   COVERPAY_DATABASE_URL / COVERPAY_AMQP_URL         the operator: the `coverpay` CLI
#   COVERPAY_MIGRATION_DATABASE_URL                   the migration owner (`coverpay migrate`)
#   COVERPAY_SANDBOX_DATABASE_URL                     the sandbox bank (`coverpay sandbox ...`)
#   COVERPAY_<WORKER>_DATABASE_URL / _AMQP_URL        each worker's own (fleet hands them over)
services_env_lines() {
    local name="${1:-coverpay}"
    database_url() { printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$1" "$(secret "$1")" "$COVERPAY_PG_PORT" "$name"; }
    amqp_url() {
        local nodes k urls=()
        nodes="$(cluster_size)"
        for ((k = 0; k < nodes; k++)); do
            urls+=("amqp://$1:$(secret "$1")@127.0.0.1:$((COVERPAY_AMQP_PORT + 2 * k))/$name")
        done
        (IFS=,; echo "${urls[*]}")
    }
    printf 'export COVERPAY_DATABASE_URL=%s\n' "$(database_url coverpay_operator)"
    printf 'export COVERPAY_AMQP_URL=%s\n' "$(amqp_url coverpay_operator)"
    printf 'export COVERPAY_MIGRATION_DATABASE_URL=%s\n' "$(database_url coverpay)"
    printf 'export COVERPAY_SANDBOX_DATABASE_URL=%s\n' "$(database_url coverpay_sandbox)"
    local worker role variable
    for worker in "${FLEET_WORKERS[@]}"; do
        role="$(worker_role "$worker")"
        variable="$(worker_variable "$worker")"
        printf 'export %s_DATABASE_URL=%s\n' "$variable" "$(database_url "$role")"
        printf 'export %s_AMQP_URL=%s\n' "$variable" "$(amqp_url "$role")"
    done
}
