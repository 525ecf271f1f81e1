"""Every documented route, against the loopback server."""

from __future__ import annotations

import pytest

from pinata_tui.api import (
    AuthError,
    Finished,
    MissingCredential,
    PinataClient,
    RequestRejected,
    TextDelta,
    Usage,
)
from pinata_tui.devserver import CATALOG, DEV_JWT, DEV_LLM_KEY

HELLO = [{"role": "user", "content": "Hello, Pinata"}]


async def collect(client: PinataClient, model: str = "openai/gpt-5.1", messages=HELLO, **kw):
    return [event async for event in client.stream_chat(model, messages, **kw)]


async def test_models_reads_the_array_catalog(client):
    models = await client.models()
    assert [m.model_id for m in models] == [m["model_id"] for m in CATALOG]
    sonnet = next(m for m in models if m.model_id == "anthropic/claude-sonnet-4-6")
    assert (sonnet.provider, sonnet.name) == ("anthropic", "claude-sonnet-4-6")
    assert (sonnet.input_per_1m, sonnet.output_per_1m, sonnet.cache_read_per_1m) == (3.0, 15.0, 0.3)
    llama = next(m for m in models if m.provider == "meta-llama")
    assert llama.cache_read_per_1m is None


async def test_models_needs_no_credential(server, settings):
    async with PinataClient(settings.replace(llm_key=None, jwt=None)) as anonymous:
        assert len(await anonymous.models()) == len(CATALOG)
    assert "Authorization" not in str(server.state.requests[-1])


async def test_models_ignores_unknown_fields_and_bad_entries(server, client):
    server.state.catalog = [
        {"model_id": "a/b", "input_usd_per_1m_tokens": "2.5", "output_usd_per_1m_tokens": 10, "new": 1},
        {"no_model_id": True},
        "junk",
    ]
    [only] = await client.models()
    assert (only.model_id, only.input_per_1m, only.output_per_1m) == ("a/b", 2.5, 10.0)


async def test_stream_yields_text_then_usage_then_finished(server, client):
    events = await collect(client)
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == server.state.reply_tokens
    usage = [e for e in events if isinstance(e, Usage)]
    assert usage and usage[-1].completion_tokens == server.state.reply_tokens
    assert usage[-1].total_tokens == usage[-1].prompt_tokens + usage[-1].completion_tokens
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "stop" and events[-1].model == "openai/gpt-5.1"
    body = server.state.chat_requests()[-1]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == HELLO


@pytest.mark.parametrize("usage_style", ["final", "last-content", "every"])
async def test_usage_accepted_on_whichever_chunk_carries_it(server, client, usage_style):
    server.state.style.usage = usage_style
    events = await collect(client)
    usages = [e for e in events if isinstance(e, Usage)]
    assert usages[-1].completion_tokens == server.state.reply_tokens


async def test_stream_without_usage_still_finishes(server, client):
    server.state.style.usage = "none"
    events = await collect(client)
    assert not [e for e in events if isinstance(e, Usage)]
    assert isinstance(events[-1], Finished)


async def test_streamed_and_whole_replies_agree(client):
    streamed = "".join(e.text for e in await collect(client) if isinstance(e, TextDelta))
    whole = await client.chat("openai/gpt-5.1", HELLO)
    assert whole.text == streamed
    assert whole.finish_reason == "stop"
    assert whole.usage is not None and whole.usage.completion_tokens > 0


async def test_request_fields_pass_through(server, client):
    await client.chat("openai/gpt-5.1", HELLO, max_tokens=5, temperature=0.2)
    body = server.state.chat_requests()[-1]["body"]
    assert body["max_tokens"] == 5 and body["temperature"] == 0.2 and body["stream"] is False


async def test_max_tokens_caps_the_reply(client):
    result = await client.chat("openai/gpt-5.1", HELLO, max_tokens=5)
    assert result.finish_reason == "length" and result.usage.completion_tokens == 5


async def test_unknown_model_is_rejected_not_retried(server, client, sleeper):
    with pytest.raises(RequestRejected) as err:
        await client.chat("nobody/nothing", HELLO)
    assert err.value.status == 400 and "Unknown model" in str(err.value)
    assert len(server.state.chat_requests()) == 1 and sleeper.delays == []


async def test_enable_mints_a_new_key_and_revokes_the_old(server, client, settings):
    key = await client.enable()
    assert key.startswith("pk-dev-") and key != DEV_LLM_KEY
    with pytest.raises(AuthError):
        await client.chat("openai/gpt-5.1", HELLO)  # the old key is revoked
    async with PinataClient(settings.replace(llm_key=key)) as fresh:
        assert (await fresh.chat("openai/gpt-5.1", HELLO)).text
        second = await fresh.enable()
        assert second != key
        with pytest.raises(AuthError):
            await fresh.chat("openai/gpt-5.1", HELLO)


async def test_status_and_disable(server, client):
    status = await client.status()
    assert status.enabled and status.created_at is not None and status.created_at.year == 2026
    await client.disable()
    assert (await client.status()).enabled is False
    with pytest.raises(AuthError) as err:
        await client.chat("openai/gpt-5.1", HELLO)
    assert "revoked" in str(err.value)


async def test_balance_drains_per_token(server, client):
    before = await client.balance()
    assert (before.total, before.loaned, before.available) == (100.0, 0.0, 100.0)
    result = await client.chat("anthropic/claude-opus-4-1", HELLO)
    after = await client.balance()
    expected = (result.usage.prompt_tokens * 15.0 + result.usage.completion_tokens * 75.0) / 1e6
    assert before.available - after.available == pytest.approx(expected, abs=2e-6)


async def test_topup_config_round_trip(client):
    assert (await client.topup_config()).enabled is False
    config = await client.set_topup_config(10, 25)
    assert (config.threshold, config.amount, config.enabled) == (10, 25, True)
    assert await client.topup_config() == config
    off = await client.set_topup_config(None, None)
    assert off.enabled is False and (await client.topup_config()).enabled is False


@pytest.mark.parametrize(
    ("threshold", "amount", "complaint"),
    [(4.9, 10, "at least 5"), (10, 0, "positive whole"), (10, 2.5, "positive whole"), (10, None, "both")],
)
async def test_topup_rules_are_checked_before_calling(server, client, threshold, amount, complaint):
    with pytest.raises(RequestRejected) as err:
        await client.set_topup_config(threshold, amount)
    assert complaint in str(err.value)
    assert not [r for r in server.state.requests if r["method"] == "PUT"]


async def test_server_enforces_topup_rules_too(server, settings):
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as raw:
        reply = await raw.put("/v0/credits/topup/config", json={"threshold": 1, "amount": 5},
                              headers={"Authorization": f"Bearer {DEV_JWT}"})
    assert reply.status_code == 400


async def test_jwt_never_authenticates_chat_and_key_never_management(server, settings):
    async with PinataClient(settings.replace(llm_key=DEV_JWT)) as wrong:
        with pytest.raises(AuthError):
            await wrong.chat("openai/gpt-5.1", HELLO)
    async with PinataClient(settings.replace(jwt=DEV_LLM_KEY)) as wrong:
        with pytest.raises(AuthError) as err:
            await wrong.balance()
    assert "JWT" in str(err.value)


async def test_missing_credentials_are_explained_and_nothing_is_sent(server, settings):
    async with PinataClient(settings.replace(llm_key=None, jwt=None)) as bare:
        with pytest.raises(MissingCredential) as err:
            await bare.chat("openai/gpt-5.1", HELLO)
        assert "PINATA_LLM_KEY" in str(err.value) and "enable" in str(err.value)
        with pytest.raises(MissingCredential) as err:
            await bare.status()
        assert "PINATA_JWT" in str(err.value)
    assert server.state.requests == []
