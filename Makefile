# The two commands: `make run` serves the whole site, `make test` runs every test.
# `make lock` re-resolves requirements.lock, `make audit` checks it against published advisories
# (docs/DEPENDENCIES.md).
.PHONY: run test bench lock audit clean-db

run:
	@scripts/setup-venv.sh
	@scripts/ensure-redis.sh
	@.venv/bin/mybigmovie serve

test:
	@scripts/setup-venv.sh test
	@scripts/ensure-redis.sh
	@scripts/apt-install.sh chromium docker-compose
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

bench:
	@scripts/setup-venv.sh bench
	@command -v wrk >/dev/null || scripts/apt-install.sh wrk || echo "no wrk: the web bench loads pages with its own client"
	@.venv/bin/python -m bench.run_all $(BENCH_ARGS)

lock:
	@scripts/lock.sh

audit:
	@scripts/audit.sh

clean-db:
	rm -rf var/db
