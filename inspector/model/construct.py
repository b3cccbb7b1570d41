"""Fast positional constructors for the frozen slots dataclasses built on hot paths.

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``:
one builtin call per field, which for a 19-field ``ParsedResponse`` costs more
than parsing a small head. The constructor made here fills a plain twin class
with the same ``__slots__`` (ordinary slot stores) and then assigns the frozen
class to ``__class__``, which CPython allows between classes of identical
layout. The result is an ordinary instance of the frozen class, equal to what
its ``__init__`` would have built, so nothing downstream can tell the
difference. Only the parser and the client use these, with every field given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def fast_constructor(cls: type[T]) -> Callable[..., T]:
    """A constructor taking every field of ``cls`` positionally, in field order.

    Args:
        cls: A frozen dataclass with ``slots=True`` and no ``__post_init__``,
            whose fields are all ``init`` fields.

    Raises:
        TypeError: ``cls`` is not such a class (checked once, here).
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = [f.name for f in fields]
    slots = getattr(cls, "__slots__", None)
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or slots is None
        or sorted(slots) != sorted(names)
        or hasattr(cls, "__post_init__")
        or not all(f.init for f in fields)
        or cls.__bases__ != (object,)
    ):
        raise TypeError(f"{cls.__name__} is not a plain frozen slots dataclass")
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(slots)})
    stores = "".join(f"    o.{n} = {n}\n" for n in names)
    source = (
        f"def new({', '.join(names)}):\n"
        "    o = twin()\n"
        f"{stores}"
        "    o.__class__ = cls\n"
        "    return o\n"
    )
    namespace: dict[str, Any] = {"twin": twin, "cls": cls}
    exec(source, namespace)  # field names are identifiers: dataclasses does the same
    new: Callable[..., T] = namespace["new"]
    new.__qualname__ = new.__name__ = f"new_{cls.__name__}"
    new.__doc__ = f"Build a {cls.__name__} from all its fields, positionally, in field order."
    return new
