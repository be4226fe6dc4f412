"""Department simulators: small ASGI apps over seeded synthetic citizens.

They back the demo, tests and benchmarks, and are always labelled as simulators
(OpenAPI title, ``X-Simulator: true`` header), never presented as real systems.
"""

from collections.abc import Callable

from fastapi import FastAPI

from connectors.simulators import health, jobcenter, social
from connectors.simulators._common import SIMULATOR_HEADER, FaultMode, SimulatorConfig

SIMULATORS: dict[str, Callable[..., FastAPI]] = {
    "jobcenter": jobcenter.create_app,
    "social": social.create_app,
    "health": health.create_app,
}

__all__ = ["SIMULATORS", "SIMULATOR_HEADER", "FaultMode", "SimulatorConfig"]
