"""Common base for every movedesk model: frozen, typed, JSON with a ``schema_version``."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

#: Bumped when a field is removed or changes meaning; adding an optional field does not bump it.
SCHEMA_VERSION = 1


class Model(BaseModel):
    """Frozen pydantic model whose JSON form carries ``schema_version`` and ``kind``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ClassVar[str] = "model"

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict, with ``schema_version`` and ``kind`` first."""
        body = self.model_dump(mode="json")
        return {"schema_version": SCHEMA_VERSION, "kind": self.kind, **body}

    @classmethod
    def from_json_dict(cls, payload: dict[str, Any]) -> Self:
        """The model back from its JSON form (``to_json_dict``'s output, as stored)."""
        return cls.model_validate({k: v for k, v in payload.items() if k not in ("schema_version", "kind")})
