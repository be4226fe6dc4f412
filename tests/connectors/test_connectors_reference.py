"""Each reference connector against its simulator, in-process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from connector_testkit import DEPARTMENTS, Wired, request_for

from connectors import health, jobcenter, social
from connectors.sdk import ConnectorRejected, ConnectorUnavailable, Record
from connectors.simulators import SimulatorConfig
from connectors.simulators.seed import SyntheticCitizen, citizens

MANIFESTS = {"jobcenter": jobcenter.MANIFEST, "social": social.MANIFEST, "health": health.MANIFEST}
UNKNOWN_CPR = "0101010000"
Wire = Callable[..., Wired]


def expected(citizen: SyntheticCitizen) -> dict[str, list[dict[str, Any]]]:
    """What the catalogue says each category holds, computed straight from the seed."""
    out: dict[str, list[dict[str, Any]]] = {}
    if (jc := citizen.jobcenter) is not None:
        out["jobcenter.benefit"] = [
            {
                "benefit_type": jc.benefit_type,
                "target_group": jc.target_group,
                "since": jc.since.isoformat(),
                "amount_band": jc.amount_band,
            }
        ]
        out["jobcenter.plan"] = [
            {
                "goal": jc.plan.goal,
                "steps": [{"text": s.text, "status": s.status} for s in jc.plan.steps],
                "updated": jc.plan.updated.isoformat(),
                "plan_type": jc.plan.plan_type,
            }
        ]
        out["jobcenter.activities"] = [
            {
                "kind": a.kind,
                "workplace": a.workplace or None,
                "start": a.start.isoformat(),
                "end": a.end.isoformat() if a.end else None,
                "hours_per_week": a.hours_per_week,
                "mentor": a.mentor,
            }
            for a in jc.activities
        ]
        out["jobcenter.contact"] = [_contact(jc.contact)]
        out["jobcenter.sick_leave"] = [
            {
                "category": sick.category,
                "first_day": sick.first_day.isoformat(),
                "expected_return": sick.expected_return.isoformat()
                if sick.expected_return
                else None,
                "employment": sick.employment,
                "partial": sick.partial,
                "medical_note": sick.medical_note,
            }
            for sick in ([jc.sick_leave] if jc.sick_leave else [])
        ]
        out["jobcenter.rehabilitation_plan"] = [
            {
                "goal": plan.goal,
                "education": plan.education,
                "employment": plan.employment,
                "social": plan.social,
                "health": plan.health,
                "updated": plan.updated.isoformat(),
            }
            for plan in ([jc.rehabilitation_plan] if jc.rehabilitation_plan else [])
        ]
        out["jobcenter.rehabilitation_recommendation"] = [
            {
                "meeting_date": rec.meeting_date.isoformat(),
                "recommendation": rec.recommendation,
                "efforts": ", ".join(rec.efforts),
                "duration": rec.duration,
                "citizen_remarks": rec.citizen_remarks,
            }
            for rec in ([jc.recommendation] if jc.recommendation else [])
        ]
    if (so := citizen.social) is not None:
        out["social.services"] = [
            {
                "measure": m.measure,
                "provision": m.provision,
                "provider": m.provider,
                "start": m.start.isoformat(),
                "end": m.end.isoformat() if m.end else None,
                "hours_per_week": m.hours_per_week,
            }
            for m in so.measures
        ]
        out["social.substance_treatment"] = [
            {
                "kind": t.kind,
                "substance": t.substance,
                "start": t.start.isoformat(),
                "status": t.status,
                "provider": t.provider,
            }
            for t in so.substance_treatments
        ]
        out["social.contact"] = [_contact(so.contact)]
    if (he := citizen.health) is not None:
        out["health.wellbeing"] = [
            {"date": p.date.isoformat(), "score": p.score, "raw_score": p.raw_score}
            for p in he.who5
        ]
        out["health.rehabilitation"] = [
            {
                "kind": r.kind,
                "status": r.status,
                "start": r.start.isoformat(),
                "end": r.end.isoformat() if r.end else None,
                "focus": r.focus,
                "diagnosis": r.diagnosis,
            }
            for r in he.rehabilitation
        ]
        out["health.prevention"] = [
            {"offer": p.offer, "status": p.status, "date": p.date.isoformat()}
            for p in he.prevention
        ]
        out["health.contact"] = [_contact(he.contact)]
        out["health.referral"] = [
            {"date": r.date.isoformat(), "offer": r.offer, "status": r.status, "reason": r.reason}
            for r in he.referrals
        ]
        out["health.alcohol_screening"] = [
            {"date": a.date.isoformat(), "score": a.score, "risk_level": a.risk_level}
            for a in he.alcohol_screenings
        ]
        out["health.alcohol_treatment"] = [
            {
                "kind": t.kind,
                "start": t.start.isoformat(),
                "status": t.status,
                "provider": t.provider,
            }
            for t in he.alcohol_treatments
        ]
        out["health.work_status"] = [
            {
                "course": w.course,
                "status": w.status,
                "updated": w.updated.isoformat(),
                "expected_end": w.expected_end.isoformat() if w.expected_end else None,
                "work_note": w.work_note,
                "diagnosis": w.diagnosis,
            }
            for w in he.work_status
        ]
    return out


def _contact(contact: Any) -> dict[str, Any]:
    return {
        "name": contact.name,
        "unit": contact.unit,
        "phone": contact.phone,
        "email": contact.email,
    }


def _grouped(records: list[Record]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record.category, []).append(dict(record.data))
    return out


def _key(item: dict[str, Any]) -> str:
    return repr(sorted(item.items()))


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_all_categories_for_many_citizens_match_the_seed(wire: Wire, department: str) -> None:
    wired = wire(department)
    manifest = MANIFESTS[department]
    compared = 0
    for citizen in citizens()[:40]:
        result = await wired.connector.fetch(request_for(citizen.cpr, dict(manifest.categories)))
        want = {k: v for k, v in expected(citizen).items() if k.startswith(f"{department}.") and v}
        got = _grouped(result.records)
        assert got.keys() == want.keys(), citizen.index
        for category, items in want.items():
            # Order within a category is the system's; compare as multisets.
            assert sorted(map(_key, got[category])) == sorted(map(_key, items)), category
            compared += len(items)
        assert result.source_system == manifest.system_title
    assert compared > 15


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_paging_is_followed(wire: Wire, department: str) -> None:
    wired = wire(department, config=SimulatorConfig(page_size=1))
    zero = citizens()[0]
    result = await wired.connector.fetch(
        request_for(zero.cpr, dict(MANIFESTS[department].categories))
    )
    paged = {"jobcenter": "jobcenter.activities", "social": "social.services"}.get(
        department, "health.wellbeing"
    )
    got = [r for r in result.records if r.category == paged]
    assert len(got) == len(expected(zero)[paged]) >= 3
    follow_ups = [r for r in wired.requests if "cursor" in r.url.params or "_page" in r.url.params]
    assert len(follow_ups) >= 2


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_only_granted_categories_are_requested_and_granted_fields_returned(
    wire: Wire, department: str
) -> None:
    manifest = MANIFESTS[department]
    category = sorted(manifest.categories)[0]
    fields = frozenset(sorted(manifest.categories[category])[:2])
    wired = wire(department)
    zero = citizens()[0]
    result = await wired.connector.fetch(request_for(zero.cpr, {category: fields}))
    assert result.records
    for record in result.records:
        assert record.category == category
        assert set(record.data) == fields
    # One lookup plus the one granted resource: nothing else was asked for.
    asked = {r.url.path for r in wired.requests}
    assert len(asked) == 2, asked


async def test_ungranted_categories_of_other_departments_are_ignored(wire: Wire) -> None:
    wired = wire("jobcenter")
    result = await wired.connector.fetch(
        request_for(citizens()[0].cpr, {"health.wellbeing": frozenset({"score"})})
    )
    assert result.records == []
    assert wired.requests == []


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_unknown_citizen_gives_empty_records(wire: Wire, department: str) -> None:
    wired = wire(department)
    result = await wired.connector.fetch(
        request_for(UNKNOWN_CPR, dict(MANIFESTS[department].categories))
    )
    assert result.records == []


async def test_citizen_absent_from_one_department_is_empty_there(wire: Wire) -> None:
    absent = next(c for c in citizens() if c.social is None)
    wired = wire("social")
    result = await wired.connector.fetch(request_for(absent.cpr, dict(social.MANIFEST.categories)))
    assert result.records == []


@pytest.mark.parametrize("department", DEPARTMENTS)
@pytest.mark.parametrize("fault", ["error500", "timeout", "malformed", "partial"])
async def test_fault_modes_map_to_unavailable(wire: Wire, department: str, fault: str) -> None:
    # Page size 1 so the partial fault (follow-up pages fail) has pages to break.
    config = SimulatorConfig(fault=fault, page_size=1, timeout_s=30)  # type: ignore[arg-type]
    wired = wire(department, config=config, timeout_s=0.5)
    zero = citizens()[0]
    with pytest.raises(ConnectorUnavailable) as caught:
        await wired.connector.fetch(request_for(zero.cpr, dict(MANIFESTS[department].categories)))
    assert caught.value.retriable
    assert zero.cpr not in str(caught.value)


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_error500_is_retried_a_bounded_number_of_times(wire: Wire, department: str) -> None:
    wired = wire(department, config=SimulatorConfig(fault="error500"))
    with pytest.raises(ConnectorUnavailable):
        await wired.connector.fetch(
            request_for(citizens()[0].cpr, dict(MANIFESTS[department].categories))
        )
    assert len(wired.requests) == 3  # the lookup, tried three times, then given up


async def test_a_4xx_is_rejected_and_not_retried(wire: Wire) -> None:
    wired = wire("health")
    wired.connector.settings = type(wired.connector.settings)(  # type: ignore[attr-defined]
        name="health", base_url="http://health.sim.test/not-fhir"
    )
    wired.connector.base_url = "http://health.sim.test/not-fhir"  # type: ignore[attr-defined]
    with pytest.raises(ConnectorRejected):
        await wired.connector.fetch(
            request_for(citizens()[0].cpr, {"health.contact": frozenset({"name"})})
        )
    assert len(wired.requests) == 1


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_cpr_never_in_a_url_nor_in_logs(
    wire: Wire, department: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wired = wire(department, config=SimulatorConfig(page_size=1))
    people = citizens()[:6]
    for citizen in people:
        await wired.connector.fetch(
            request_for(citizen.cpr, dict(MANIFESTS[department].categories))
        )
    failing = wire(department, config=SimulatorConfig(fault="error500"))
    with pytest.raises(ConnectorUnavailable):
        await failing.connector.fetch(
            request_for(
                people[0].cpr, {next(iter(MANIFESTS[department].categories)): frozenset({"name"})}
            )
        )
    assert len(wired.requests) > 6
    bodies_with_cpr = 0
    for request in wired.requests + failing.requests:
        for citizen in people:
            assert citizen.cpr not in str(request.url)
            bodies_with_cpr += citizen.cpr in request.content.decode()
    # The CPR did travel, in POST bodies only.
    assert bodies_with_cpr >= len(people)
    assert caplog.records, "expected at least the retry log lines"
    for citizen in people:
        assert citizen.cpr not in caplog.text
