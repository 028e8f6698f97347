"""The touch-friendly look shared by the admin dialogs: large text, fingers-sized controls."""

TOUCH = """
QWidget { font-size: 20px; }
QPushButton { min-height: 56px; padding: 0 20px; }
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QCheckBox { min-height: 48px; }
QCheckBox::indicator { width: 32px; height: 32px; }
QLabel#warning, QLabel#error { color: #b00020; }
"""
