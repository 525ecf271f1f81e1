"""Key management and credits from the command line (all need the account JWT)."""

from __future__ import annotations

import argparse
import os
import sys

from pinata_tui.account import EnabledKey, enable_and_save
from pinata_tui.api import PinataClient
from pinata_tui.api.client import validate_topup
from pinata_tui.api.errors import BILLING_URL, PinataError
from pinata_tui.api.types import CreditBalance, KeyStatus, TopUpConfig
from pinata_tui.chat.endings import exit_code_for
from pinata_tui.cli_support import CliError, confirm, load
from pinata_tui.exit_codes import EXIT_AUTH, EXIT_OK, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.secrets import mask_key
from pinata_tui.settings import ENV_JWT, ENV_LLM_KEY, Settings


def _settings(paths: AppPaths, args: argparse.Namespace) -> Settings:
    return load(paths, base_url=args.base_url).settings


def _fail(exc: BaseException) -> CliError:
    return CliError(str(exc), exit_code_for(exc))


def cmd_status(args: argparse.Namespace, paths: AppPaths) -> int:
    import asyncio

    settings = _settings(paths, args)

    async def go() -> KeyStatus:
        async with PinataClient(settings) as client:
            return await client.status()

    try:
        status = asyncio.run(go())
    except PinataError as exc:
        raise _fail(exc) from None
    if status.enabled:
        since = f" (key created {status.created_at:%Y-%m-%d %H:%M UTC})" if status.created_at else ""
        print(f"Inference is enabled{since}.")
    else:
        print("Inference is not enabled. Run `pinata-chat enable` to mint an inference key.")
    print(f"Local inference key: {mask_key(settings.llm_key)}")
    return EXIT_OK


def cmd_enable(args: argparse.Namespace, paths: AppPaths) -> int:
    import asyncio

    settings = _settings(paths, args)

    async def current_status() -> KeyStatus:
        async with PinataClient(settings) as client:
            return await client.status()

    async def enable() -> EnabledKey:
        async with PinataClient(settings) as client:
            return await enable_and_save(client, paths.config_file)

    try:
        status = asyncio.run(current_status())
    except PinataError as exc:
        raise _fail(exc) from None
    if status.enabled:
        print("Inference is already enabled. Enabling again mints a NEW key and revokes the current one:\n"
              "anything still using the old key (other machines, scripts) will get 401 errors.")
        if not args.yes and not confirm("Mint a new key and revoke the old one?"):
            print("Nothing changed.")
            return EXIT_OK
    try:
        enabled = asyncio.run(enable())  # the key is saved before anything else is done with it
    except PinataError as exc:
        raise _fail(exc) from None
    if enabled.problem is not None:
        print(f"pinata-chat: could not save the new key to {paths.config_file}: {enabled.problem}", file=sys.stderr)
        print("Pinata shows this key only once. Store it now (for example as PINATA_LLM_KEY):", file=sys.stderr)
        print(enabled.key)
        return 1
    print(f"Inference enabled. The new key ({mask_key(enabled.key)}) is saved in {paths.config_file} (mode 600).")
    if enabled.saved.dropped_comments:
        print("Note: comments in config.toml are not kept when pinata-chat rewrites it.", file=sys.stderr)
    if os.environ.get(ENV_LLM_KEY, "").strip():
        print(f"Note: {ENV_LLM_KEY} is set in your environment and overrides the saved key; "
              "update or unset it.", file=sys.stderr)
    return EXIT_OK


def cmd_disable(args: argparse.Namespace, paths: AppPaths) -> int:
    import asyncio

    settings = _settings(paths, args)
    if not settings.jwt:
        raise CliError(f"the Pinata JWT is not set. Set {ENV_JWT} to a JWT from your Pinata account.", EXIT_AUTH)
    print("Disabling revokes your inference key at once: requests in flight may be cut off and every\n"
          "later chat request with it gets 401. Your credits are not touched. `pinata-chat enable`\n"
          "mints a new key later.")
    if not args.yes and not confirm("Revoke the inference key now?"):
        print("Nothing changed.")
        return EXIT_OK

    async def go() -> None:
        async with PinataClient(settings) as client:
            await client.disable()

    try:
        asyncio.run(go())
    except PinataError as exc:
        raise _fail(exc) from None
    print("Inference disabled; the key is revoked.")
    return EXIT_OK


def cmd_credits(args: argparse.Namespace, paths: AppPaths) -> int:
    import asyncio

    settings = _settings(paths, args)
    if getattr(args, "credits_command", None) == "topup":
        return _topup(args, settings)

    async def go() -> tuple[CreditBalance, TopUpConfig]:
        async with PinataClient(settings) as client:
            return await client.balance(), await client.topup_config()

    try:
        balance, topup = asyncio.run(go())
    except PinataError as exc:
        raise _fail(exc) from None
    print(f"Total:     {balance.total:>14,.6f} credits")
    print(f"Held:      {balance.loaned:>14,.6f} credits  (reserved for requests in flight)")
    print(f"Available: {balance.available:>14,.6f} credits")
    if topup.enabled:
        print(f"Auto top-up: buy {topup.amount} credits when available drops below {topup.threshold:g}.")
    else:
        print(f"Auto top-up is off. Buy credits in the Billing dashboard at {BILLING_URL}.")
    return EXIT_OK


def _topup(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    changing = args.off or args.threshold is not None or args.amount is not None
    if args.off and (args.threshold is not None or args.amount is not None):
        raise CliError("--off cannot be combined with --threshold or --amount.", EXIT_USAGE)
    if changing and not args.off:
        try:
            validate_topup(args.threshold, args.amount)
        except PinataError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None

    async def go() -> TopUpConfig:
        async with PinataClient(settings) as client:
            if args.off:
                return await client.set_topup_config(None, None)
            if changing:
                return await client.set_topup_config(args.threshold, args.amount)
            return await client.topup_config()

    try:
        config = asyncio.run(go())
    except PinataError as exc:
        raise _fail(exc) from None
    if config.enabled:
        print(f"Auto top-up is on: buy {config.amount} credits when available drops below {config.threshold:g}.")
    else:
        print("Auto top-up is off.")
    return EXIT_OK
