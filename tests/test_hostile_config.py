"""Issue #14, items 5, 6, 7 (config numbers), 9 and 12 (config writes): validation at the edges.

Keys and JWTs from every entry path are checked and never echoed; credentials never go over
plain http:// to another machine unless allowed; numbers and base URLs that cannot work are
refused with one line naming where they came from; a config write on a full or read-only disk
is one line too.
"""

from __future__ import annotations

import errno
import json

import httpx
import pytest

from pinata_tui import config as config_module
from pinata_tui.api import PinataClient
from pinata_tui.api.errors import (
    InsecureTransport,
    InvalidCredential,
    ProtocolError,
    ServerError,
)
from pinata_tui.config import ConfigError, load_settings
from pinata_tui.devserver import DEV_LLM_KEY, Fault
from pinata_tui.secrets import check_credential
from pinata_tui.settings import (
    MAX_RETRY_ATTEMPTS,
    RetrySettings,
    Settings,
    insecure_credentials_problem,
    is_loopback_host,
)
from tests.cli_helpers import run_cli, use_home


@pytest.fixture
def paths(server, tmp_path, monkeypatch):
    return use_home(monkeypatch, tmp_path / "home", server.url)


def one_clean_line(text: str) -> None:
    assert text.count("\n") == 1 and "Traceback" not in text, text


# ------------------------------------------------------------ 5: keys


BAD_KEYS = {
    "a line break": "pk-dev-0123\r\n456789abcdef",
    "a control character": "pk-dev-0123\x1b[2J456789abcdef",
    "a space": "pk-dev-0123 456789abcdef",
    "a non-ASCII character": "pk-dev-0123\u2019456789abcdef",
}


@pytest.mark.parametrize("problem", list(BAD_KEYS))
def test_config_set_refuses_a_bad_key_without_echoing_it(paths, monkeypatch, problem):
    before = paths.config_file.read_text()
    key = BAD_KEYS[problem]
    for setting in ("llm_key", "jwt"):
        result = run_cli(monkeypatch, "config", "set", setting, key)
        assert result.code == 2
        one_clean_line(result.err)
        assert problem in result.err and f"{setting} (pk-…cdef)" in result.err
        assert "0123" not in result.all and "456789ab" not in result.all  # the key is never shown
    assert paths.config_file.read_text() == before


@pytest.mark.parametrize("problem", list(BAD_KEYS))
def test_a_bad_key_in_the_environment_stops_every_command_with_one_line(server, paths, monkeypatch, problem):
    monkeypatch.setenv("PINATA_LLM_KEY", BAD_KEYS[problem])
    for command in (["ask", "hi"], ["config", "show"], ["models"]):
        result = run_cli(monkeypatch, *command)
        assert result.code == 2, result
        one_clean_line(result.err)
        assert "PINATA_LLM_KEY: llm_key (pk-…cdef)" in result.err and problem in result.err
        assert "456789ab" not in result.all
    assert server.state.chat_requests() == []


def test_a_bad_jwt_in_config_toml_names_the_file(paths, monkeypatch):
    monkeypatch.delenv("PINATA_JWT")
    paths.config_file.write_text('jwt = "eyJhbGciOi\\u0007JIUzI1NiJ9.e30.sig"\n', encoding="utf-8")
    result = run_cli(monkeypatch, "status")
    assert result.code == 2
    one_clean_line(result.err)
    assert str(paths.config_file) in result.err and "U+0007" in result.err and "eyJhbGciOi" not in result.err


def test_surrounding_whitespace_is_stripped_on_every_path(server, paths, monkeypatch):
    monkeypatch.setenv("PINATA_LLM_KEY", f"  {DEV_LLM_KEY}\r\n")
    assert run_cli(monkeypatch, "ask", "hi", "--no-save").code == 0
    monkeypatch.delenv("PINATA_LLM_KEY")
    assert run_cli(monkeypatch, "config", "set", "llm_key", f"\t{DEV_LLM_KEY}\n").code == 0
    assert load_settings(paths.config_file, env={}).settings.llm_key == DEV_LLM_KEY
    assert run_cli(monkeypatch, "ask", "hi", "--no-save").code == 0


async def test_the_client_never_sends_a_bad_key_however_settings_were_made(server, settings):
    async with PinataClient(settings.replace(llm_key="pk-dev\n-0123456789")) as client:
        with pytest.raises(InvalidCredential) as err:
            async for _ in client.stream_chat("openai/gpt-5.1", [{"role": "user", "content": "hi"}]):
                pass
    assert "line break" in str(err.value) and "pk-dev\n" not in str(err.value)
    assert server.state.chat_requests() == []


async def test_a_minted_key_with_control_characters_is_refused_not_printed(server, client):
    server.state.add_fault(Fault(status=200, route="jwt", content_type="application/json",
                                 body=json.dumps({"success": True, "privateKey": "pk-\x1b]52;c;eA==\x07-secret"})))
    with pytest.raises(ProtocolError) as err:
        await client.enable()
    assert "secret" not in str(err.value) and "\x1b" not in str(err.value)


def test_check_credential_messages():
    assert check_credential("llm_key", "  pk-abc  \n") == "pk-abc"
    with pytest.raises(ValueError, match="is empty"):
        check_credential("llm_key", " \r\n")
    with pytest.raises(ValueError, match="position 4") as err:
        check_credential("jwt", "abc\u00e9defghijkl")
    assert "abc\u00e9" not in str(err.value)


# ------------------------------------------------------ 6: plain http


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "LOCALHOST."])
def test_loopback_over_plain_http_is_always_allowed(host):
    assert is_loopback_host(host.strip("[]"))
    assert insecure_credentials_problem(f"http://{host}:8080", allow_insecure_http=False) is None


@pytest.mark.parametrize("url", ["http://pinata.example", "http://10.0.0.2:8080", "http://[fe80::1]",
                                 "http://127.0.0.1.evil.example", "http://localhost.evil.example"])
def test_plain_http_elsewhere_is_refused_unless_allowed(url):
    problem = insecure_credentials_problem(url, allow_insecure_http=False)
    assert problem and "allow_insecure_http = true" in problem and "PINATA_ALLOW_INSECURE_HTTP=1" in problem
    assert insecure_credentials_problem(url, allow_insecure_http=True) is None
    assert insecure_credentials_problem(url.replace("http:", "https:"), allow_insecure_http=False) is None


async def test_the_client_refuses_to_send_a_key_over_plain_http_and_sends_it_when_allowed():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if request.url.path.endswith("/models") else {"enabled": True})

    settings = Settings(base_url="http://pinata.example", llm_key=DEV_LLM_KEY, jwt="eyJ.e30.sig")
    async with PinataClient(settings, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(InsecureTransport) as err:
            await client.status()
        assert "pinata.example" in str(err.value) and "https://" in str(err.value)
        assert seen == []
        assert await client.models() == []  # the public catalog carries no credential: allowed
        assert "authorization" not in seen[-1].headers
    async with PinataClient(settings.replace(allow_insecure_http=True),
                            transport=httpx.MockTransport(handler)) as client:
        assert (await client.status()).enabled
    assert seen[-1].headers["authorization"] == "Bearer eyJ.e30.sig"


def test_ask_over_plain_http_to_another_host_is_refused_with_the_way_to_allow_it(paths, monkeypatch):
    monkeypatch.setenv("PINATA_BASE_URL", "http://192.0.2.1:9")
    result = run_cli(monkeypatch, "ask", "hi", "--no-save")
    assert result.code == 2
    one_clean_line(result.err)
    assert "plain http://" in result.err and "PINATA_ALLOW_INSECURE_HTTP=1" in result.err
    for value, expected in (("true", True), ("0", False), ("yes", True)):
        assert run_cli(monkeypatch, "config", "set", "allow_insecure_http", value).code == 0
        assert load_settings(paths.config_file, env={}).settings.allow_insecure_http is expected
    assert run_cli(monkeypatch, "config", "set", "allow_insecure_http", "maybe").code == 2
    monkeypatch.setenv("PINATA_ALLOW_INSECURE_HTTP", "1")
    assert load_settings(paths.config_file).settings.allow_insecure_http is True


# --------------------------------------------------- 7: config numbers


@pytest.mark.parametrize(("key", "value"), [
    ("timeouts.read", "nan"), ("timeouts.read", "inf"), ("timeouts.connect", "1e-999"), ("timeouts.write", "1e999"),
    ("retry.max_attempts", "1000000"), ("retry.max_attempts", "9" * 5000), ("max_tokens", str(10**30)),
    ("retry.base_delay", "NaN"), ("temperature", "1e308"), ("max_tokens", "1e3"),
    # What Python's int() / float() take but nobody means: underscores, other scripts' digits.
    ("max_tokens", "1_000"), ("budget.daily", "1_0"), ("temperature", "\u0660.\u0665"), ("max_tokens", "\u0661\u0662"),
])
def test_config_set_refuses_numbers_that_cannot_work(paths, monkeypatch, key, value):
    before = paths.config_file.read_text()
    result = run_cli(monkeypatch, "config", "set", key, value)
    assert result.code == 2
    one_clean_line(result.err)
    assert key in result.err
    assert paths.config_file.read_text() == before


@pytest.mark.parametrize("flags", [("--max-tokens", "1_000"), ("--temperature", "0_5"), ("--top-p", "nan"),
                                   ("--conversation", "\u0661")])
def test_number_flags_take_plain_digits_only(paths, monkeypatch, flags):
    result = run_cli(monkeypatch, "ask", *flags, "hi")
    assert result.code == 2 and f"{flags[0]}: {flags[1]!r} is not a" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("line", ["[timeouts]\nread = nan", "[timeouts]\nread = inf",
                                  "[retry]\nmax_attempts = 9223372036854775807", "max_tokens = -1"])
def test_config_toml_numbers_that_cannot_work_are_one_line(paths, monkeypatch, line):
    paths.config_file.write_text(line + "\n", encoding="utf-8")
    result = run_cli(monkeypatch, "ask", "hi")
    assert result.code == 2 and str(paths.config_file) in result.err
    one_clean_line(result.err)


async def test_a_huge_max_attempts_with_no_delay_is_still_bounded(server, settings, sleeper):
    server.state.add_fault(Fault(status=503, times=10_000))
    hostile = settings.replace(retry=RetrySettings(max_attempts=10**9, base_delay=0, max_delay=0))
    async with PinataClient(hostile, sleep=sleeper) as client:
        with pytest.raises(ServerError) as err:
            await client.chat("openai/gpt-5.1", [{"role": "user", "content": "x"}])
    assert "503" in str(err.value)
    assert len(server.state.chat_requests()) == MAX_RETRY_ATTEMPTS


# ------------------------------------------------------ 9: base URLs


COMMANDS = [["ask", "hi"], ["models"], ["status"], ["credits"], ["credits", "topup"], ["enable", "--yes"],
            ["disable", "--yes"], ["config", "show"], ["export", "--last"], ["import", "x.json"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_an_invalid_base_url_in_the_environment_is_one_line_for_every_command(paths, monkeypatch, command):
    monkeypatch.setenv("PINATA_BASE_URL", "http://[::1")
    result = run_cli(monkeypatch, *command)
    assert result.code == 2, result
    one_clean_line(result.err)
    assert "PINATA_BASE_URL" in result.err and "not a valid URL" in result.err


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999", "ftp://x", "http://", "https://a b"])
def test_an_invalid_base_url_is_refused_by_config_set_and_in_config_toml(paths, monkeypatch, url):
    assert run_cli(monkeypatch, "config", "set", "base_url", url).code == 2
    monkeypatch.delenv("PINATA_BASE_URL")
    paths.config_file.write_text(f"base_url = {json.dumps(url)}\n", encoding="utf-8")
    for command in (["ask", "hi"], ["models"], ["config", "show"]):
        result = run_cli(monkeypatch, *command)
        assert result.code == 2 and str(paths.config_file) in result.err
        one_clean_line(result.err)
    paths.config_file.unlink()
    result = run_cli(monkeypatch, "--base-url", url, "models")
    assert result.code == 2 and "command line" in result.err


# ---------------------------------------------- 12: config writes, deep TOML


@pytest.mark.parametrize(("code", "said"), [(errno.EROFS, "read-only"), (errno.ENOSPC, "disk is full"),
                                            (errno.EACCES, "permission denied")])
def test_config_set_on_a_full_or_read_only_disk_is_one_line(paths, monkeypatch, code, said):
    def fail(path, text, *, mode=None):
        raise OSError(code, "simulated", str(path))

    monkeypatch.setattr(config_module, "atomic_write_text", fail)
    result = run_cli(monkeypatch, "config", "set", "model", "openai/gpt-5.1")
    assert result.code == 1 and said in result.err and "could not save model" in result.err
    one_clean_line(result.err)
    result = run_cli(monkeypatch, "config", "unset", "retry.max_attempts")
    assert result.code == 1 and said in result.err
    one_clean_line(result.err)


def test_config_set_where_the_config_folder_is_a_file_is_one_line(paths, monkeypatch):
    paths.config_file.unlink()
    paths.config_dir.rmdir()
    paths.config_dir.write_text("not a folder")
    result = run_cli(monkeypatch, "config", "set", "model", "openai/gpt-5.1")
    assert result.code in (1, 2)
    one_clean_line(result.err)


def test_deeply_nested_toml_is_one_line(paths, monkeypatch):
    paths.config_file.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run_cli(monkeypatch, "config", "show")
    assert result.code == 2 and "nested too deeply" in result.err
    one_clean_line(result.err)
    with pytest.raises(ConfigError):
        load_settings(paths.config_file, env={})


def test_arguments_that_are_not_utf8_are_replaced_and_said(server, paths, monkeypatch):
    # Python hands undecodable argv bytes over as lone surrogates (surrogateescape).
    result = run_cli(monkeypatch, "ask", "caf\udce9 au lait", "-s", "be \udcff brief")
    assert result.code == 0, result.err
    assert "not UTF-8" in result.err
    [request] = server.state.chat_requests()
    assert request["body"]["messages"] == [{"role": "system", "content": "be \ufffd brief"},
                                           {"role": "user", "content": "caf\ufffd au lait"}]
    result = run_cli(monkeypatch, "config", "set", "system_prompt", "x\udce9")
    assert result.code == 0 and load_settings(paths.config_file, env={}).settings.system_prompt == "x\ufffd"
