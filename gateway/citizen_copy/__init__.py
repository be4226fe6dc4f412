"""GDPR art. 15: the citizen's own copy of everything Tværs holds about them."""
