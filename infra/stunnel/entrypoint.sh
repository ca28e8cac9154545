#!/bin/sh
# Runs the Redis TLS sidecar: renders redis-client.conf from the environment and execs stunnel in
# the foreground with the result on its standard input (`-fd 0`), so the container needs no
# writable file system. Variables: see redis-client.conf. Used as is by the sidecar image
# (infra/stunnel/Containerfile) and by Tests/SharedTests/RedisTLSTests.swift.
set -eu

template=${STUNNEL_TEMPLATE:-/etc/stunnel/redis-client.conf}
host=${REDIS_TLS_HOST:-}
port=${REDIS_TLS_PORT:-}
ca_file=${REDIS_TLS_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}
local_port=${REDIS_TLS_LOCAL_PORT:-6380}

fail() { echo "redis-tls-sidecar: $*" >&2; exit 2; }

[ -n "$host" ] || fail "set REDIS_TLS_HOST to the managed Redis host name (the name its certificate carries)"
[ -n "$port" ] || fail "set REDIS_TLS_PORT to the managed Redis TLS port"
case $host in *[!A-Za-z0-9.-]*) fail "REDIS_TLS_HOST must be a DNS name (letters, digits, dots, hyphens)";; esac
case $host in *[!0-9.]*) ;; *) fail "REDIS_TLS_HOST is an IP address: use the host name the server's certificate carries (checkHost)";; esac
case $port in ''|*[!0-9]*) fail "REDIS_TLS_PORT must be a port number";; esac
case $local_port in ''|*[!0-9]*) fail "REDIS_TLS_LOCAL_PORT must be a port number";; esac
case $ca_file in *'|'*|*'&'*|*'\'*) fail "REDIS_TLS_CA_FILE must be a plain path";; esac
[ -r "$ca_file" ] || fail "REDIS_TLS_CA_FILE $ca_file is not readable"
[ -r "$template" ] || fail "the template $template is not readable (set STUNNEL_TEMPLATE)"

config=$(sed -e "s|\${REDIS_TLS_HOST}|$host|g" \
             -e "s|\${REDIS_TLS_PORT}|$port|g" \
             -e "s|\${REDIS_TLS_CA_FILE}|$ca_file|g" \
             -e "s|\${REDIS_TLS_LOCAL_PORT}|$local_port|g" "$template")
case $config in *'${'*) fail "the template $template has a value this script does not fill in";; esac

stunnel=$(command -v stunnel4 || command -v stunnel || true)
[ -n "$stunnel" ] || fail "stunnel is not installed (Debian: apt-get install -y stunnel4)"
exec "$stunnel" -fd 0 <<CONFIG
$config
CONFIG
