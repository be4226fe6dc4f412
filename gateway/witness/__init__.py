"""A C2SP tlog-witness: cosigns checkpoints of the logs it follows, refusing rollback and forks.

Runs as its own process (``tvaers witness serve``) with its own key and its own SQLite file;
it shares nothing with the gateway but the log's public key. See docs/witness.md.
"""
