"""A longer soak of the picks e-mails' chaos tests: more members, more mailings, more kills.

    .venv/bin/python -m bench.mail_soak [--scale 5]

Runs ``tests/integration/test_chaos_mail.py`` with MYBIGMOVIE_CHAOS_SCALE=SCALE: at scale 5, 10,000
mailings to 2,000 members with worker processes SIGKILLed every 2–4 s against an SMTP server that
takes 25 ms per message, and 250 members across Monday 08:00 with three schedulers killed and Redis
taken away. Each test prints its counts (mailings, kills, messages accepted, duplicates, attempts cut
short by a death, seconds); the assertions are the tests' own: every mailing delivered and recorded
once, every duplicate explained by an attempt a death cut short.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=5.0)
    args = parser.parse_args()
    env = os.environ | {"MYBIGMOVIE_CHAOS_SCALE": str(args.scale)}
    return subprocess.run([sys.executable, "-m", "pytest", "tests/integration/test_chaos_mail.py", "-q", "-s",
                           "-p", "no:cacheprovider"], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
