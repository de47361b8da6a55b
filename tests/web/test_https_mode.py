"""Issue 18.3: `SEATKEEPER_HTTPS=1` production mode behind a TLS proxy.

`seatkeeper check --deploy` runs as a real subprocess (settings are read from the environment
at start-up), with a real secret key: clean in that mode, warning without it. A second
subprocess asks the app over plain http and through the proxy header.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: list[str], tmp_path: Path, https: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEATKEEPER_", "DJANGO_"))}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        SEATKEEPER_VAR_DIR=str(tmp_path / "var"),
        SEATKEEPER_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_SETTINGS_MODULE="seatkeeper.settings",
    )
    env.pop("DATABASE_URL", None)  # settings only: its own SQLite file whatever the backend
    (tmp_path / "var").mkdir(exist_ok=True)
    if https:
        env["SEATKEEPER_HTTPS"] = "1"
    return subprocess.run(
        [sys.executable, *code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )


def test_issue_18_3_check_deploy_is_clean_in_https_mode(tmp_path):
    done = run(["-m", "seatkeeper", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, True)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    plain = run(["-m", "seatkeeper", "check", "--deploy"], tmp_path, False)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in plain.stderr + plain.stdout


PROBE = """
import json, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
from django.test import Client
c = Client()
out = {}
for path in ("/healthz", "/status", "/signin/"):
    r = c.get(path)
    out[path] = [r.status_code, r.get("Location", "")]
r = c.get("/signin/", HTTP_X_FORWARDED_PROTO="https")
out["proxied"] = [r.status_code, r.get("Strict-Transport-Security", ""),
                  r.cookies["csrftoken"]["secure"] if "csrftoken" in r.cookies else None]
from django.conf import settings
out["session_secure"] = settings.SESSION_COOKIE_SECURE
print(json.dumps(out))
"""


def test_issue_18_3_redirects_to_https_except_probes_and_trusts_the_proxy(tmp_path):
    done = run(["-c", PROBE], tmp_path, True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["/signin/"] == [301, "https://testserver/signin/"]
    assert out["/healthz"][0] == 200  # load balancers probe over http
    assert out["/status"][0] in (200, 503)  # 503: no worker in this probe
    status, hsts, csrf_secure = out["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert csrf_secure is True
    assert out["session_secure"] is True
