"""Bilingual text in one shape: ``{"da": …, "en": …}`` (Danish first).

Used by the catalogue (titles), the policy's reasons, the views' section reasons and every
domain error, so no text is ever two languages glued into one string inside the code.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Text(BaseModel):
    """A text in Danish and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    da: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en``), Danish otherwise."""
        return self.en if lang == "en" else self.da

    def both(self) -> str:
        """Both languages on one line, Danish first: for the JSON API's ``detail`` and CLI
        output, where the reader's language is not known."""
        return f"{self.da} / {self.en}"
