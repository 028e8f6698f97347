"""People sync's pure parts: what counts as a change to push, and the wire form of consent."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kiosk.core.gallery import Consent, Person
from kiosk.link.people import _person_from_wire, _wire_person, fingerprint

CONSENT = Consent("admin", "2024-05-01T08:00:00+02:00", "Attendance by face recognition.")


def test_a_change_to_shared_fields_changes_the_fingerprint_and_local_only_fields_do_not():
    v = np.ones((2, 128), np.float32)
    p = Person("p-1", "Ada", None, "2024-05-01T08:00:00+02:00", CONSENT)
    base = fingerprint(p, v)
    assert fingerprint(replace(p, enrolled_at="", keep_photos=True), v) == base
    assert fingerprint(replace(p, name="Ada K."), v) != base
    assert fingerprint(p, v * 0.5) != base


def test_a_person_survives_the_round_trip_through_the_wire_form():
    v = np.random.default_rng(0).normal(size=(3, 128)).astype(np.float32)
    p = Person("p-1", "Ada", "E-1", "2024-05-01T08:00:00+02:00", CONSENT)
    wire = {**_wire_person(p, v), "person_id": "p-1", "updated_at": "2024-05-02T00:00:00+00:00"}
    wire["consent"] = {k: wire["consent"][k] for k in ("given", "at", "version", "given_by", "text")}
    back, vectors = _person_from_wire(wire, None)
    assert fingerprint(back, vectors) == fingerprint(p, v)
    assert back.consent == CONSENT
