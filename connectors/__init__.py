"""Connectors: adapters from Tværs to department systems, plus the SDK and simulators."""
