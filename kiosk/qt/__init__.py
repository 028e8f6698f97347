"""The Qt shell of the kiosk: app, main window, camera, recognition bridge, widgets and dialogs."""
