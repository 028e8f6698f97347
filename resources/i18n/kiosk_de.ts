<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AdminMenu</name>
    <message>
        <source>Administration</source>
        <translation>Verwaltung</translation>
    </message>
    <message>
        <source>Enrol a person</source>
        <translation>Person registrieren</translation>
    </message>
    <message>
        <source>People</source>
        <translation>Personen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Quit the kiosk</source>
        <translation>Terminal beenden</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>No admin PIN is set on this kiosk.
Set one with:  python -m kiosk set-pin</source>
        <translation>Auf diesem Terminal ist keine Admin-PIN gesetzt.
Setzen Sie eine mit:  python -m kiosk set-pin</translation>
    </message>
</context>
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
    <name>CredentialFields</name>
    <message>
        <source>Personal PIN</source>
        <translation>Persönliche PIN</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>PIN wiederholen</translation>
    </message>
    <message>
        <source>Badge no.</source>
        <translation>Ausweis-Nr.</translation>
    </message>
    <message>
        <source>4-12 digits</source>
        <translation>4-12 Ziffern</translation>
    </message>
    <message>
        <source>Optional: hold the badge to the reader</source>
        <translation>Optional: Ausweis an das Lesegerät halten</translation>
    </message>
    <message>
        <source>The personal PIN needs 4 to 12 digits.</source>
        <translation>Die persönliche PIN braucht 4 bis 12 Ziffern.</translation>
    </message>
    <message>
        <source>The two PINs differ: type the same PIN twice.</source>
        <translation>Die beiden PINs sind verschieden: Geben Sie zweimal dieselbe PIN ein.</translation>
    </message>
    <message>
        <source>A badge number has 4 to 32 digits.</source>
        <translation>Eine Ausweisnummer hat 4 bis 32 Ziffern.</translation>
    </message>
    <message>
        <source>This badge already belongs to someone else.</source>
        <translation>Dieser Ausweis gehört schon jemand anderem.</translation>
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
    <name>EnrolDialog</name>
    <message>
        <source>this person</source>
        <translation>diese Person</translation>
    </message>
    <message>
        <source>I confirm that %1 has agreed to have their face enrolled so that this kiosk can record their attendance, and has been told they can ask for their face data to be deleted at any time.</source>
        <translation>Ich bestätige, dass %1 zugestimmt hat, dass das Gesicht registriert wird, damit dieses Terminal die Anwesenheit erfassen kann, und darüber informiert wurde, dass die Gesichtsdaten jederzeit gelöscht werden können.</translation>
    </message>
    <message>
        <source>Good sample (%1 of %2).</source>
        <translation>Gute Aufnahme (%1 von %2).</translation>
    </message>
    <message>
        <source>Now turn your head a little to one side.</source>
        <translation>Drehen Sie jetzt den Kopf ein wenig zur Seite.</translation>
    </message>
    <message>
        <source>This sample cannot be used.</source>
        <translation>Diese Aufnahme ist nicht verwendbar.</translation>
    </message>
    <message>
        <source>Enrol a person</source>
        <translation>Person registrieren</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Employee no.</source>
        <translation>Personalnr.</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Vollständiger Name</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>Einwilligung liegt vor</translation>
    </message>
    <message>
        <source>Keep the photos, not only the face measurements</source>
        <translation>Fotos behalten, nicht nur die Gesichtsmerkmale</translation>
    </message>
    <message>
        <source>Capture</source>
        <translation>Aufnehmen</translation>
    </message>
    <message>
        <source>Add photos…</source>
        <translation>Fotos hinzufügen…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Add 3 to 5 samples: capture from the camera or add photos.</source>
        <translation>3 bis 5 Aufnahmen hinzufügen: mit der Kamera aufnehmen oder Fotos hinzufügen.</translation>
    </message>
    <message>
        <source>This is a different person: enrol anyway</source>
        <translation>Das ist eine andere Person: trotzdem registrieren</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Enter the person&apos;s name.</source>
        <translation>Geben Sie den Namen der Person ein.</translation>
    </message>
    <message>
        <source>No consent, no enrolment: tick “Consent given” once the person has agreed.</source>
        <translation>Ohne Einwilligung keine Registrierung: Kreuzen Sie „Einwilligung liegt vor“ an, sobald die Person zugestimmt hat.</translation>
    </message>
    <message>
        <source>Checking a sample… please wait.</source>
        <translation>Aufnahme wird geprüft… bitte warten.</translation>
    </message>
    <message>
        <source>Add at least one good sample (%1 to %2 recognise best).</source>
        <translation>Fügen Sie mindestens eine gute Aufnahme hinzu (%1 bis %2 erkennen am besten).</translation>
    </message>
    <message>
        <source>Tick “This is a different person” to enrol anyway, or cancel.</source>
        <translation>Kreuzen Sie „Das ist eine andere Person“ an, um trotzdem zu registrieren, oder brechen Sie ab.</translation>
    </message>
    <message>
        <source>No camera is connected.</source>
        <translation>Keine Kamera angeschlossen.</translation>
    </message>
    <message>
        <source>Ready to save. %1 to %2 samples recognise better.</source>
        <translation>Bereit zum Speichern. %1 bis %2 Aufnahmen erkennen besser.</translation>
    </message>
    <message>
        <source>Ready to save (%1 good samples).</source>
        <translation>Bereit zum Speichern (%1 gute Aufnahmen).</translation>
    </message>
    <message>
        <source>No camera picture yet. Check the camera and try again.</source>
        <translation>Noch kein Kamerabild. Prüfen Sie die Kamera und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>Checking… hold still.</source>
        <translation>Wird geprüft… bitte still halten.</translation>
    </message>
    <message>
        <source>Add photos</source>
        <translation>Fotos hinzufügen</translation>
    </message>
    <message>
        <source>Checking %1 photo(s)…</source>
        <translation>%1 Foto(s) werden geprüft…</translation>
    </message>
    <message>
        <source>Enough samples already (%1).</source>
        <translation>Schon genug Aufnahmen (%1).</translation>
    </message>
    <message>
        <source>The gallery cannot be read: %1</source>
        <translation>Die Galerie kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>This face already matches %1 (distance %2).</source>
        <translation>Dieses Gesicht passt schon zu %1 (Abstand %2).</translation>
    </message>
    <message>
        <source>%1 was not enrolled: %2</source>
        <translation>%1 wurde nicht registriert: %2</translation>
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
    <name>PeopleDialog</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Employee no.</source>
        <translation>Personalnr.</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>Aufnahmen</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>Registriert</translation>
    </message>
    <message>
        <source>People</source>
        <translation>Personen</translation>
    </message>
    <message>
        <source>Search by name or employee number</source>
        <translation>Nach Name oder Personalnummer suchen</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Umbenennen…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>The gallery cannot be read: %1</source>
        <translation>Die Galerie kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1 people enrolled</source>
        <translation>%1 Personen registriert</translation>
    </message>
    <message>
        <source>%1 of %2 people shown</source>
        <translation>%1 von %2 Personen angezeigt</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Umbenennen</translation>
    </message>
    <message>
        <source>New name for %1:</source>
        <translation>Neuer Name für %1:</translation>
    </message>
    <message>
        <source>Delete person</source>
        <translation>Person löschen</translation>
    </message>
    <message>
        <source>Delete %1? Their face data and any stored photos will be removed for good.</source>
        <translation>%1 löschen? Die Gesichtsdaten und gespeicherte Fotos werden endgültig entfernt.</translation>
    </message>
    <message>
        <source>The person was not renamed.</source>
        <translation>Die Person wurde nicht umbenannt.</translation>
    </message>
    <message>
        <source>The person was not renamed: %1</source>
        <translation>Die Person wurde nicht umbenannt: %1</translation>
    </message>
    <message>
        <source>The person was not deleted.</source>
        <translation>Die Person wurde nicht gelöscht.</translation>
    </message>
    <message>
        <source>The person was not deleted: %1</source>
        <translation>Die Person wurde nicht gelöscht: %1</translation>
    </message>
    <message>
        <source>%1 was deleted.</source>
        <translation>%1 wurde gelöscht.</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Admin PIN</source>
        <translation>Admin-PIN</translation>
    </message>
    <message>
        <source>Enter the admin PIN</source>
        <translation>Geben Sie die Admin-PIN ein</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>digit %1</source>
        <translation>Ziffer %1</translation>
    </message>
    <message>
        <source>Enter the PIN first.</source>
        <translation>Geben Sie zuerst die PIN ein.</translation>
    </message>
    <message>
        <source>Wrong PIN. 1 more try before a waiting time.</source>
        <translation>Falsche PIN. Noch 1 Versuch vor einer Wartezeit.</translation>
    </message>
    <message>
        <source>Wrong PIN. %1 more tries before a waiting time.</source>
        <translation>Falsche PIN. Noch %1 Versuche vor einer Wartezeit.</translation>
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
    <name>SampleText</name>
    <message>
        <source>The face is too small (%1 px wide; at least %2 px is needed). Use a closer or larger photo.</source>
        <translation>Das Gesicht ist zu klein (%1 px breit; mindestens %2 px sind nötig). Verwenden Sie ein näheres oder größeres Foto.</translation>
    </message>
    <message>
        <source>The face is too dark. Use a photo taken in better light.</source>
        <translation>Das Gesicht ist zu dunkel. Verwenden Sie ein Foto mit besserem Licht.</translation>
    </message>
    <message>
        <source>The face is too bright (overexposed). Avoid direct light or flash.</source>
        <translation>Das Gesicht ist zu hell (überbelichtet). Vermeiden Sie direktes Licht oder Blitz.</translation>
    </message>
    <message>
        <source>The face is blurred. Use a sharp photo and hold the camera still.</source>
        <translation>Das Gesicht ist unscharf. Verwenden Sie ein scharfes Foto und halten Sie die Kamera ruhig.</translation>
    </message>
    <message>
        <source>The face is turned away or tilted. Use a photo looking straight at the camera.</source>
        <translation>Das Gesicht ist abgewandt oder geneigt. Verwenden Sie ein Foto mit Blick gerade in die Kamera.</translation>
    </message>
    <message>
        <source>No face was found in the photo.</source>
        <translation>Im Foto wurde kein Gesicht gefunden.</translation>
    </message>
    <message>
        <source>%1 faces are in the photo; use a photo showing only the person being enrolled.</source>
        <translation>Im Foto sind %1 Gesichter; verwenden Sie ein Foto, das nur die zu registrierende Person zeigt.</translation>
    </message>
    <message>
        <source>This sample does not look like the person&apos;s other samples; it was left out.</source>
        <translation>Diese Aufnahme sieht den anderen Aufnahmen der Person nicht ähnlich; sie wurde weggelassen.</translation>
    </message>
    <message>
        <source>Enough samples of this pose; the others cover more poses.</source>
        <translation>Genug Aufnahmen dieser Haltung; die anderen decken mehr Haltungen ab.</translation>
    </message>
    <message>
        <source>Come closer</source>
        <translation>Kommen Sie näher</translation>
    </message>
    <message>
        <source>More light, please</source>
        <translation>Mehr Licht, bitte</translation>
    </message>
    <message>
        <source>Too bright: step out of direct light</source>
        <translation>Zu hell: Gehen Sie aus dem direkten Licht</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>Bitte still halten</translation>
    </message>
    <message>
        <source>Look straight at the camera</source>
        <translation>Schauen Sie gerade in die Kamera</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>Minuten</translation>
    </message>
    <message>
        <source>Arriving (check in)</source>
        <translation>Kommen (anmelden)</translation>
    </message>
    <message>
        <source>Leaving (check out)</source>
        <translation>Gehen (abmelden)</translation>
    </message>
    <message>
        <source>The system&apos;s language</source>
        <translation>Sprache des Systems</translation>
    </message>
    <message>
        <source>How close a face must be to an enrolled one to count as a match. Lower is stricter: fewer mix-ups, but people may need to look at the camera a little longer. The default, 0.4225, was chosen on held-out test photos to accept under 1 % of strangers with 600 people enrolled; with fewer than 100 people the kiosk loosens it a little.</source>
        <translation>Wie nah ein Gesicht einem registrierten sein muss, um als Treffer zu gelten. Kleiner ist strenger: weniger Verwechslungen, aber man muss eventuell etwas länger in die Kamera schauen. Der Standardwert 0,4225 wurde auf zurückgehaltenen Testfotos so gewählt, dass bei 600 registrierten Personen unter 1 % Fremde durchkommen; bei weniger als 100 Personen lockert der Kiosk ihn etwas.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>A device number (0 is the first camera), a video file, or an RTSP/HTTP URL.</source>
        <translation>Eine Gerätenummer (0 ist die erste Kamera), eine Videodatei oder eine RTSP/HTTP-URL.</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>How long before the same person is checked in again.</source>
        <translation>Wie lange es dauert, bis dieselbe Person erneut angemeldet wird.</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Cooldown</source>
        <translation>Sperrzeit</translation>
    </message>
    <message>
        <source>Match threshold</source>
        <translation>Trefferschwelle</translation>
    </message>
    <message>
        <source>This kiosk records</source>
        <translation>Dieses Terminal erfasst</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Choose a video file</source>
        <translation>Videodatei wählen</translation>
    </message>
    <message>
        <source>Not saved: %1.</source>
        <translation>Nicht gespeichert: %1.</translation>
    </message>
    <message>
        <source>Not saved: the settings file %1 cannot be written (%2).</source>
        <translation>Nicht gespeichert: Die Einstellungsdatei %1 kann nicht geschrieben werden (%2).</translation>
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
        <source>Recognition restarting</source>
        <translation>Erkennung startet neu</translation>
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
    <message>
        <source>%1 damaged CSV row(s) set aside in %2</source>
        <translation>%1 beschädigte CSV-Zeile(n) beiseitegelegt in %2</translation>
    </message>
    <message>
        <source>%1 check-in(s) the server cannot store, set aside in %2</source>
        <translation>%1 Anmeldung(en), die der Server nicht speichern kann, beiseitegelegt in %2</translation>
    </message>
</context>
<context>
    <name>TextPrompt</name>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
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
