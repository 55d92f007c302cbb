"""Reading the YAML files the retailer deploys from the repository."""

from __future__ import annotations

from typing import Any

import yaml

from bot.requests import UNSTORABLE_CHARACTER


class UnreadableYaml(ValueError):
    """The text is not YAML this project can read; the message says why."""


def read_yaml(text: str) -> Any:
    """Parse YAML text; raise UnreadableYaml with a one-line reason.

    Besides YAML's own errors, a value YAML reads as a date the calendar does
    not have (`2020-13-45`) raises ValueError, deep nesting RecursionError,
    and a NUL in a text failed in the database: all came out of the loaders
    as tracebacks.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UnreadableYaml(f"not valid YAML: {error}") from error
    except ValueError as error:
        raise UnreadableYaml(
            f"not valid YAML: a date that does not exist ({error})"
        ) from error
    except RecursionError as error:
        raise UnreadableYaml("not valid YAML: nested too deeply") from error
    _refuse_unstorable(document, "")
    return document


def _refuse_unstorable(node: Any, where: str) -> None:
    """Refuse NUL and lone surrogates, which no database column can hold."""
    if isinstance(node, str):
        if UNSTORABLE_CHARACTER.search(node):
            place = f" at {where}" if where else ""
            raise UnreadableYaml(f"a text{place} holds NUL or a lone surrogate")
    elif isinstance(node, dict):
        for key, value in node.items():
            _refuse_unstorable(key, where)
            _refuse_unstorable(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _refuse_unstorable(item, f"{where}[{index}]")
