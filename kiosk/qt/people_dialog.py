"""The enrolled people: search, rename, delete (their embeddings and any stored photos go too)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.gallery import Gallery, GalleryStore, Person
from kiosk.errors import KioskError
from kiosk.qt.style import TOUCH

log = logging.getLogger(__name__)

COLUMNS = (QT_TRANSLATE_NOOP("PeopleDialog", "Name"), QT_TRANSLATE_NOOP("PeopleDialog", "Employee no."),
           QT_TRANSLATE_NOOP("PeopleDialog", "Samples"), QT_TRANSLATE_NOOP("PeopleDialog", "Enrolled"))
STYLE = TOUCH + """
QTableWidget::item { padding: 8px; }
"""


def matches_query(person: Person, query: str) -> bool:
    """True when every word of ``query`` appears in the name or the employee number (case-insensitive)."""
    haystack = f"{person.name} {person.employee_no or ''}".casefold()
    return all(word in haystack for word in query.casefold().split())


def enrolled_date(person: Person) -> str:
    """``2026-05-09 14:03`` from the ISO timestamp (as stored, in the kiosk's local offset)."""
    return person.enrolled_at[:16].replace("T", " ")


class PeopleDialog(QDialog):
    """``PeopleDialog(store, parent=None, may_change=None)``; emits ``changed()`` after a rename or a deletion.

    ``may_change(person_id)`` (kiosk.link.people.may_change with the kiosk's state) says whether the server
    lets this kiosk change that person; when it does not, the dialog says why instead of changing them.
    """

    changed = Signal()
    renamed = Signal(str)  # person id
    deleted = Signal(str)  # person id

    def __init__(self, store: GalleryStore, parent: QWidget | None = None, may_change=None) -> None:
        super().__init__(parent)
        self._store = store
        self._may_change = may_change
        self._gallery = Gallery()
        self.setWindowTitle(self.tr("People"))
        self.setStyleSheet(STYLE)
        self.setMinimumSize(760, 520)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search by name or employee number"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._fill)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(52)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.count_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)

        self.rename_button = QPushButton(self.tr("Rename…"))
        self.rename_button.clicked.connect(self._rename_clicked)
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.clicked.connect(self._delete_clicked)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        for b in (self.rename_button, self.delete_button, self.close_button):
            b.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.reload()

    # Reading -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the gallery and show it (an unreadable gallery is shown as a sentence)."""
        try:
            self._gallery = self._store.load()
            self.error_label.clear()
        except KioskError as exc:
            self._gallery = Gallery()
            self.error_label.setText(self.tr("The gallery cannot be read: %1").replace("%1", str(exc)))
        self._fill()

    def visible_people(self) -> list[Person]:
        """The people shown in the table, in order."""
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())]

    def selected_person(self) -> Person | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def select_person(self, person_id: str) -> bool:
        for row, person in enumerate(self.visible_people()):
            if person.person_id == person_id:
                self.table.selectRow(row)
                return True
        return False

    @Slot()
    def _fill(self, *_args) -> None:
        query = self.search_edit.text()
        counts = self._gallery.counts()
        people = sorted(
            (p for p in self._gallery.people if matches_query(p, query)), key=lambda p: p.name.casefold()
        )
        self.table.setRowCount(0)
        for row, person in enumerate(people):
            self.table.insertRow(row)
            cells = (person.name, person.employee_no or "", str(counts.get(person.person_id, 0)), enrolled_date(person))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, person)
                self.table.setItem(row, col, item)
        total = len(self._gallery.people)
        self.count_label.setText(
            self.tr("%1 people enrolled").replace("%1", str(total)) if len(people) == total
            else self.tr("%1 of %2 people shown").replace("%1", str(len(people))).replace("%2", str(total))
        )
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        has = self.selected_person() is not None
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    # Changing ------------------------------------------------------------------------------------------
    def ask_new_name(self, person: Person) -> str | None:
        """Ask for the new name (replaceable in tests); None when cancelled."""
        from kiosk.qt.text_prompt import ask_text

        return ask_text(self, self.tr("Rename"), self.tr("New name for %1:").replace("%1", person.name), person.name)

    def confirm_delete(self, person: Person) -> bool:
        """Ask before deleting (replaceable in tests)."""
        answer = QMessageBox.question(
            self,
            self.tr("Delete person"),
            self.tr("Delete %1? Their face data and any stored photos will be removed for good.").replace(
                "%1", person.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def _rename_clicked(self) -> None:
        person = self.selected_person()
        if person is None:
            return
        name = self.ask_new_name(person)
        if name is not None and name.strip() and name.strip() != person.name:
            self.rename_person(person.person_id, name)

    @Slot()
    def _delete_clicked(self) -> None:
        person = self.selected_person()
        if person is not None and self.confirm_delete(person):
            self.delete_person(person.person_id)

    def _allowed(self, person_id: str, what: str) -> bool:
        verdict = self._may_change(person_id) if self._may_change is not None else None
        if verdict is None or verdict.allowed:
            return True
        self.error_label.setText(what + " " + verdict.message)
        return False

    def rename_person(self, person_id: str, name: str) -> bool:
        """Rename in the gallery; False (with the reason shown) when it failed."""
        if not self._allowed(person_id, self.tr("The person was not renamed.")):
            return False
        try:
            person = self._store.rename(person_id, name)
        except KioskError as exc:
            self.error_label.setText(self.tr("The person was not renamed: %1").replace("%1", str(exc)))
            return False
        log.info("renamed %s to %s", person_id, person.name)
        self.reload()
        self.select_person(person_id)
        self.renamed.emit(person_id)
        self.changed.emit()
        return True

    def delete_person(self, person_id: str) -> bool:
        """Delete the person's embeddings and stored photos; False (with the reason shown) when it failed."""
        if not self._allowed(person_id, self.tr("The person was not deleted.")):
            return False
        try:
            person = self._store.remove(person_id)
        except (KioskError, OSError) as exc:
            self.error_label.setText(self.tr("The person was not deleted: %1").replace("%1", str(exc)))
            return False
        log.info("deleted %s (%s)", person.name, person_id)
        self.reload()
        deleted = self.tr("%1 was deleted.").replace("%1", person.name)
        self.count_label.setText(f"{deleted} {self.count_label.text()}")
        self.deleted.emit(person_id)
        self.changed.emit()
        return True
