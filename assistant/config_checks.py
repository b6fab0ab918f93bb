"""Parsing a setting's text (from the environment) and checking settings that depend on each
other, when a Settings object is built (config.py). Each raises :class:`ConfigError` naming the
setting and what is allowed.
"""

from __future__ import annotations

import types
import typing

from .errors import ConfigError


def parse_value(name: str, raw: str, kind: typing.Any) -> typing.Any:
    if isinstance(kind, types.UnionType):
        kind = next(t for t in typing.get_args(kind) if t is not type(None))
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError
            return lowered in ("1", "true", "yes", "on")
        return kind(raw)
    except ValueError:
        allowed = {bool: "true or false", int: "an integer", float: "a number"}.get(kind, "text")
        raise ConfigError(f"{name}={raw!r}: expected {allowed}") from None


def check_web(settings: typing.Any) -> None:
    for name in ("port", "embed_token_ttl_s", "ui_concurrency", "max_upload_bytes"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"{name}={getattr(settings, name)!r}: must be a positive integer")
    if bool(settings.ui_user) != bool(settings.ui_password):
        raise ConfigError("ui_user and ui_password: set both (UI login) or neither (no login)")
    for origin in settings.origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(
                f"allowed_origins: {origin!r} is not an origin; expected e.g. https://wiki.example.org"
            )


def check_llm(settings: typing.Any) -> None:
    parse_answerer(settings.answerer)
    if settings.timeout_s <= 0 or settings.retries < 0 or settings.llm_max_tokens < 1:
        raise ConfigError(
            f"timeout_s={settings.timeout_s!r}, retries={settings.retries!r}, llm_max_tokens="
            f"{settings.llm_max_tokens!r}: expected a positive timeout, retries >= 0, tokens >= 1"
        )


PROVIDERS = ("openai", "ollama", "llamacpp")  # answerer=PROVIDER:MODEL


def parse_answerer(spec: str) -> tuple[str, str]:
    """Split and check an ``answerer`` setting into (provider, model).

    Example: ``parse_answerer("openai:gpt-4o-mini")`` -> ``("openai", "gpt-4o-mini")``;
    ``parse_answerer("smollm2")`` -> ``("smollm2", "")`` (its file is found when the model is built).
    """
    spec = spec.strip()
    if spec in ("extractive", "smollm2"):
        return spec, ""
    provider, _, model = spec.partition(":")
    if provider not in PROVIDERS or not model.strip():
        raise ConfigError(
            f"answerer={spec!r}: expected 'extractive', 'smollm2', 'openai:MODEL', 'ollama:MODEL' "
            "or 'llamacpp:/path/to/model.gguf'"
        )
    return provider, model.strip()
