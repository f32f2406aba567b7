"""Production settings, read from the environment as a server reads them: in a fresh
process, so nothing of the test run's own settings leaks in.

``manage.py check --deploy`` must be clean for a site served over HTTPS behind a proxy, and
must not be for one that is not: the same command an operator runs before going live.
"""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SITE_URL": "https://memorial.example.org",
    "ALLOWED_HOSTS": "memorial.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def run(code_or_args, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` (a list) or a Python snippet run with Django set up (a str)."""
    environment = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
                   "LANG": "C.UTF-8", **env}
    if isinstance(code_or_args, list):
        command = [sys.executable, "manage.py", *code_or_args]
    else:
        command = [sys.executable, "-c", "import django, os; os.environ.setdefault("
                   "'DJANGO_SETTINGS_MODULE', 'memorial.settings'); django.setup()\n"
                   + code_or_args]
    return subprocess.run(command, cwd=PROJECT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_deploy_check_is_clean_for_a_site_served_over_https(tmp_path):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_complains_about_a_site_served_over_plain_http(tmp_path):
    plain = {**PRODUCTION, "SITE_URL": "http://memorial.example.org"}
    result = run(["check", "--deploy", "--fail-level", "WARNING"], plain, tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_a_server_without_secret_key_refuses_to_start(tmp_path):
    without_key = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = run(["check"], without_key, tmp_path)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


BEHIND_THE_PROXY = """
from django.test import Client
client = Client(HTTP_HOST="memorial.example.org")
plain = client.get("/robots.txt")
print("plain", plain.status_code, plain.get("Location"))
secure = client.get("/robots.txt", HTTP_X_FORWARDED_PROTO="https")
print("secure", secure.status_code, secure.get("Strict-Transport-Security"))

# The cookies a form page sets (through the middleware, without a database).
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory

def form_page(request):
    get_token(request)
    return HttpResponse()

response = CsrfViewMiddleware(form_page)(RequestFactory().get("/submit/", secure=True))
secure = response.cookies["csrftoken"]["secure"] and settings.SESSION_COOKIE_SECURE
print("cookies", "secure" if secure else "plain")
"""


@pytest.mark.parametrize(("extra", "hsts"), [
    ({}, "max-age=31536000; includeSubDomains"),
    ({"SECURE_HSTS_SECONDS": "3600", "SECURE_HSTS_PRELOAD": "1"},
     "max-age=3600; includeSubDomains; preload"),
])
def test_behind_the_proxy_plain_http_is_redirected_and_https_is_remembered(tmp_path, extra,
                                                                           hsts):
    result = run(BEHIND_THE_PROXY, {**PRODUCTION, **extra}, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "plain 301 https://memorial.example.org/robots.txt" in lines
    assert f"secure 200 {hsts}" in lines
    assert "cookies secure" in lines


def test_development_and_tests_speak_plain_http(tmp_path):
    # `make run`: DEBUG on, no SITE_URL; tests and benchmarks: DEBUG off, no SITE_URL.
    for env in ({"DEBUG": "1"}, {"SECRET_KEY": "tests-only"}):
        result = run(BEHIND_THE_PROXY.replace(', HTTP_X_FORWARDED_PROTO="https"', ""),
                     {**env, "ALLOWED_HOSTS": "memorial.example.org"}, tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert "plain 200 None" in lines and "secure 200 None" in lines
        assert "cookies plain" in lines
