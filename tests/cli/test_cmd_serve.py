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
        assert "0.0.0.0" not in url
        local = "http://127.0.0.1:" + url.rsplit(":", 1)[1]
        assert fetch(local + "/teacher")[0] == 403
        assert fetch(local + "/teacher/login", {"token": token})[0] == 303


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


def test_a_teacher_token_file_keeps_the_token_across_restarts(tmp_path):
    """--teacher-token-file: written on first start (owner-only), read on the next; the token is not printed."""
    token_file = tmp_path / "teacher-token"
    with serving(tmp_path / "t.sqlite3", "--teacher-token-file", str(token_file)) as (url, lines):
        token = token_file.read_text().strip()
        assert (token_file.stat().st_mode & 0o777) == 0o600 and not any(token in line for line in lines)
        assert fetch(url + "/teacher")[0] == 403
    with serving(tmp_path / "t.sqlite3", "--teacher-token-file", str(token_file)) as (url, _):
        assert fetch(url + "/teacher/login", {"token": token})[0] == 303
        assert fetch(url + "/teacher/login", {"token": token + "x"})[0] == 403


@pytest.mark.parametrize("content", ["short", "has a space in it here", "é" * 20])
def test_a_bad_teacher_token_file_is_an_error(capsys, tmp_path, content):
    """A token file holding too short, spaced or non-ASCII text is an error line naming it, exit 1."""
    token_file = tmp_path / "tok\nen"
    token_file.write_text(content)
    code, _, err = run_cli(capsys, "serve", "--db", tmp_path / "e.sqlite3", "--port", "0",
                           "--teacher-token-file", token_file)
    assert code == 1 and "tok\\x0aen" in err and len(err.strip().splitlines()) == 1


def test_a_real_server_refuses_a_host_it_does_not_answer_to(tmp_path):
    """A request naming another host (DNS rebinding) gets a 400 from the real server; --allowed-host admits it."""
    import http.client

    def status(url, host):
        where = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        conn.request("GET", "/teacher/attempts.csv", headers={"Host": host})
        answer = conn.getresponse().status
        conn.close()
        return answer

    with serving(tmp_path / "h.sqlite3", "--allowed-host", "class.example.org") as (url, _):
        assert status(url, "rebind.evil.example") == 400
        assert status(url, "class.example.org:8000") == 200
        assert status(url, urllib.parse.urlsplit(url).netloc) == 200


@pytest.mark.parametrize("argv, words", [(["--max-connections", "3"], "--max-connections 3"),
                                         (["--allowed-host", "a b"], "--allowed-host a b")])
def test_serve_wrong_limits_and_names_exit_1(capsys, tmp_path, argv, words):
    """A connection limit out of range or a malformed host name is an error line and exit 1."""
    code, _, err = run_cli(capsys, "serve", "--db", tmp_path / "f.sqlite3", "--port", "0", *argv)
    assert code == 1 and words in err


@pytest.mark.parametrize("trusted, secure", [(True, True), (False, False)])
def test_behind_a_trusted_proxy_https_gives_a_secure_cookie(tmp_path, trusted, secure):
    """X-Forwarded-Proto: https from the --trusted-proxy address makes the session cookie Secure; otherwise ignored."""
    import http.client

    token_file = tmp_path / "token"
    token_file.write_text("a-fixed-teacher-token-0123\n")
    extra = ["--trusted-proxy", "127.0.0.1"] if trusted else []
    with serving(tmp_path / "p.sqlite3", "--teacher-token-file", str(token_file), *extra) as (url, _):
        where = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        conn.request("POST", "/teacher/login", body="token=a-fixed-teacher-token-0123",
                     headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        cookie = response.getheader("Set-Cookie")
        conn.close()
    assert response.status == 303 and ("Secure" in cookie) == secure and "HttpOnly" in cookie


def test_machine_names_and_the_printed_address():
    """A name the server is bound to is allowed, an address is not a name; a wildcard is never printed."""
    from sarcoma_sim.cli.serve import browser_address, machine_names

    assert "class.example.org" in machine_names("class.example.org")
    assert "0.0.0.0" not in machine_names("0.0.0.0") and "192.168.1.2" not in machine_names("192.168.1.2")
    assert browser_address("0.0.0.0") != "0.0.0.0" and browser_address("::") != "::"
    assert browser_address("192.168.1.2") == "192.168.1.2"
