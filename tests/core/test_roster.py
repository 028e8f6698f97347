"""Reading a bulk-enrolment folder: subfolders per person, people.csv mapping, problems per person."""

import pytest

from kiosk.core.roster import read_roster
from kiosk.errors import RosterError


def make(root, layout: dict[str, list[str]]):
    for folder, files in layout.items():
        (root / folder).mkdir(parents=True)
        for f in files:
            (root / folder / f).write_bytes(b"x")
    return root


def test_folder_names_are_ids_and_names_without_a_csv(tmp_path):
    make(tmp_path, {"Ada_Lovelace": ["1.jpg", "2.PNG", "notes.txt"], "bob": ["a.jpeg"]})
    entries = read_roster(tmp_path)
    assert [(e.person_id, e.name, e.problem) for e in entries] == [
        ("Ada_Lovelace", "Ada Lovelace", ""), ("bob", "bob", "")
    ]
    assert [p.rsplit("/", 1)[1] for p in entries[0].photos] == ["1.jpg", "2.PNG"]


def test_people_csv_maps_folders_to_ids_names_and_employee_numbers(tmp_path):
    make(tmp_path, {"ada": ["1.jpg"], "bob": ["1.jpg"]})
    (tmp_path / "people.csv").write_text("folder,person_id,name,employee_no\nada,E-001,Ada Lovelace,1001\n")
    entries = {e.folder: e for e in read_roster(tmp_path)}
    ada = entries["ada"]
    assert (ada.person_id, ada.name, ada.employee_no) == ("E-001", "Ada Lovelace", "1001")
    assert (entries["bob"].person_id, entries["bob"].name, entries["bob"].employee_no) == ("bob", "bob", None)


def test_a_csv_row_without_folder_uses_its_id_as_the_folder(tmp_path):
    make(tmp_path, {"E-7": ["1.jpg"]})
    (tmp_path / "people.csv").write_text("id,name\nE-7,Grace Hopper\n")
    (entry,) = read_roster(tmp_path)
    assert (entry.person_id, entry.name) == ("E-7", "Grace Hopper")


def test_problems_are_reported_per_person_not_raised(tmp_path):
    make(tmp_path, {"bad id!": ["1.jpg"], "empty": [], "ok": ["1.jpg"], "twin": ["1.jpg"]})
    (tmp_path / "people.csv").write_text("folder,person_id,name\ntwin,ok,Twin\nghost,g1,Ghost\n")
    problems = {e.folder: e.problem for e in read_roster(tmp_path)}
    assert "Invalid person id" in problems["bad id!"]
    assert "no photos" in problems["empty"]
    assert problems["ok"] == "" and "used by two folders" in problems["twin"]
    assert "does not exist" in problems["ghost"]


def test_unusable_folder_or_csv_is_a_clear_error(tmp_path):
    with pytest.raises(RosterError, match="not a folder"):
        read_roster(tmp_path / "missing")
    make(tmp_path, {"ada": ["1.jpg"]})
    (tmp_path / "people.csv").write_text("who,what\nada,x\n")
    with pytest.raises(RosterError, match="person_id"):
        read_roster(tmp_path)
    (tmp_path / "people.csv").write_text("id,name\nada,A\nada,B\n")
    with pytest.raises(RosterError, match="twice"):
        read_roster(tmp_path)
