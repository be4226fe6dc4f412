"""API shapes of the transparency log: checkpoints, proofs, the public key, citizen receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class CheckpointRead(BaseModel):
    """A signed checkpoint. ``note`` is the C2SP signed note, verbatim."""

    origin: str
    size: int = Field(description="Number of entries the checkpoint covers")
    root_hash: str = Field(description="Base64 Merkle tree hash at `size`")
    note: str = Field(description="C2SP tlog-checkpoint in a C2SP signed-note (Ed25519)")
    created_at: datetime


class PublicKeyRead(BaseModel):
    """The log's verifier key, as a C2SP/Go note verifier-key string and in parts."""

    verifier_key: str = Field(description="<name>+<hex key id>+<base64(0x01 ‖ Ed25519 key)>")
    origin: str
    key_name: str
    key_id: str = Field(description="8 hex digits")
    algorithm: Literal["Ed25519"] = "Ed25519"


class InclusionProofRead(BaseModel):
    """Audit path of leaf ``index`` in the tree of ``size`` (RFC 9162 §2.1.3)."""

    index: int
    size: int
    leaf_hash: str = Field(description="Base64 SHA-256(0x00 ‖ entry bytes)")
    proof: list[str] = Field(description="Base64 hashes, from the leaf upwards")
    checkpoint: str | None = Field(None, description="Signed checkpoint of `size`, if one exists")


class ConsistencyProofRead(BaseModel):
    """Proof that the tree of ``new`` extends the tree of ``old`` (RFC 9162 §2.1.4)."""

    old: int
    new: int
    proof: list[str] = Field(description="Base64 hashes")


AccessStatus = Literal["sequenced", "pending", "purged"]


class AccessLogItem(BaseModel):
    """One entry about the citizen, with what is needed to verify it offline.

    Save the item as JSON and run ``tvaers audit verify receipt RECEIPT --entry ITEM --key
    PUB`` with the receipt from ``receipt_url``; or check ``inclusion_proof`` against
    ``checkpoint`` yourself.
    """

    event_id: str
    time: str
    status: AccessStatus
    status_text: str = Field(description="Dansk / English")
    leaf_index: int | None
    leaf: str | None = Field(description="Base64 of the exact entry bytes that were hashed")
    leaf_hash: str | None
    entry: dict[str, Any] | None = Field(description="The entry, parsed (None when purged)")
    inclusion_proof: list[str] | None = Field(description="Base64 hashes (None while pending)")
    tree_size: int | None = Field(description="Size of the checkpoint the proof verifies against")
    checkpoint: str | None = Field(description="The signed checkpoint note the proof is for")
    receipt_url: str | None


class AccessLogPage(BaseModel):
    """The citizen's entries, newest first."""

    items: list[AccessLogItem]
    next_cursor: int | None = Field(None, description="Pass as `before` to read older entries")
    verifier_key: str = Field(description="The key the checkpoints are signed with")
