"""``sarcoma-sim serve``: a real server on loopback, the teacher token off loopback, and wrong options."""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from sarcoma_sim.cli.serve import default_db, is_loopback

from helpers.cli_runner import run_cli
from helpers.web_server import serving


def fetch(url: str, data: dict | None = None) -> tuple[int, str]:
    """GET (or POST ``data``) without following redirects; (status, body)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def test_serve_on_loopback_serves_pages_and_survives_bad_requests(tmp_path):
    """The real server answers, prints address and notice but no token, and keeps serving after bad requests."""
    with serving(tmp_path / "a.sqlite3") as (url, lines):
        assert not any("teacher token" in line for line in lines)
        assert any("Never advice for a real patient" in line for line in lines)
        assert fetch(url + "/")[0] == 200
        assert fetch(url + "/cases", {"case": "gist", "seed": "x"})[0] == 400
        assert fetch(url + "/scenarios/run", {"text": "a: ["})[0] == 422
        where = urllib.parse.urlsplit(url)
        with socket.create_connection((where.hostname, where.port), timeout=30) as raw:
            raw.sendall(b"GARBAGE \x00\xff\r\n\r\n")
            raw.recv(1024)
        assert fetch(url + "/cases", {"case": "gist", "seed": "1"})[0] == 303
        assert fetch(url + "/teacher")[0] == 200


def test_serve_beyond_loopback_prints_a_token_and_guards_the_teacher_view(tmp_path):
    """Bound to all interfaces, serve prints a teacher token and the teacher view needs it."""
    with serving(tmp_path / "b.sqlite3", host="0.0.0.0") as (url, lines):
        token = next(line.split()[2] for line in lines if line.startswith("teacher token: "))
        local = url.replace("0.0.0.0", "127.0.0.1")
        assert fetch(local + "/teacher")[0] == 403
        assert fetch(local + "/teacher?token=" + token)[0] == 200


@pytest.mark.parametrize("argv, words", [(["--port", "70000"], "--port 70000"), (["--port", "-1"], "--port -1"),
                                         (["--host", "999.1.1.1"], "cannot listen there")])
def test_serve_wrong_options_exit_1(capsys, tmp_path, argv, words):
    """A wrong port or host is an error line and exit 1."""
    code, _, err = run_cli(capsys, "serve", "--db", tmp_path / "c.sqlite3", *argv)
    assert code == 1 and words in err


def test_serve_db_that_is_a_folder_is_an_error(capsys, tmp_path):
    """``--db`` naming a folder is an error line and exit 1."""
    code, _, err = run_cli(capsys, "serve", "--db", tmp_path, "--port", "0")
    assert code == 1 and "is a folder" in err


def test_serve_port_in_use_is_an_error(capsys, tmp_path):
    """A port another program holds is an error line and exit 1."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, _, err = run_cli(capsys, "serve", "--db", tmp_path / "d.sqlite3", "--port", port)
    assert code == 1 and "cannot listen there" in err


def test_loopback_detection():
    """Loopback names and addresses are recognised; others are not."""
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")


def test_default_db_is_in_the_user_data_folder(monkeypatch, tmp_path):
    """The default database lives in the user's data folder (XDG_DATA_HOME on Linux)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db() == str(tmp_path / "sarcoma-sim" / "attempts.sqlite3")
