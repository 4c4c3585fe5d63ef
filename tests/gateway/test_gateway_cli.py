"""The CLI face: `pybet --help`, `serve --help`, `load --help`, `hash-key`, config files;
and `pybet serve` + `pybet load` as processes (the demo's path)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pybet.cli import main
from pybet.errors import InvalidArgument
from pybet.gateway.config import check_key, hash_key, load_config


def test_help_lists_the_gateway_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("serve", "load", "hash-key"):
        assert name in out
    for sub, words in (
        ("serve", ["--store", "--config", "--port"]),
        ("load", ["--rate", "--clients"]),
    ):
        with pytest.raises(SystemExit):
            main([sub, "--help"])
        text = capsys.readouterr().out
        assert all(w in text for w in words)


@pytest.mark.parametrize(
    "args", [["--http-port", "-2"], ["--port", "-1"], ["--port", "70000"], ["--port", "x"]]
)
def test_serve_refuses_a_port_out_of_range(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", *args])
    assert exc.value.code == 2  # argparse's usage error, before anything starts
    assert "port" in capsys.readouterr().err


def test_hash_key_prints_what_the_config_stores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash-key", "s3cret"]) == 0
    stored = capsys.readouterr().out.strip()
    assert stored == hash_key("s3cret") and check_key(stored, "s3cret")
    assert not check_key(stored, "s3cret ")


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        f"""
[server]
port = 9000
store = "memory:"
[limits]
rate = 10
[[accounts]]
name = "alice"
key_hash = "{hash_key("k")}"
deposit = 500
admin = true
[[markets]]
market_id = "1.5"
runners = [1, 2]
"""
    )
    cfg = load_config(path)
    assert (cfg.port, cfg.rate, cfg.dev_accounts) == (9000, 10.0, False)
    assert cfg.accounts["alice"].admin and cfg.accounts["alice"].deposit == 500
    assert cfg.markets[0].runners == [1, 2]
    defaults = load_config(None)
    assert defaults.dev_accounts and "admin" in defaults.accounts and defaults.port == 7878


@pytest.mark.parametrize(
    "text",
    [
        "[server]\nport = 'x'\n",
        "[server]\nnope = 1\n",
        "[weird]\n",
        "[[accounts]]\nname = 'a'\napi_key = 'plain'\n",
        "[[accounts]]\nname = 'a'\nkey_hash = 'md5:x'\n",
        "[[markets]]\nmarket = 'x'\n",
        "not toml = = =",
    ],
)
def test_bad_config_is_refused_with_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InvalidArgument):
        load_config(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_and_load_as_processes_then_a_clean_stop(tmp_path: Path) -> None:
    port, http_port = _free_port(), _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pybet",
            "serve",
            "--port",
            str(port),
            "--http-port",
            str(http_port),
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,  # the default store is file:./pybet-data
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().decode()
        assert "listening" in line
        load = subprocess.run(
            [
                sys.executable,
                "-m",
                "pybet",
                "load",
                "--port",
                str(port),
                "--duration",
                "0.5",
                "--clients",
                "2",
                "--pipeline",
                "4",
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        out = load.stdout.decode()
        assert "acknowledged" in out and "p99" in out
        open_loop = subprocess.run(
            [
                sys.executable,
                "-m",
                "pybet",
                "load",
                "--port",
                str(port),
                "--duration",
                "0.3",
                "--rate",
                "300",
                "--json",
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        summary = json.loads(open_loop.stdout.decode().splitlines()[-1])
        assert summary["mode"] == "open-loop 300/s" and summary["acked"] > 0
    finally:
        server.send_signal(signal.SIGTERM)
        start = time.monotonic()
        code = server.wait(30)
        assert server.stderr is not None
        server.stderr.close()
        server.stdout.close()  # type: ignore[union-attr]
    assert code == 0 and time.monotonic() - start < 30
    # the default store is the embedded file store: a journal and the shutdown snapshot
    data = tmp_path / "pybet-data"
    assert list(data.glob("journal-*.log")) and list(data.glob("snapshot-*.snap"))
