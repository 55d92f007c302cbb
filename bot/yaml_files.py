"""Reading the YAML files the retailer deploys from the repository."""

from __future__ import annotations

from typing import Any

import yaml


class UnreadableYaml(ValueError):
    """The text is not YAML this project can read; the message says why."""


def read_yaml(text: str) -> Any:
    """Parse YAML text; raise UnreadableYaml with a one-line reason.

    Besides YAML's own errors, a value YAML reads as a date the calendar does
    not have (`2020-13-45`) raises ValueError, and deep nesting RecursionError:
    both came out of the loaders as tracebacks.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UnreadableYaml(f"not valid YAML: {error}") from error
    except ValueError as error:
        raise UnreadableYaml(
            f"not valid YAML: a date that does not exist ({error})"
        ) from error
    except RecursionError as error:
        raise UnreadableYaml("not valid YAML: nested too deeply") from error
