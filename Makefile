# The two commands: `make run` serves the whole site, `make test` runs every test.
.PHONY: run test bench clean-db

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
	@.venv/bin/python -m bench.run_all $(BENCH_ARGS)

clean-db:
	rm -rf var/db
