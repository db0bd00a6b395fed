"""Checks of a method's options, run in its constructor so a wrong value fails before any work.

Every check takes the owner (an instance, a class or a name, used in the message), the option's
name and its value, and returns the value unchanged when it is valid; otherwise it raises
:class:`OptionError` naming the owner and the option::

    check_positive(self, "lr", lr)       # D2DGN: lr must be a positive number, got 'fast'
    check_int(self, "epochs", epochs, minimum=1)
    check_fraction(self, "alpha", alpha)  # a real number in [0, 1]
    check_choice(self, "solver", solver, ("cg", "neumann"))

Booleans are never numbers here (``lr=True`` is refused), integers must be integers (``epochs=2.0``
is refused), and real numbers must be finite.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable


class OptionError(ValueError, TypeError):
    """A constructor option with a wrong type or value (both a ``ValueError`` and a ``TypeError``)."""


def _owner(owner: Any) -> str:
    if isinstance(owner, str):
        return owner
    return owner.__name__ if isinstance(owner, type) else type(owner).__name__


def _fail(owner: Any, name: str, what: str, value: Any, verb: str = "be") -> None:
    raise OptionError(f"{_owner(owner)}: {name} must {verb} {what}, got {value!r}")


def is_real(value: Any) -> bool:
    """A finite real number that is not a bool (Python or numpy scalar)."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and type(value).__name__ != "bool_" and math.isfinite(value))


def is_int(value: Any) -> bool:
    """An integer that is not a bool (Python or numpy scalar)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_number(owner: Any, name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, allow_none: bool = False):
    """A finite real number in the interval given by ``low``/``high`` (open ends with ``*_open``)."""
    if value is None and allow_none:
        return value
    lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
    if low is not None and high is not None:
        what = f"a real number in {lo}, {hi}"
    elif low is not None:
        what = ("a positive number (> 0)" if low == 0 and low_open else
                "a non-negative number (>= 0)" if low == 0 else f"a number {'>' if low_open else '>='} {low:g}")
    elif high is not None:
        what = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        what = "a finite real number"
    if allow_none:
        what += " or None"
    if not is_real(value):
        _fail(owner, name, what, value)
    if (low is not None and (value < low or (low_open and value == low))) or \
            (high is not None and (value > high or (high_open and value == high))):
        if low is not None and high is not None:
            _fail(owner, name, f"{lo}, {hi}", value, verb="lie in")
        _fail(owner, name, what, value)
    return value


def check_positive(owner: Any, name: str, value: Any, allow_none: bool = False):
    """A finite real number > 0 (a learning rate, a temperature, a scale)."""
    return check_number(owner, name, value, low=0, low_open=True, allow_none=allow_none)


def check_non_negative(owner: Any, name: str, value: Any, allow_none: bool = False):
    """A finite real number >= 0 (a weight, a regularisation strength, a noise level)."""
    return check_number(owner, name, value, low=0, allow_none=allow_none)


def check_fraction(owner: Any, name: str, value: Any, *, low_open: bool = False, high_open: bool = False,
                   allow_none: bool = False):
    """A real number in [0, 1] (``low_open``: (0, 1]; ``high_open``: [0, 1))."""
    return check_number(owner, name, value, low=0, high=1, low_open=low_open, high_open=high_open,
                        allow_none=allow_none)


def check_int(owner: Any, name: str, value: Any, minimum: int | None = 1, maximum: int | None = None,
              allow_none: bool = False):
    """An integer (not a bool, not a float) >= ``minimum`` (and <= ``maximum``)."""
    if value is None and allow_none:
        return value
    if minimum == 1 and maximum is None:
        what = "a positive integer"
    elif minimum == 0 and maximum is None:
        what = "a non-negative integer"
    elif minimum is not None and maximum is not None:
        what = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        what = f"an integer >= {minimum}"
    else:
        what = "an integer"
    if allow_none:
        what += " or None"
    if not is_int(value) or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        _fail(owner, name, what, value)
    return int(value)


def check_choice(owner: Any, name: str, value: Any, choices: Iterable[Any]):
    """One of ``choices`` (compared with ``==``, strings case-sensitively)."""
    choices = tuple(choices)
    if not any(type(value) is type(c) and value == c for c in choices):
        _fail(owner, name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_bool(owner: Any, name: str, value: Any):
    """``True`` or ``False`` (numpy bools accepted)."""
    if not (isinstance(value, bool) or type(value).__name__ == "bool_"):
        _fail(owner, name, "True or False", value)
    return bool(value)


def check_instance(owner: Any, name: str, value: Any, cls: type | tuple[type, ...], allow_none: bool = False):
    """An instance of ``cls`` (or ``None`` with ``allow_none``)."""
    if value is None and allow_none:
        return value
    if not isinstance(value, cls):
        names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        _fail(owner, name, f"a {names}" + (" or None" if allow_none else ""), value)
    return value


def check_device(owner: Any, value: Any, name: str = "device"):
    """The resolved ``torch.device`` (see :func:`~graph_unlearn.core.profiling.resolve_device`)."""
    from .profiling import resolve_device

    try:
        return resolve_device(value)
    except ValueError as err:
        raise OptionError(f"{_owner(owner)}: {name}: {err}") from None


__all__ = ["OptionError", "check_number", "check_positive", "check_non_negative", "check_fraction", "check_int",
           "check_choice", "check_bool", "check_instance", "check_device", "is_real", "is_int"]


def check_recipe(owner: Any, name: str, config: Any, cls: type | None = None, allow_none: bool = True):
    """A training recipe (a ``TrainConfig``-like dataclass; an instance of ``cls`` when given) whose
    usual fields are valid: ``epochs``, ``patience``, ``eval_every`` positive integers, ``lr`` > 0,
    ``weight_decay`` >= 0, ``neg_ratio`` > 0, ``batch_size`` a positive integer or None."""
    if config is None and allow_none:
        return config
    if cls is not None:
        check_instance(owner, name, config, cls, allow_none=allow_none)
    elif not hasattr(config, "__dataclass_fields__"):
        _fail(owner, name, "a training recipe (TrainConfig)", config)
    for field, check in (("epochs", lambda o, n, v: check_int(o, n, v, minimum=1)),
                         ("patience", lambda o, n, v: check_int(o, n, v, minimum=1)),
                         ("eval_every", lambda o, n, v: check_int(o, n, v, minimum=1)),
                         ("lr", check_positive), ("weight_decay", check_non_negative), ("neg_ratio", check_positive),
                         ("batch_size", lambda o, n, v: check_int(o, n, v, minimum=1, allow_none=True))):
        if hasattr(config, field):
            check(owner, f"{name}.{field}", getattr(config, field))
    return config


def check_loss_hook(owner: Any, name: str, value: Any):
    """A loss hook of the sample task: ``None`` (its default), one of its named losses or a
    callable ``loss(outputs, targets, reduction="mean")``."""
    from .losses import LOSSES

    if value is None or callable(value) or (isinstance(value, str) and value in LOSSES):
        return value
    _fail(owner, name, f"None, one of {', '.join(map(repr, LOSSES))} or a callable "
                       f"loss(outputs, targets, reduction='mean')", value)


__all__ += ["check_recipe", "check_loss_hook"]
