"""Settings, read once from the environment. Every default is the embedded, zero-setup one."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    mongodb_url: str | None  # None: start the embedded nx-27017 server
    database: str
    redis_url: str
    var_dir: Path
    shared_data_dir: Path
    host: str
    port: int
    smtp_host: str
    smtp_port: int
    mail_from: str
    site_url: str
    secret_key: str
    web_processes: int = 1  # web processes `serve` runs on one port (MYBIGMOVIE_WEB_PROCESSES)
    # Reverse proxies whose X-Forwarded-For names the client (MYBIGMOVIE_TRUSTED_PROXIES, comma-separated
    # addresses). None by default: the peer is the client, and a forwarded header is ignored.
    trusted_proxies: tuple[str, ...] = ()
    # How long a worker holds a mailing it is sending (MYBIGMOVIE_MAIL_LEASE_SECONDS): a worker that
    # dies mid-send delays that e-mail by this much; the SMTP time-out is kept well inside it.
    mail_lease_seconds: float = 120.0
    queue_namespace: str = "mybigmovie"  # the workers' queues in Redis (MYBIGMOVIE_QUEUE_NAMESPACE)
    api_requests_per_minute: int = 600  # each API token's rate limit (MYBIGMOVIE_API_REQUESTS_PER_MINUTE)

    @property
    def mail_lease(self) -> timedelta:
        return timedelta(seconds=self.mail_lease_seconds)

    @property
    def model_dir(self) -> Path:
        return self.var_dir / "models"


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("MYBIGMOVIE_VAR_DIR", ROOT / "var")).resolve()
    host = os.environ.get("MYBIGMOVIE_HOST", "127.0.0.1")
    port = int(os.environ.get("MYBIGMOVIE_PORT", "8000"))
    return Settings(
        mongodb_url=os.environ.get("MONGODB_URL") or None,
        database=os.environ.get("MONGODB_DATABASE", "mybigmovie"),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        var_dir=var_dir,
        shared_data_dir=Path(os.environ.get("MYBIGMOVIE_DATA_DIR", ROOT.parent / "shared" / "data")).resolve(),
        host=host,
        port=port,
        smtp_host=os.environ.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=int(os.environ.get("SMTP_PORT", "1025")),
        mail_from=os.environ.get("MAIL_FROM", "MyBigMovie <hello@mybigmovie.local>"),
        site_url=os.environ.get("SITE_URL", f"http://{host}:{port}"),
        secret_key=os.environ.get("SECRET_KEY") or _local_secret(var_dir),
        web_processes=max(1, int(os.environ.get("MYBIGMOVIE_WEB_PROCESSES", "1"))),
        queue_namespace=os.environ.get("MYBIGMOVIE_QUEUE_NAMESPACE", "mybigmovie"),
        api_requests_per_minute=max(1, int(os.environ.get("MYBIGMOVIE_API_REQUESTS_PER_MINUTE", "600"))),
        mail_lease_seconds=float(os.environ.get("MYBIGMOVIE_MAIL_LEASE_SECONDS", "120")),
        trusted_proxies=tuple(p.strip() for p in os.environ.get("MYBIGMOVIE_TRUSTED_PROXIES", "").split(",") if p.strip()),
    )


def _local_secret(var_dir: Path) -> str:
    """A per-installation secret kept under var/, so sessions survive restarts without set-up."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
