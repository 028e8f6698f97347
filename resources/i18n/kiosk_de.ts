<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CameraWorker</name>
    <message>
        <source>Opening %1…</source>
        <translation>%1 wird geöffnet…</translation>
    </message>
    <message>
        <source>Camera unavailable, retrying…</source>
        <translation>Kamera nicht verfügbar, neuer Versuch…</translation>
    </message>
    <message>
        <source>The video has ended.</source>
        <translation>Das Video ist zu Ende.</translation>
    </message>
</context>
<context>
    <name>EnrolCamera</name>
    <message>
        <source>Look straight at the camera, face inside the oval</source>
        <translation>Schauen Sie gerade in die Kamera, das Gesicht im Oval</translation>
    </message>
    <message>
        <source>Turn your head a little to the left</source>
        <translation>Drehen Sie den Kopf ein wenig nach links</translation>
    </message>
    <message>
        <source>Turn your head a little to the right</source>
        <translation>Drehen Sie den Kopf ein wenig nach rechts</translation>
    </message>
    <message>
        <source>No camera picture</source>
        <translation>Kein Kamerabild</translation>
    </message>
    <message>
        <source>No camera here: add photos instead</source>
        <translation>Keine Kamera: fügen Sie stattdessen Fotos hinzu</translation>
    </message>
</context>
<context>
    <name>Entrance</name>
    <message>
        <source>This badge is not known. Please ask at the front desk.</source>
        <translation>Dieser Ausweis ist nicht bekannt. Bitte wenden Sie sich an den Empfang.</translation>
    </message>
    <message>
        <source>You are not enrolled here. Please ask at the front desk.</source>
        <translation>Sie sind hier nicht registriert. Bitte wenden Sie sich an den Empfang.</translation>
    </message>
    <message>
        <source>Could not save the check-in: %1</source>
        <translation>Die Anmeldung konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Could not cancel the check-in: %1</source>
        <translation>Die Anmeldung konnte nicht storniert werden: %1</translation>
    </message>
</context>
<context>
    <name>FallbackDialog</name>
    <message>
        <source>Check in without your face</source>
        <translation>Ohne Gesicht anmelden</translation>
    </message>
    <message>
        <source>Or hold your badge to the reader.</source>
        <translation>Oder halten Sie Ihren Ausweis an das Lesegerät.</translation>
    </message>
    <message>
        <source>Enter your employee number</source>
        <translation>Geben Sie Ihre Personalnummer ein</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Employee number %1: enter your personal PIN</source>
        <translation>Personalnummer %1: Geben Sie Ihre persönliche PIN ein</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Type the number first.</source>
        <translation>Geben Sie zuerst die Nummer ein.</translation>
    </message>
    <message>
        <source>No PIN is set for this number. Please ask at the front desk.</source>
        <translation>Für diese Nummer ist keine PIN festgelegt. Bitte wenden Sie sich an den Empfang.</translation>
    </message>
    <message>
        <source>This badge is not known. Please ask at the front desk.</source>
        <translation>Dieser Ausweis ist nicht bekannt. Bitte wenden Sie sich an den Empfang.</translation>
    </message>
    <message>
        <source>Employee number or PIN is wrong. Please try again.</source>
        <translation>Personalnummer oder PIN ist falsch. Bitte versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again in %1.</source>
        <translation>Zu viele falsche PINs. Neuer Versuch in %1.</translation>
    </message>
    <message>
        <source>You can try again now.</source>
        <translation>Sie können es jetzt erneut versuchen.</translation>
    </message>
</context>
<context>
    <name>GreetingBanner</name>
    <message>
        <source>Look at the camera to check in</source>
        <translation>Zum Anmelden bitte in die Kamera schauen</translation>
    </message>
    <message>
        <source>Welcome, %1, checked in at %2</source>
        <translation>Willkommen, %1, angemeldet um %2</translation>
    </message>
    <message>
        <source>%1, already checked in at %2</source>
        <translation>%1, bereits angemeldet um %2</translation>
    </message>
    <message>
        <source>%1, already checked in earlier</source>
        <translation>%1, bereits früher angemeldet</translation>
    </message>
    <message>
        <source>Sorry! That check-in is cancelled. Look at the camera again, or tap “Can&apos;t be recognised?”.</source>
        <translation>Entschuldigung! Die Anmeldung ist storniert. Schauen Sie erneut in die Kamera oder tippen Sie auf „Nicht erkannt?“.</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>Bitte still halten</translation>
    </message>
    <message>
        <source>Please blink</source>
        <translation>Bitte blinzeln</translation>
    </message>
    <message>
        <source>Not you?</source>
        <translation>Nicht Sie?</translation>
    </message>
    <message>
        <source>Not you? Cancel this check-in</source>
        <translation>Nicht Sie? Diese Anmeldung stornieren</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Clear</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Zeichen löschen</translation>
    </message>
    <message>
        <source>digit %1</source>
        <translation>Ziffer %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Attendance kiosk · %1</source>
        <translation>Anwesenheitsterminal · %1</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>Verwaltung</translation>
    </message>
    <message>
        <source>Can&apos;t be recognised?</source>
        <translation>Nicht erkannt?</translation>
    </message>
</context>
<context>
    <name>StatusStrip</name>
    <message>
        <source>Camera: starting</source>
        <translation>Kamera: startet</translation>
    </message>
    <message>
        <source>Server: not configured</source>
        <translation>Server: nicht eingerichtet</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>live</source>
        <translation>live</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>nicht verfügbar</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>Camera: %1</source>
        <translation>Kamera: %1</translation>
    </message>
    <message>
        <source>%1 waiting to sync</source>
        <translation>%1 warten auf Übertragung</translation>
    </message>
    <message>
        <source>Server: online</source>
        <translation>Server: online</translation>
    </message>
    <message>
        <source>Server: offline</source>
        <translation>Server: offline</translation>
    </message>
</context>
<context>
    <name>TouchKeyboard</name>
    <message>
        <source>Space</source>
        <translation>Leerzeichen</translation>
    </message>
    <message>
        <source>Next ⏎</source>
        <translation>Weiter ⏎</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Zeichen löschen</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>Umschalt</translation>
    </message>
    <message>
        <source>Caps lock</source>
        <translation>Feststelltaste</translation>
    </message>
</context>
<context>
    <name>VideoView</name>
    <message>
        <source>Please blink</source>
        <translation>Bitte blinzeln</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>Bitte still halten</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Starting camera…</source>
        <translation>Kamera startet…</translation>
    </message>
</context>
</TS>
