"""``mybigmovie import`` run as a user runs it: a subprocess against the test database."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from commands.mongo_store import MongoEventStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


def mybigmovie(*args: str, database, mongo_url, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": database.name, "COLUMNS": "200",
                   "MYBIGMOVIE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([sys.executable, "-m", "mybigmovie.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=300)


async def test_import_reports_what_it_did_and_a_second_run_nothing(database, mongo_url, tmp_path):
    small = str(FIXTURES / "ml-latest-small")
    first = mybigmovie("import", small, database=database, mongo_url=mongo_url, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "movies: 16 listed, 0 corrected" in first.stdout
    assert "ratings ml-latest-small: 182 imported, 0 already there" in first.stdout
    assert "read model" in first.stdout  # the read models were brought up to date, with a bar
    again = mybigmovie("import", small, database=database, mongo_url=mongo_url, tmp_path=tmp_path)
    assert "nothing new: the log already held all of it" in again.stdout
    assert "182 already there" in again.stdout


async def test_join_notes_are_printed_and_kept_in_a_file(database, mongo_url, tmp_path):
    result = mybigmovie("import", str(FIXTURES / "tv"), "--no-project", database=database, mongo_url=mongo_url,
                        tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    [notes] = (tmp_path / "var" / "import-reports").iterdir()
    assert "'Twin Peaks Alike' (1999): not joined: ambiguous" in notes.read_text()
    assert "notes on joins" in result.stdout


async def test_a_broken_file_is_rejected_with_its_line_and_nothing_written(database, mongo_url, tmp_path):
    shutil.copytree(FIXTURES / "ml-latest", tmp_path / "latest")
    result = mybigmovie("import", str(tmp_path / "latest"), "--strict", database=database, mongo_url=mongo_url,
                        tmp_path=tmp_path)
    assert result.returncode == 1
    assert "import rejected" in result.stdout and "movies.csv:21: empty title" in result.stdout
    assert "Traceback" not in result.stderr
    assert await MongoEventStore(database).head() == 0


async def test_without_paths_it_falls_back_to_the_demo_and_synthetic_follows(database, mongo_url, tmp_path):
    result = mybigmovie("import", "--no-project", database=database, mongo_url=mongo_url, tmp_path=tmp_path,
                        MYBIGMOVIE_DATA_DIR=str(tmp_path / "no-shared-data"))
    assert result.returncode == 0, result.stderr
    assert "data/demo/ml-latest-small" in result.stdout and "data/catalog/ml-latest\n" in result.stdout
    # What the repository carries, without ../shared/data: the ml-latest movies with 20+ ratings (and
    # every one ml-latest-small rates), and TVmaze's shows: the snapshot's and the table's. No
    # redistributable episode list exists offline except Game of Thrones' (data/demo/README.md).
    movies = int(re.search(r"movies: ([\d,]+) listed", result.stdout).group(1).replace(",", ""))
    shows = int(re.search(r"shows: ([\d,]+) listed \(73 episodes\)", result.stdout).group(1).replace(",", ""))
    assert movies >= 20_000 and shows >= 1_000, result.stdout
    result = mybigmovie("import", "--synthetic", "3000", "--seed", "5", "--no-project", database=database,
                        mongo_url=mongo_url, tmp_path=tmp_path)
    assert "ratings synthetic-3000-seed5: 3,000 imported" in result.stdout
