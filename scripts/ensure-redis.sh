#!/usr/bin/env bash
# Make sure a Redis server answers at REDIS_URL's default, 127.0.0.1:6379; start one if not.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${REDIS_URL:-}" ]; then exit 0; fi  # someone else's Redis: theirs to run
answers() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
answers && exit 0
command -v redis-server >/dev/null || scripts/apt-install.sh redis-server
mkdir -p var/redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
for _ in $(seq 50); do answers && exit 0; sleep 0.1; done
echo "redis-server did not start; see var/redis/redis.log" >&2
exit 1
