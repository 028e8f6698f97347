"""Pure logic of the kiosk: types, matching, tracking, the gallery, the attendance log, sync. No Qt."""
