"""Check every package pinned in requirements.lock against published advisories (run by `make audit`).

pip-audit does the checking when one of its advisory sources answers from here: OSV (api.osv.dev), or
PyPI's per-release JSON (pypi.org/pypi/NAME/VERSION/json, pip-audit's `-s pypi`). Neither is taken on
trust: a source is probed first, and a package pip-audit skipped counts as unchecked, never as clean
(pip-audit itself says "No known vulnerabilities found" and exits 0 when PyPI answers 404 for every
package).

OSV_URL names another OSV endpoint (a mirror) in place of api.osv.dev.

When neither source answers, it says so, and falls back to the one advisory feed that may still be
reachable: PyPI's project JSON (pypi.org/pypi/NAME/json), whose "vulnerabilities" are those of the
project's *latest* release only. That checks a locked version exactly when it is the latest release;
any other locked version is reported as unchecked.

Exit status: 0 every locked package checked, no advisory; 1 an advisory applies to a locked package;
2 some or all packages could not be checked (no source reachable, or skipped).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
TIMEOUT = 15
# An OSV mirror may be named here (e.g. a company's); pip-audit is pointed at it with --osv-url.
OSV_URL = os.environ.get("OSV_URL", "https://api.osv.dev/v1/query")


def locked_pins() -> list[tuple[str, str]]:
    pins = []
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            if match is None:
                sys.exit(f"requirements.lock: not an exact pin: {line!r} (regenerate it with `make lock`)")
            pins.append((match[1], match[2]))
    return pins


def fetch_json(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.load(response)


def probe(name: str, url: str, body: dict | None, key: str | None) -> str | None:
    """None when the source answers as pip-audit needs it, else why not."""
    try:
        answer = fetch_json(url, body)
    except urllib.error.HTTPError as error:
        return f"{name}: HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{name}: {getattr(error, 'reason', error)}"
    if not isinstance(answer, dict) or (key is not None and key not in answer):
        return f"{name}: answered without a {key!r} field"
    return None


def with_pip_audit(service: str, pins: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "audit.json"
        command = [str(PIP_AUDIT), "--vulnerability-service", service, "--requirement", str(LOCK),
                   "--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json",
                   "--aliases", "on", "--desc", "off", "--timeout", str(TIMEOUT), "--output", str(output)]
        if service == "osv":
            command += ["--osv-url", OSV_URL]
        run = subprocess.run(command, capture_output=True, text=True)
        if not output.exists():
            sys.stderr.write(run.stderr)
            print(f"cannot check: pip-audit -s {service} failed (exit {run.returncode}), see above")
            sys.exit(2)
        report = json.loads(output.read_text())
    findings, unchecked = [], []
    seen = set()
    for dependency in report["dependencies"]:
        seen.add(dependency["name"].lower().replace("_", "-"))
        if "skip_reason" in dependency:
            unchecked.append(f"{dependency['name']}: {dependency['skip_reason']}")
        for vuln in dependency.get("vulns", []):
            aliases = ", ".join(vuln.get("aliases", []))
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            findings.append(f"{dependency['name']}=={dependency['version']}: {vuln['id']}"
                            f"{f' ({aliases})' if aliases else ''}, fixed in {fixed}")
    for name, version in pins:
        if name.lower().replace("_", "-") not in seen:
            unchecked.append(f"{name}=={version}: not in pip-audit's report")
    return findings, unchecked


def with_latest_release_feed(pins: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    findings, unchecked = [], []
    for name, version in pins:
        try:
            project = fetch_json(f"https://pypi.org/pypi/{name}/json")
        except (urllib.error.URLError, OSError, ValueError) as error:
            unchecked.append(f"{name}=={version}: PyPI project JSON unreachable ({error})")
            continue
        latest = project["info"]["version"]
        if "vulnerabilities" not in project:
            unchecked.append(f"{name}=={version}: PyPI's project JSON has no 'vulnerabilities' field")
            continue
        if latest != version:
            unchecked.append(f"{name}=={version}: not the latest release ({latest}), so PyPI's "
                             "latest-release advisories say nothing about it")
            continue
        for vuln in project["vulnerabilities"]:
            if vuln.get("withdrawn"):
                continue
            aliases = ", ".join(vuln.get("aliases") or [])
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed release"
            findings.append(f"{name}=={version}: {vuln['id']}{f' ({aliases})' if aliases else ''}, "
                            f"fixed in {fixed}")
    return findings, unchecked


def main() -> int:
    pins = locked_pins()
    first_name, first_version = pins[0]
    problems = []
    for service, url, body, key in (
        ("osv", OSV_URL,
         {"package": {"name": first_name, "ecosystem": "PyPI"}, "version": first_version}, None),
        ("pypi", f"https://pypi.org/pypi/{first_name}/{first_version}/json", None, "vulnerabilities"),
    ):
        problem = probe(service, url, body, key)
        if problem is None:
            print(f"advisory source: pip-audit -s {service} ({url.split('/')[2]}), {len(pins)} locked packages")
            findings, unchecked = with_pip_audit(service, pins)
            break
        problems.append(problem)
    else:
        print(f"cannot check with pip-audit: no advisory source reachable from here ({'; '.join(problems)})")
        print("falling back to PyPI's project JSON (advisories of each project's latest release only), "
              f"{len(pins)} locked packages")
        findings, unchecked = with_latest_release_feed(pins)

    for line in findings:
        print(f"ADVISORY  {line}")
    for line in unchecked:
        print(f"UNCHECKED {line}")
    checked = len(pins) - len(unchecked)
    if findings:
        print(f"FAIL: {len(findings)} advisories apply to the locked set ({checked}/{len(pins)} packages checked)")
        return 1
    if unchecked:
        if checked == 0:
            print("cannot check: no advisory source reachable for any locked package")
        else:
            print(f"INCOMPLETE: no advisory for the {checked} packages checked; "
                  f"{len(unchecked)} could not be checked")
        return 2
    print(f"OK: no published advisory applies to any of the {len(pins)} locked packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
