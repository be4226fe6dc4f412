"""WHO-5 as the KL implementation guide models it (hl7dk/KL-dk-tools, ``KLToolsCareWHO5``).

KL records WHO-5 as a ``QuestionnaireResponse`` to the Questionnaire
``KLToolsCare WHO-5`` (code SNOMED CT 1144665009) with five choice items,
``happy``, ``calm``, ``active``, ``rested`` and ``interest``, each answered
with a KLTools code whose display ends in the item score 0-5. There is no
total-score resource; the raw score (0-25) is the sum of the five items and the
reported score (0-100) is four times that.
"""

from __future__ import annotations

import re

WHO5_QUESTIONNAIRE = "http://kl.dk/fhir/tools/care/Questionnaire/KLToolsCareWHO-5"
KL_TOOLS_CODES = "http://fhir.kl.dk/ffinst/CodeSystem/KLToolsCodes"
WHO5_ITEMS = ("happy", "calm", "active", "rested", "interest")
WHO5_ITEM_TEXT = {
    "happy": "I de sidste 2 uger har jeg været glad og i godt humør",
    "calm": "I de sidste 2 uger har jeg følt mig rolig og afslappet",
    "active": "I de sidste 2 uger har jeg følt mig aktiv og energisk",
    "rested": "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
    "interest": "I de sidste 2 uger har min dagligdag været fyldt med ting der interesserer mig",
}
_LEVELS = (
    "På intet tidspunkt",
    "Lidt af tiden",
    "Lidt mindre end halvdelen af tiden",
    "Lidt mere end halvdelen af tiden",
    "Det meste af tiden",
    "Hele tiden",
)
_ITEM_WORD = {
    "happy": "glad",
    "calm": "rolig",
    "active": "aktiv",
    "rested": "frisk",
    "interest": "interesseret",
}
# KLTools answer codes (item, score 5..0), from KLToolsValueSets.fsh.
_CODES = {
    "happy": (
        "0e5aa952-d470-4219-b275-5e8204d96987", "9fd3c658-d0b7-4018-84e9-8588be7de478",
        "a3779fc5-d7b3-4d03-bdaf-5ae5a40b0899", "228ee58f-5785-4364-a99c-8ba99943f510",
        "c4002c8a-91c5-4737-bba6-ce364e83fd28", "d092cdf0-e4e0-4cf6-a506-0adf95f56a8d",
    ),
    "calm": (
        "b9eb352d-145d-4c45-8f8c-5b92474c4af1", "b128508b-8ef8-4516-b8e1-f5af02a408f3",
        "1ab11c78-6258-4069-9065-0f076833b133", "d599f667-9300-432d-9edf-a1afa4c9af85",
        "1fb14510-ec20-4a8e-bc3a-d45fa83909c9", "130fbd15-4718-4fb7-9592-d205f575bc9c",
    ),
    "active": (
        "3d3c13a6-befa-4a52-aef0-7e775ca11fdd", "60da44d3-815e-426f-8c8a-0ae34d85863a",
        "f573ad27-7d00-4505-99ac-f0f35cd16e6a", "d9d031d9-3185-4f59-a125-ea5a3503011a",
        "08c8a19c-d135-4e05-a8d4-70c6da6f4842", "ccc3ecb4-3249-4c82-9c2b-dca72f4ba374",
    ),
    "rested": (
        "7aaccc2e-ead3-41f0-a9ba-091f2e539753", "b1375340-07a1-4ab4-9d3b-f5de61b878b5",
        "0059dc5d-d174-45b9-a423-136e3d9c2bda", "8f403657-cdbd-4d87-aefe-ab040a6db428",
        "2bd7d702-99ac-4acc-b3f6-a9833a32f7c8", "18c05b5f-97e6-4c08-a920-ec75a213f1f6",
    ),
    "interest": (
        "2ca88533-c048-4b2a-9ac2-2206b63a25ac", "b62a3f31-9b63-4b86-b5bd-edf300b9fbd6",
        "392ee33f-e754-4443-a285-c19aff66726f", "3c323281-fc96-47cb-b057-1dff2ffa835b",
        "314ab944-2f8a-453d-8653-b46cacf5f480", "f97749b5-e689-40a4-9eda-0b0e35d185fc",
    ),
}  # fmt: skip
ANSWER_VALUE = {code: 5 - n for codes in _CODES.values() for n, code in enumerate(codes)}
_DISPLAY_VALUE = re.compile(r"-\s*([0-5])\s*\(")


def answer_coding(item: str, value: int) -> dict[str, str]:
    """The KLTools coding for ``value`` (0-5) of one WHO-5 item."""
    return {
        "system": KL_TOOLS_CODES,
        "code": _CODES[item][5 - value],
        "display": f"WHO-5 {_LEVELS[value]} - {value} ({_ITEM_WORD[item]})",
    }


def answer_value(code: str | None, display: str | None) -> int | None:
    """An item's score from its KLTools code, or from the display's ``- N (`` as a fallback."""
    if code in ANSWER_VALUE:
        return ANSWER_VALUE[code]
    match = _DISPLAY_VALUE.search(display or "")
    return int(match.group(1)) if match else None


def is_who5_questionnaire(canonical: str | None) -> bool:
    """True for the KL WHO-5 canonical, with or without ``|version``."""
    return (canonical or "").partition("|")[0] == WHO5_QUESTIONNAIRE
