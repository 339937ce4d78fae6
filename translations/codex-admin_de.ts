<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ConfigEditor</name>
    <message>
        <source>ignored: generation B reads .codex/archive.toml only when --config or CODEX_ARCHIVE_CONFIG names it</source>
        <translation>ignoriert: Generation B liest .codex/archive.toml nur, wenn --config oder CODEX_ARCHIVE_CONFIG sie angibt</translation>
    </message>
    <message>
        <source>%1 cannot be edited here: %2</source>
        <translation>%1 kann hier nicht bearbeitet werden: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a setting of %2</source>
        <translation>„%1“ ist keine Einstellung von %2</translation>
    </message>
    <message>
        <source>%1 = %2 refused: %3</source>
        <translation>%1 = %2 abgelehnt: %3</translation>
    </message>
    <message>
        <source>Set %1 = %2</source>
        <translation>%1 = %2 setzen</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>%1 entfernen</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>No changes to save</source>
        <translation>Keine Änderungen zu speichern</translation>
    </message>
    <message>
        <source>Not saved: %1 was changed on disk since it was opened; reload it or choose to overwrite</source>
        <translation>Nicht gespeichert: %1 wurde seit dem Öffnen auf der Festplatte geändert; neu laden oder Überschreiben wählen</translation>
    </message>
    <message>
        <source>Not saved: %1 is read-only; nothing was changed</source>
        <translation>Nicht gespeichert: %1 ist schreibgeschützt; nichts wurde geändert</translation>
    </message>
    <message>
        <source>Not saved: cannot create the folder %1</source>
        <translation>Nicht gespeichert: Der Ordner %1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Not saved: cannot read %1 to back it up: %2</source>
        <translation>Nicht gespeichert: %1 kann für die Sicherungskopie nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Not saved: the backup %1 could not be written: %2</source>
        <translation>Nicht gespeichert: Die Sicherungskopie %1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Not saved: %1: %2</source>
        <translation>Nicht gespeichert: %1: %2</translation>
    </message>
    <message>
        <source>Not saved: writing %1 failed: %2; the previous file is untouched</source>
        <translation>Nicht gespeichert: Schreiben von %1 fehlgeschlagen: %2; die bisherige Datei ist unverändert</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Saved %1 (previous version kept as %2)</source>
        <translation>%1 gespeichert (vorherige Fassung als %2 aufbewahrt)</translation>
    </message>
</context>
<context>
    <name>ConfigResolver</name>
    <message>
        <source>named by --config</source>
        <translation>angegeben mit --config</translation>
    </message>
    <message>
        <source>named by CODEX_ARCHIVE_CONFIG</source>
        <translation>angegeben mit CODEX_ARCHIVE_CONFIG</translation>
    </message>
    <message>
        <source>no file named: generation B reads a file only when --config or CODEX_ARCHIVE_CONFIG names it</source>
        <translation>keine Datei angegeben: Generation B liest eine Datei nur, wenn --config oder CODEX_ARCHIVE_CONFIG sie angibt</translation>
    </message>
    <message>
        <source>ignored: generation B reads .codex/archive.toml only when --config or CODEX_ARCHIVE_CONFIG names it</source>
        <translation>ignoriert: Generation B liest .codex/archive.toml nur, wenn --config oder CODEX_ARCHIVE_CONFIG sie angibt</translation>
    </message>
    <message>
        <source>found .codex/archive.toml</source>
        <translation>.codex/archive.toml gefunden</translation>
    </message>
    <message>
        <source>no .codex/archive.toml: environment variables over built-in defaults</source>
        <translation>keine .codex/archive.toml: Umgebungsvariablen vor eingebauten Standardwerten</translation>
    </message>
    <message>
        <source>named by CONFIG_FILE</source>
        <translation>angegeben mit CONFIG_FILE</translation>
    </message>
    <message>
        <source>first existing file of ccproxy&apos;s discovery order</source>
        <translation>erste vorhandene Datei in der Suchreihenfolge von ccproxy</translation>
    </message>
    <message>
        <source>no ccproxy TOML file found: environment, .env and defaults only</source>
        <translation>keine TOML-Datei für ccproxy gefunden: nur Umgebung, .env und Standardwerte</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not %2; generation B falls back to the built-in default %3, which then overrides the file</source>
        <translation>„%1“ ist ungültig (erwartet: %2); Generation B nimmt stattdessen den eingebauten Standardwert %3, der dann die Datei überstimmt</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is read as false: generation A treats only &apos;true&apos; as true</source>
        <translation>„%1“ wird als false gelesen: Generation A wertet nur „true“ als wahr</translation>
    </message>
    <message>
        <source>a boolean (1/true/yes/on/enabled, 0/false/no/off/disabled)</source>
        <translation>ein Wahrheitswert (1/true/yes/on/enabled, 0/false/no/off/disabled)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid boolean; ccproxy refuses to start</source>
        <translation>„%1“ ist kein gültiger Wahrheitswert; ccproxy startet nicht</translation>
    </message>
    <message>
        <source>an integer</source>
        <translation>eine ganze Zahl</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an integer; generation A stops with ValueError</source>
        <translation>„%1“ ist keine ganze Zahl; Generation A bricht mit ValueError ab</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an integer; ccproxy refuses to start</source>
        <translation>„%1“ ist keine ganze Zahl; ccproxy startet nicht</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>eine Zahl</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a number; generation A stops with ValueError</source>
        <translation>„%1“ ist keine Zahl; Generation A bricht mit ValueError ab</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a number; ccproxy refuses to start</source>
        <translation>„%1“ ist keine Zahl; ccproxy startet nicht</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not true or false</source>
        <translation>„%1“ ist weder true noch false</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an integer</source>
        <translation>„%1“ ist keine ganze Zahl</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a number</source>
        <translation>„%1“ ist keine Zahl</translation>
    </message>
    <message>
        <source>(unset)</source>
        <translation>(nicht gesetzt)</translation>
    </message>
    <message>
        <source>%1: unknown key &apos;%2&apos; — generation A refuses keys it does not know</source>
        <translation>%1: unbekannter Schlüssel „%2“ — Generation A lehnt Schlüssel ab, die sie nicht kennt</translation>
    </message>
    <message>
        <source>%1: &apos;%2&apos; is not a setting of %3; it is ignored</source>
        <translation>%1: „%2“ ist keine Einstellung von %3 und wird ignoriert</translation>
    </message>
    <message>
        <source>Config file not found: %1</source>
        <translation>Konfigurationsdatei nicht gefunden: %1</translation>
    </message>
    <message>
        <source>%1 exists but is %2</source>
        <translation>%1 ist vorhanden, aber %2</translation>
    </message>
    <message>
        <source>CODEX_ARCHIVE_CONFIG is ignored: only generation B reads it; generation A takes an explicit file from --config only</source>
        <translation>CODEX_ARCHIVE_CONFIG wird ignoriert: Nur Generation B liest diese Variable; Generation A nimmt eine ausdrücklich angegebene Datei nur über --config entgegen</translation>
    </message>
    <message>
        <source>%1 is ignored: %2</source>
        <translation>%1 wird ignoriert: %2</translation>
    </message>
    <message>
        <source>; %1 reads it (as %2)</source>
        <translation>; %1 liest sie (als %2)</translation>
    </message>
    <message>
        <source>; no generation of the archive reads it</source>
        <translation>; keine Generation des Archivs liest sie</translation>
    </message>
    <message>
        <source>%1 is ignored: %2 has no such setting%3</source>
        <translation>%1 wird ignoriert: %2 hat keine solche Einstellung%3</translation>
    </message>
    <message>
        <source>unknown key &apos;%1&apos; on the command line: %2 has no such setting</source>
        <translation>unbekannter Schlüssel „%1“ auf der Befehlszeile: %2 hat keine solche Einstellung</translation>
    </message>
    <message>
        <source>ignored: generation A reads no environment while an explicit config file (--config) is given</source>
        <translation>ignoriert: Generation A liest keine Umgebungsvariablen, solange eine Konfigurationsdatei ausdrücklich angegeben ist (--config)</translation>
    </message>
    <message>
        <source>ignored: generation A reads no environment while .codex/archive.toml exists</source>
        <translation>ignoriert: Generation A liest keine Umgebungsvariablen, solange .codex/archive.toml vorhanden ist</translation>
    </message>
    <message>
        <source>%1 (command line): %2</source>
        <translation>%1 (Befehlszeile): %2</translation>
    </message>
    <message>
        <source>ignored: a command-line override of [%1] replaces that whole section of the TOML file</source>
        <translation>ignoriert: Eine Überschreibung von [%1] auf der Befehlszeile ersetzt diesen ganzen Abschnitt der TOML-Datei</translation>
    </message>
    <message>
        <source>ignored: generation B skips environment variables that are set but empty</source>
        <translation>ignoriert: Generation B überspringt Umgebungsvariablen, die gesetzt, aber leer sind</translation>
    </message>
    <message>
        <source>%1: cannot infer the backend from %2 &apos;%3&apos;</source>
        <translation>%1: Das Backend lässt sich nicht aus %2 „%3“ ableiten</translation>
    </message>
</context>
<context>
    <name>ConfigSchema</name>
    <message>
        <source>one of %1</source>
        <translation>einer der Werte %1</translation>
    </message>
    <message>
        <source>an integer</source>
        <translation>eine ganze Zahl</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>eine Zahl</translation>
    </message>
    <message>
        <source>%1 from %2 to %3</source>
        <translation>%1 von %2 bis %3</translation>
    </message>
    <message>
        <source>%1 of at least %2</source>
        <translation>%1 ab %2</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true oder false</translation>
    </message>
    <message>
        <source>a URL</source>
        <translation>eine URL</translation>
    </message>
    <message>
        <source>a URL with scheme %1</source>
        <translation>eine URL mit dem Schema %1</translation>
    </message>
    <message>
        <source>a file path</source>
        <translation>ein Dateipfad</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>eine Zeichenkette</translation>
    </message>
    <message>
        <source>a value is required (%1)</source>
        <translation>ein Wert ist erforderlich (%1)</translation>
    </message>
    <message>
        <source>must be true or false</source>
        <translation>muss true oder false sein</translation>
    </message>
    <message>
        <source>must be %1</source>
        <translation>muss %1 sein</translation>
    </message>
    <message>
        <source>must be %1 written as a string</source>
        <translation>muss %1 sein, als Zeichenkette geschrieben</translation>
    </message>
    <message>
        <source>must not be empty (%1)</source>
        <translation>darf nicht leer sein (%1)</translation>
    </message>
    <message>
        <source>is not a valid URL: %1</source>
        <translation>ist keine gültige URL: %1</translation>
    </message>
    <message>
        <source>must not be empty; remove the key to leave it unset</source>
        <translation>darf nicht leer sein; zum Aufheben den Schlüssel entfernen</translation>
    </message>
</context>
<context>
    <name>PrecedenceProfile</name>
    <message>
        <source>Archive — generation A</source>
        <translation>Archiv — generation A</translation>
    </message>
    <message>
        <source>Whole source: an explicit file wins entirely; else .codex/archive.toml, if it exists, wins entirely and every environment variable is ignored; else environment variables over built-in defaults.</source>
        <translation>Ganze Quelle: Eine ausdrücklich angegebene Datei gilt vollständig; sonst gilt .codex/archive.toml vollständig, falls vorhanden, und alle Umgebungsvariablen werden ignoriert; sonst Umgebungsvariablen vor eingebauten Standardwerten.</translation>
    </message>
    <message>
        <source>Archive — generation B</source>
        <translation>Archiv — generation B</translation>
    </message>
    <message>
        <source>Per key: built-in defaults, then the file named by --config or CODEX_ARCHIVE_CONFIG, then each environment variable that is set.</source>
        <translation>Pro Schlüssel: eingebaute Standardwerte, dann die mit --config oder CODEX_ARCHIVE_CONFIG angegebene Datei, dann jede gesetzte Umgebungsvariable.</translation>
    </message>
    <message>
        <source>ccproxy — fork / v0.1.7 (the seed&apos;s)</source>
        <translation>ccproxy — Fork / v0.1.7 (wie im Seed)</translation>
    </message>
    <message>
        <source>Per key: command line &gt; TOML file &gt; environment &gt; .env &gt; defaults; the environment only fills keys the TOML file does not set.</source>
        <translation>Pro Schlüssel: Befehlszeile &gt; TOML-Datei &gt; Umgebung &gt; .env &gt; Standardwerte; die Umgebung füllt nur Schlüssel, die die TOML-Datei nicht setzt.</translation>
    </message>
    <message>
        <source>ccproxy — current v0.2 (plugins)</source>
        <translation>ccproxy — aktuell v0.2 (Plugins)</translation>
    </message>
    <message>
        <source>Per key: command line &gt; environment &gt; TOML file &gt; .env &gt; defaults.</source>
        <translation>Pro Schlüssel: Befehlszeile &gt; Umgebung &gt; TOML-Datei &gt; .env &gt; Standardwerte.</translation>
    </message>
</context>
<context>
    <name>codex::archive::ArchiveWorker</name>
    <message>
        <source>The archive is not open</source>
        <translation>Das Archiv ist nicht geöffnet</translation>
    </message>
</context>
<context>
    <name>codex::models::BatchItemModel</name>
    <message>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <source>blocked</source>
        <translation>blockiert</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>waiting to retry</source>
        <translation>wartet auf erneuten Versuch</translation>
    </message>
    <message>
        <source>restored</source>
        <translation>wiederhergestellt</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>not run</source>
        <translation>nicht ausgeführt</translation>
    </message>
    <message>
        <source>already restored</source>
        <translation>bereits wiederhergestellt</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>Entry %1, line %2 of %3</source>
        <translation>Eintrag %1, Zeile %2 von %3</translation>
    </message>
    <message>
        <source>Entry %1</source>
        <translation>Eintrag %1</translation>
    </message>
    <message>
        <source>The batch&apos;s actor (the entry names none)</source>
        <translation>Der Akteur des Stapels (der Eintrag nennt keinen)</translation>
    </message>
    <message>
        <source>Restored and verified by an earlier run; not restored again.</source>
        <translation>Von einem früheren Lauf wiederhergestellt und geprüft; wird nicht erneut wiederhergestellt.</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>Tombstone</source>
        <translation>Tombstone</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
</context>
<context>
    <name>codex::models::ConfigKeyModel</name>
    <message>
        <source>default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>env</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>.env</source>
        <translation>.env</translation>
    </message>
    <message>
        <source>override</source>
        <translation>Überschrieben</translation>
    </message>
    <message>
        <source>built-in default</source>
        <translation>eingebauter Standardwert</translation>
    </message>
    <message>
        <source>from</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>This value breaks the rule: %1</source>
        <translation>Dieser Wert verletzt die Regel: %1</translation>
    </message>
    <message>
        <source>Shadowed (lower precedence)</source>
        <translation>Verdeckt (niedrigerer Vorrang)</translation>
    </message>
    <message>
        <source>Set but ignored</source>
        <translation>Gesetzt, aber ignoriert</translation>
    </message>
    <message>
        <source>env %1</source>
        <translation>Umgebungsvariable %1</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Effective value</source>
        <translation>Wirksamer Wert</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Ebene</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>%1: %2 (expected %3)</source>
        <translation>%1: %2 (erwartet: %3)</translation>
    </message>
</context>
<context>
    <name>codex::models::EnvironmentModel</name>
    <message>
        <source>line %1: %2</source>
        <translation>Zeile %1: %2</translation>
    </message>
    <message>
        <source>not read under %1</source>
        <translation>unter %1 nicht gelesen</translation>
    </message>
    <message>
        <source>sets %1</source>
        <translation>setzt %1</translation>
    </message>
    <message>
        <source>shadowed: %1 comes from %2</source>
        <translation>verdeckt: %1 kommt aus %2</translation>
    </message>
    <message>
        <source>What-if value (not in the real environment)</source>
        <translation>Was-wäre-wenn-Wert (nicht in der echten Umgebung)</translation>
    </message>
    <message>
        <source>From the process environment</source>
        <translation>Aus der Prozessumgebung</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>Variable</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Effect</source>
        <translation>Wirkung</translation>
    </message>
</context>
<context>
    <name>codex::models::EvidenceModel</name>
    <message>
        <source>line %1: %2</source>
        <translation>Zeile %1: %2</translation>
    </message>
    <message>
        <source>Time (UTC)</source>
        <translation>Zeit (UTC)</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>Tombstone</source>
        <translation>Tombstone</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>codex::models::HistoryModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Total (ms)</source>
        <translation>Gesamt (ms)</translation>
    </message>
</context>
<context>
    <name>codex::models::RolloutItemModel</name>
    <message>
        <source>open</source>
        <translation>offen</translation>
    </message>
    <message>
        <source>done</source>
        <translation>erledigt</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>entfällt</translation>
    </message>
    <message>
        <source>blocked</source>
        <translation>blockiert</translation>
    </message>
    <message>
        <source>%1 of %2 items done (or not applicable)</source>
        <translation>%1 von %2 Punkten erledigt (oder entfallen)</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message numerus="yes">
        <source>%n piece(s) of evidence attached</source>
        <translation>
            <numerusform>%n Nachweis angehängt</numerusform>
            <numerusform>%n Nachweise angehängt</numerusform>
        </translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Punkt</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Verantwortlich</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Aktualisiert</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Notiz</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>Nachweise</translation>
    </message>
    <message>
        <source>PASS</source>
        <translation>BESTANDEN</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>FEHLSCHLAG</translation>
    </message>
    <message>
        <source>NO DATA</source>
        <translation>KEINE DATEN</translation>
    </message>
    <message>
        <source>Criterion: %1 — %2 (threshold %3)</source>
        <translation>Kriterium: %1 — %2 (Schwellenwert %3)</translation>
    </message>
</context>
<context>
    <name>codex::models::SseEventModel</name>
    <message>
        <source>error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>Zeit (ms)</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>Daten</translation>
    </message>
</context>
<context>
    <name>codex::models::SuiteResultModel</name>
    <message>
        <source>PASS</source>
        <translation>BESTANDEN</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>FEHLSCHLAG</translation>
    </message>
    <message>
        <source>INCONCLUSIVE</source>
        <translation>UNKLAR</translation>
    </message>
    <message>
        <source>ERROR</source>
        <translation>FEHLER</translation>
    </message>
    <message>
        <source>SKIPPED</source>
        <translation>AUSGELASSEN</translation>
    </message>
    <message>
        <source>not run</source>
        <translation>nicht ausgeführt</translation>
    </message>
    <message>
        <source>running…</source>
        <translation>läuft…</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>Testfall</translation>
    </message>
    <message>
        <source>Checklist item</source>
        <translation>Checklistenpunkt</translation>
    </message>
    <message>
        <source>Latency (ms)</source>
        <translation>Latenz (ms)</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>Warnungen</translation>
    </message>
    <message>
        <source>Reason for the first failure</source>
        <translation>Grund des ersten Fehlschlags</translation>
    </message>
</context>
<context>
    <name>codex::models::TombstoneModel</name>
    <message>
        <source>loading…</source>
        <translation>wird geladen…</translation>
    </message>
    <message>
        <source>Legal hold: this item must not be purged</source>
        <translation>Legal Hold: Dieses Element darf nicht endgültig gelöscht werden</translation>
    </message>
    <message>
        <source>Tombstone</source>
        <translation>Tombstone</translation>
    </message>
    <message>
        <source>Repository</source>
        <translation>Repository</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Archived by</source>
        <translation>Archiviert von</translation>
    </message>
    <message>
        <source>Archived at</source>
        <translation>Archiviert am</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Restored at</source>
        <translation>Wiederhergestellt am</translation>
    </message>
</context>
<context>
    <name>codex::ui::ArchivePage</name>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>Health check</source>
        <translation>Zustandsprüfung</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Reconnect</source>
        <translation>Neu verbinden</translation>
    </message>
    <message>
        <source>Create archive here</source>
        <translation>Archiv hier anlegen</translation>
    </message>
    <message>
        <source>path contains…</source>
        <translation>Pfad enthält…</translation>
    </message>
    <message>
        <source>archived by</source>
        <translation>archiviert von</translation>
    </message>
    <message>
        <source>language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>tag</source>
        <translation>Schlagwort</translation>
    </message>
    <message>
        <source>tombstone id</source>
        <translation>Tombstone-ID</translation>
    </message>
    <message>
        <source>from</source>
        <translation>von</translation>
    </message>
    <message>
        <source>until</source>
        <translation>bis</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Filter zurücksetzen</translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation>&amp;Repository:</translation>
    </message>
    <message>
        <source>&amp;Path:</source>
        <translation>&amp;Pfad:</translation>
    </message>
    <message>
        <source>Ac&amp;tor:</source>
        <translation>A&amp;kteur:</translation>
    </message>
    <message>
        <source>Reaso&amp;n:</source>
        <translation>&amp;Grund:</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Art:</translation>
    </message>
    <message>
        <source>&amp;Tombstone:</source>
        <translation>&amp;Tombstone:</translation>
    </message>
    <message>
        <source>Lan&amp;guage:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>Ta&amp;g:</source>
        <translation>Schlag&amp;wort:</translation>
    </message>
    <message>
        <source>Legal &amp;hold:</source>
        <translation>&amp;Legal Hold:</translation>
    </message>
    <message>
        <source>Restor&amp;ed:</source>
        <translation>Wi&amp;ederhergestellt:</translation>
    </message>
    <message>
        <source>Archived:</source>
        <translation>Archiviert:</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>Wiederherstellen…</translation>
    </message>
    <message>
        <source>A preview of text content appears here.</source>
        <translation>Hier erscheint eine Vorschau von Textinhalten.</translation>
    </message>
    <message>
        <source>Tombstones</source>
        <translation>Tombstones</translation>
    </message>
    <message>
        <source>all actions</source>
        <translation>alle Aktionen</translation>
    </message>
    <message>
        <source>actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>tombstone</source>
        <translation>Tombstone</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>Aktion:</translation>
    </message>
    <message>
        <source>Double-click a tombstone to show it in the Tombstones tab.</source>
        <translation>Ein Doppelklick auf einen Tombstone zeigt ihn im Reiter „Tombstones“.</translation>
    </message>
    <message>
        <source>Evidence log</source>
        <translation>Nachweisprotokoll</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) of the evidence log could not be read (they are skipped):</source>
        <translation>
            <numerusform>%n Zeile des Nachweisprotokolls konnte nicht gelesen werden (sie wird übersprungen):</numerusform>
            <numerusform>%n Zeilen des Nachweisprotokolls konnten nicht gelesen werden (sie werden übersprungen):</numerusform>
        </translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archiv</translation>
    </message>
    <message>
        <source>No archive</source>
        <translation>Kein Archiv</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; · %2</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; · %2</translation>
    </message>
    <message>
        <source>The archive %1 does not exist. Nothing was created; create it here with the reference schema, or point backend.url at the right file on the Config page.</source>
        <translation>Das Archiv %1 existiert nicht. Es wurde nichts angelegt; hier mit dem Referenzschema anlegen oder backend.url auf der Seite „Konfiguration“ auf die richtige Datei setzen.</translation>
    </message>
    <message>
        <source>%1 is not a codex archive: table(s) %2 missing</source>
        <translation>%1 ist kein codex-Archiv: Tabelle(n) %2 fehlen</translation>
    </message>
    <message>
        <source>Archive: not available</source>
        <translation>Archiv: nicht verfügbar</translation>
    </message>
    <message>
        <source>
… (preview truncated)</source>
        <translation>
… (Vorschau gekürzt)</translation>
    </message>
    <message>
        <source>No preview: %1</source>
        <translation>Keine Vorschau: %1</translation>
    </message>
    <message>
        <source>%1 item(s)</source>
        <translation>%1 Element(e)</translation>
    </message>
    <message>
        <source>Archive: %1 · %2 item(s)</source>
        <translation>Archiv: %1 · %2 Element(e)</translation>
    </message>
    <message>
        <source>%1&lt;br/&gt;The connection may have been lost; Reconnect tries again.</source>
        <translation>%1&lt;br/&gt;Die Verbindung ist möglicherweise abgebrochen; „Neu verbinden“ versucht es erneut.</translation>
    </message>
    <message>
        <source>Restore %1 items…</source>
        <translation>%1 Elemente wiederherstellen…</translation>
    </message>
    <message>
        <source>&lt;p&gt;Loading %1…&lt;/p&gt;</source>
        <translation>&lt;p&gt;%1 wird geladen…&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p style=&apos;color:#b26a00&apos;&gt;&lt;b&gt;⚖ Legal hold&lt;/b&gt; — this item must not be purged.&lt;/p&gt;</source>
        <translation>&lt;p style=&apos;color:#b26a00&apos;&gt;&lt;b&gt;⚖ Legal Hold&lt;/b&gt; — dieses Element darf nicht endgültig gelöscht werden.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Commit</source>
        <translation>Commit</translation>
    </message>
    <message>
        <source>Kind / reason</source>
        <translation>Art / Grund</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Archived</source>
        <translation>Archiviert</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Restored</source>
        <translation>Wiederhergestellt</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Delete after</source>
        <translation>Löschen nach</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>MIME type</source>
        <translation>MIME-Typ</translation>
    </message>
    <message>
        <source>%1 compressed (%2 %, %3)</source>
        <translation>%1 komprimiert (%2 %, %3)</translation>
    </message>
    <message>
        <source>no stored bytes (%1)</source>
        <translation>keine gespeicherten Bytes (%1)</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Schlagwörter</translation>
    </message>
    <message>
        <source>Referents</source>
        <translation>Verweise</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>The payload has been purged; only the tombstone remains.</source>
        <translation>Der Inhalt wurde endgültig gelöscht; nur der Tombstone ist übrig.</translation>
    </message>
    <message>
        <source>No preview for %1 content.</source>
        <translation>Keine Vorschau für Inhalte vom Typ %1.</translation>
    </message>
    <message>
        <source>checking…</source>
        <translation>wird geprüft…</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#2e7d32&apos;&gt;✔ healthy&lt;/span&gt; · %1 items · probe %2 ms</source>
        <translation>&lt;span style=&apos;color:#2e7d32&apos;&gt;✔ in Ordnung&lt;/span&gt; · %1 Elemente · Abfrage %2 ms</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#c62828&apos;&gt;✘ %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#c62828&apos;&gt;✘ %1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Select an item to see everything about it: metadata, size and compression, SHA-256, tags, referents and its history.</source>
        <translation>Ein Element auswählen, um alles darüber zu sehen: Metadaten, Größe und Komprimierung, SHA-256, Schlagwörter, Verweise und Verlauf.</translation>
    </message>
    <message>
        <source>since</source>
        <translation>seit</translation>
    </message>
    <message>
        <source>Restore as &amp;batch…</source>
        <translation>Als Stapel wieder&amp;herstellen…</translation>
    </message>
    <message>
        <source>Build a batch manifest of the selected items on the Batch page: validate, run with several workers, resume, and keep a results file.</source>
        <translation>Ein Stapel-Manifest der ausgewählten Einträge auf der Seite „Stapel“ erstellen: prüfen, mit mehreren Workern ausführen, fortsetzen und eine Ergebnisdatei behalten.</translation>
    </message>
</context>
<context>
    <name>codex::ui::BatchPage</name>
    <message>
        <source>1 unknown tombstone</source>
        <translation>1 unbekannter Tombstone</translation>
    </message>
    <message>
        <source>%1 unknown tombstones</source>
        <translation>%1 unbekannte Tombstones</translation>
    </message>
    <message>
        <source>1 payload has been purged</source>
        <translation>1 Inhalt wurde bereinigt</translation>
    </message>
    <message>
        <source>%1 payloads have been purged</source>
        <translation>%1 Inhalte wurden bereinigt</translation>
    </message>
    <message>
        <source>1 duplicate output</source>
        <translation>1 doppelte Ausgabe</translation>
    </message>
    <message>
        <source>%1 duplicate outputs</source>
        <translation>%1 doppelte Ausgaben</translation>
    </message>
    <message>
        <source>1 output already exists</source>
        <translation>1 Ausgabe existiert bereits</translation>
    </message>
    <message>
        <source>%1 outputs already exist</source>
        <translation>%1 Ausgaben existieren bereits</translation>
    </message>
    <message>
        <source>1 output cannot be written</source>
        <translation>1 Ausgabe kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>%1 outputs cannot be written</source>
        <translation>%1 Ausgaben können nicht geschrieben werden</translation>
    </message>
    <message>
        <source>1 output escapes the restore root</source>
        <translation>1 Ausgabe liegt außerhalb des Wiederherstellungsordners</translation>
    </message>
    <message>
        <source>%1 outputs escape the restore root</source>
        <translation>%1 Ausgaben liegen außerhalb des Wiederherstellungsordners</translation>
    </message>
    <message>
        <source>1 entry has no actor</source>
        <translation>1 Eintrag hat keinen Akteur</translation>
    </message>
    <message>
        <source>%1 entries have no actor</source>
        <translation>%1 Einträge haben keinen Akteur</translation>
    </message>
    <message>
        <source>&amp;Manifest:</source>
        <translation>&amp;Manifest:</translation>
    </message>
    <message>
        <source>Open a JSON or CSV manifest, drop one here, or select items on the Archive page and choose Restore as batch…</source>
        <translation>Ein JSON- oder CSV-Manifest öffnen, hier ablegen oder auf der Archivseite Einträge auswählen und „Als Stapel wiederherstellen…“ wählen</translation>
    </message>
    <message>
        <source>Open manifest…</source>
        <translation>Manifest öffnen…</translation>
    </message>
    <message>
        <source>Save manifest as…</source>
        <translation>Manifest speichern unter…</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>the manifest&apos;s folder</source>
        <translation>der Ordner des Manifests</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Restore roo&amp;t:</source>
        <translation>Wiederherstellungs&amp;ordner:</translation>
    </message>
    <message>
        <source>required</source>
        <translation>erforderlich</translation>
    </message>
    <message>
        <source>Recorded as the actor of every restore whose entry names none (evidence log and event rows).</source>
        <translation>Wird als Akteur jeder Wiederherstellung protokolliert, deren Eintrag keinen nennt (Nachweisprotokoll und Ereigniszeilen).</translation>
    </message>
    <message>
        <source>&amp;Actor:</source>
        <translation>&amp;Akteur:</translation>
    </message>
    <message>
        <source>How many items are restored at the same time, each on its own worker and connection.</source>
        <translation>Wie viele Einträge gleichzeitig wiederhergestellt werden, jeder mit eigenem Worker und eigener Verbindung.</translation>
    </message>
    <message>
        <source>&amp;Workers:</source>
        <translation>&amp;Worker:</translation>
    </message>
    <message>
        <source>C&amp;ontinue on error</source>
        <translation>Bei Fehlern for&amp;tfahren</translation>
    </message>
    <message>
        <source>Off: the first failure stops the batch and the remaining entries are not run. On: blocked entries are left out and failures are reported at the end.</source>
        <translation>Aus: Der erste Fehler hält den Stapel an, die übrigen Einträge werden nicht ausgeführt. An: Blockierte Einträge werden ausgelassen und Fehler am Ende gemeldet.</translation>
    </message>
    <message>
        <source>Refuse (report it)</source>
        <translation>Ablehnen (melden)</translation>
    </message>
    <message>
        <source>Overwrite</source>
        <translation>Überschreiben</translation>
    </message>
    <message>
        <source>Rename with a suffix</source>
        <translation>Mit Suffix umbenennen</translation>
    </message>
    <message>
        <source>When an output &amp;exists:</source>
        <translation>Wenn eine Ausgabe &amp;existiert:</translation>
    </message>
    <message>
        <source>Allow outputs outside the restore root</source>
        <translation>Ausgaben außerhalb des Wiederherstellungsordners erlauben</translation>
    </message>
    <message>
        <source>Outputs with &quot;..&quot;, absolute paths elsewhere or symbolic links leading out of the restore root are refused unless this is on.</source>
        <translation>Ausgaben mit „..“, absolute Pfade anderswohin oder symbolische Links aus dem Wiederherstellungsordner heraus werden abgelehnt, solange dies nicht eingeschaltet ist.</translation>
    </message>
    <message>
        <source>&amp;Validate</source>
        <translation>&amp;Prüfen</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>A&amp;usführen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>Pau&amp;se</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>Abbre&amp;chen</translation>
    </message>
    <message>
        <source>Retry &amp;failed</source>
        <translation>Fehlgeschlagene wiede&amp;rholen</translation>
    </message>
    <message>
        <source>Resume from &amp;journal…</source>
        <translation>Aus &amp;Journal fortsetzen…</translation>
    </message>
    <message>
        <source>Continue a cancelled or interrupted run: items already restored and verified are skipped.</source>
        <translation>Einen abgebrochenen oder unterbrochenen Lauf fortsetzen: Bereits wiederhergestellte und geprüfte Einträge werden übersprungen.</translation>
    </message>
    <message>
        <source>%1 restored</source>
        <translation>%1 wiederhergestellt</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 skipped</source>
        <translation>%1 übersprungen</translation>
    </message>
    <message>
        <source>%1 items/s</source>
        <translation>%1 Einträge/s</translation>
    </message>
    <message>
        <source>%1 MB/s</source>
        <translation>%1 MB/s</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>vergangen %1</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>Rest %1</translation>
    </message>
    <message>
        <source>Open results file</source>
        <translation>Ergebnisdatei öffnen</translation>
    </message>
    <message>
        <source>Validation</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <source>Click an issue to select its entry.</source>
        <translation>Ein Problem anklicken, um seinen Eintrag auszuwählen.</translation>
    </message>
    <message>
        <source>All entries</source>
        <translation>Alle Einträge</translation>
    </message>
    <message>
        <source>Failures only</source>
        <translation>Nur Fehler</translation>
    </message>
    <message>
        <source>S&amp;how:</source>
        <translation>An&amp;zeigen:</translation>
    </message>
    <message>
        <source>Search tombstone, output, actor or error…</source>
        <translation>Tombstone, Ausgabe, Akteur oder Fehler suchen…</translation>
    </message>
    <message>
        <source>Fo&amp;llow the run</source>
        <translation>Dem Lauf &amp;folgen</translation>
    </message>
    <message>
        <source>Keep the entries being restored in view.</source>
        <translation>Die gerade wiederhergestellten Einträge im Blick behalten.</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Open a batch manifest</source>
        <translation>Ein Stapel-Manifest öffnen</translation>
    </message>
    <message>
        <source>Manifests (*.json *.csv);;JSON (*.json);;CSV (*.csv);;All files (*)</source>
        <translation>Manifeste (*.json *.csv);;JSON (*.json);;CSV (*.csv);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Save the manifest</source>
        <translation>Das Manifest speichern</translation>
    </message>
    <message>
        <source>JSON manifest (*.json);;CSV manifest (*.csv)</source>
        <translation>JSON-Manifest (*.json);;CSV-Manifest (*.csv)</translation>
    </message>
    <message>
        <source>Restore root</source>
        <translation>Wiederherstellungsordner</translation>
    </message>
    <message>
        <source>Resume a batch from its journal</source>
        <translation>Einen Stapel aus seinem Journal fortsetzen</translation>
    </message>
    <message>
        <source>Batch journals (*.journal);;All files (*)</source>
        <translation>Stapel-Journale (*.journal);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Stapel</translation>
    </message>
    <message>
        <source>No archive to restore from: %1</source>
        <translation>Kein Archiv, aus dem wiederhergestellt werden kann: %1</translation>
    </message>
    <message>
        <source>%1 = %2 (default)</source>
        <translation>%1 = %2 (Standard)</translation>
    </message>
    <message>
        <source>%1 = %2 from %3</source>
        <translation>%1 = %2 aus %3</translation>
    </message>
    <message>
        <source>Defaults from the effective configuration (profile %1): %2</source>
        <translation>Vorgaben aus der wirksamen Konfiguration (Profil %1): %2</translation>
    </message>
    <message>
        <source>A batch is running. Cancel it or wait for it to finish before opening another manifest.</source>
        <translation>Ein Stapel läuft. Brechen Sie ihn ab oder warten Sie, bis er fertig ist, bevor Sie ein anderes Manifest öffnen.</translation>
    </message>
    <message>
        <source>%1 could not be read.</source>
        <translation>%1 konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <source>The manifest %1 cannot be used; nothing was run:</source>
        <translation>Das Manifest %1 kann nicht verwendet werden; nichts wurde ausgeführt:</translation>
    </message>
    <message>
        <source>The manifest %1 cannot be used (%2 problems); nothing was run:</source>
        <translation>Das Manifest %1 kann nicht verwendet werden (%2 Probleme); nichts wurde ausgeführt:</translation>
    </message>
    <message>
        <source>… and %1 more (listed under Validation).</source>
        <translation>… und %1 weitere (unter „Prüfung“ aufgeführt).</translation>
    </message>
    <message>
        <source>1 problem in the manifest</source>
        <translation>1 Problem im Manifest</translation>
    </message>
    <message>
        <source>%1 problems in the manifest</source>
        <translation>%1 Probleme im Manifest</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#c62828&apos;&gt;The manifest was not loaded.&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#c62828&apos;&gt;Das Manifest wurde nicht geladen.&lt;/span&gt;</translation>
    </message>
    <message>
        <source>A batch is running. Cancel it or wait for it to finish before building another.</source>
        <translation>Ein Stapel läuft. Brechen Sie ihn ab oder warten Sie, bis er fertig ist, bevor Sie einen weiteren erstellen.</translation>
    </message>
    <message>
        <source>%1 entries</source>
        <translation>%1 Einträge</translation>
    </message>
    <message>
        <source>The manifest could not be saved to %1: %2</source>
        <translation>Das Manifest konnte nicht unter %1 gespeichert werden: %2</translation>
    </message>
    <message>
        <source>The folder %1 cannot be created for the manifest.</source>
        <translation>Der Ordner %1 für das Manifest kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>The manifest was saved as %1 so this run can be resumed and audited.</source>
        <translation>Das Manifest wurde als %1 gespeichert, damit dieser Lauf fortgesetzt und geprüft werden kann.</translation>
    </message>
    <message>
        <source>No recent manifests</source>
        <translation>Keine zuletzt verwendeten Manifeste</translation>
    </message>
    <message>
        <source>Clear the list</source>
        <translation>Liste leeren</translation>
    </message>
    <message>
        <source>Open a manifest first.</source>
        <translation>Öffnen Sie zuerst ein Manifest.</translation>
    </message>
    <message>
        <source>Enter the actor: every restore is recorded under a name in the evidence log.</source>
        <translation>Geben Sie den Akteur ein: Jede Wiederherstellung wird unter einem Namen im Nachweisprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Validating %1 entries against the archive…</source>
        <translation>%1 Einträge werden gegen das Archiv geprüft…</translation>
    </message>
    <message>
        <source>No manifest open.</source>
        <translation>Kein Manifest geöffnet.</translation>
    </message>
    <message>
        <source>These entries are blocked: they are never attempted.</source>
        <translation>Diese Einträge sind blockiert: Sie werden nie versucht.</translation>
    </message>
    <message>
        <source>A warning: these entries run.</source>
        <translation>Eine Warnung: Diese Einträge werden ausgeführt.</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>… und %1 weitere</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#2e7d32&apos;&gt;✔ All %1 entries can be restored.&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#2e7d32&apos;&gt;✔ Alle %1 Einträge können wiederhergestellt werden.&lt;/span&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; of %2 entries can be restored; &lt;span style=&apos;color:#c62828&apos;&gt;&lt;b&gt;%3&lt;/b&gt; blocked&lt;/span&gt; (never attempted).</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; von %2 Einträgen können wiederhergestellt werden; &lt;span style=&apos;color:#c62828&apos;&gt;&lt;b&gt;%3&lt;/b&gt; blockiert&lt;/span&gt; (werden nie versucht).</translation>
    </message>
    <message>
        <source>Failures only (%1)</source>
        <translation>Nur Fehler (%1)</translation>
    </message>
    <message>
        <source>Batch: restoring %1 entries…</source>
        <translation>Stapel: %1 Einträge werden wiederhergestellt…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>Batch: retrying failed entries…</source>
        <translation>Stapel: fehlgeschlagene Einträge werden wiederholt…</translation>
    </message>
    <message>
        <source>A batch is running. Cancel it or wait for it to finish before resuming another.</source>
        <translation>Ein Stapel läuft. Brechen Sie ihn ab oder warten Sie, bis er fertig ist, bevor Sie einen anderen fortsetzen.</translation>
    </message>
    <message>
        <source>The journal %1 cannot be resumed: %2</source>
        <translation>Das Journal %1 kann nicht fortgesetzt werden: %2</translation>
    </message>
    <message>
        <source>The journal %1 names no manifest file; open the manifest of that run first.</source>
        <translation>Das Journal %1 nennt keine Manifestdatei; öffnen Sie zuerst das Manifest dieses Laufs.</translation>
    </message>
    <message>
        <source>Resuming from %1: %2 entries were finished by the earlier run; restored and verified ones are skipped.</source>
        <translation>Fortsetzung aus %1: %2 Einträge hat der frühere Lauf abgeschlossen; wiederhergestellte und geprüfte werden übersprungen.</translation>
    </message>
    <message>
        <source>Batch: resuming %1…</source>
        <translation>Stapel: %1 wird fortgesetzt…</translation>
    </message>
    <message>
        <source>%1 of %2 · %3 % · paused</source>
        <translation>%1 von %2 · %3 % · angehalten</translation>
    </message>
    <message>
        <source>%1 of %2 · %3 %</source>
        <translation>%1 von %2 · %3 %</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; restored</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; wiederhergestellt</translation>
    </message>
    <message>
        <source>&lt;b style=&apos;color:#d32f2f&apos;&gt;%1&lt;/b&gt; failed</source>
        <translation>&lt;b style=&apos;color:#d32f2f&apos;&gt;%1&lt;/b&gt; fehlgeschlagen</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; failed</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; fehlgeschlagen</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; skipped · &lt;b&gt;%2&lt;/b&gt; not run</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; übersprungen · &lt;b&gt;%2&lt;/b&gt; nicht ausgeführt</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; skipped</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; übersprungen</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; items/s</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; Einträge/s</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; MB/s</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; MB/s</translation>
    </message>
    <message>
        <source>elapsed &lt;b&gt;%1&lt;/b&gt;</source>
        <translation>vergangen &lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>ETA &lt;b&gt;%1&lt;/b&gt;</source>
        <translation>Rest &lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>ETA &lt;b&gt;—&lt;/b&gt;</source>
        <translation>Rest &lt;b&gt;—&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#c62828&apos;&gt;Validation failed.&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#c62828&apos;&gt;Die Prüfung ist fehlgeschlagen.&lt;/span&gt;</translation>
    </message>
    <message>
        <source>The manifest could not be validated: %1</source>
        <translation>Das Manifest konnte nicht geprüft werden: %1</translation>
    </message>
    <message>
        <source>Cancelled after %1 of %2 entries: %3 restored, %4 failed, %5 not run. Nothing was left half-written; resume from the journal to restore the rest.</source>
        <translation>Abgebrochen nach %1 von %2 Einträgen: %3 wiederhergestellt, %4 fehlgeschlagen, %5 nicht ausgeführt. Nichts blieb halb geschrieben zurück; setzen Sie aus dem Journal fort, um den Rest wiederherzustellen.</translation>
    </message>
    <message>
        <source>Resume now</source>
        <translation>Jetzt fortsetzen</translation>
    </message>
    <message>
        <source>The batch stopped: %1</source>
        <translation>Der Stapel wurde angehalten: %1</translation>
    </message>
    <message>
        <source>Finished with failures in %1: %2 restored, %3 skipped, %4 failed. Show failures only to see why.</source>
        <translation>Mit Fehlern beendet in %1: %2 wiederhergestellt, %3 übersprungen, %4 fehlgeschlagen. Zeigen Sie nur die Fehler an, um die Gründe zu sehen.</translation>
    </message>
    <message>
        <source>Show failures</source>
        <translation>Fehler anzeigen</translation>
    </message>
    <message>
        <source>Done in %1: %2 restored, %3 skipped (already restored and verified).</source>
        <translation>Fertig in %1: %2 wiederhergestellt, %3 übersprungen (bereits wiederhergestellt und geprüft).</translation>
    </message>
    <message>
        <source>Batch: cancelled</source>
        <translation>Stapel: abgebrochen</translation>
    </message>
    <message>
        <source>Batch: %1 restored, %2 failed</source>
        <translation>Stapel: %1 wiederhergestellt, %2 fehlgeschlagen</translation>
    </message>
    <message>
        <source>No manifest</source>
        <translation>Kein Manifest</translation>
    </message>
    <message>
        <source>Contin&amp;ue</source>
        <translation>We&amp;iter</translation>
    </message>
    <message>
        <source>Results: &lt;a href=&quot;%1&quot;&gt;%2&lt;/a&gt;</source>
        <translation>Ergebnisse: &lt;a href=&quot;%1&quot;&gt;%2&lt;/a&gt;</translation>
    </message>
    <message>
        <source>Journal: %1</source>
        <translation>Journal: %1</translation>
    </message>
    <message>
        <source>Results and journal are written next to the manifest: %1</source>
        <translation>Ergebnisse und Journal werden neben das Manifest geschrieben: %1</translation>
    </message>
    <message>
        <source>&amp;Run %1 entries</source>
        <translation>%1 Einträge a&amp;usführen</translation>
    </message>
    <message>
        <source>Validating…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>&amp;Run %1 entries · %2 blocked</source>
        <translation>%1 Einträge a&amp;usführen · %2 blockiert</translation>
    </message>
    <message>
        <source>Every entry is blocked; fix the manifest or the options.</source>
        <translation>Jeder Eintrag ist blockiert; korrigieren Sie das Manifest oder die Optionen.</translation>
    </message>
    <message>
        <source>Blocked entries stop the batch before it starts: fix them, or turn on Continue on error to run the other %1.</source>
        <translation>Blockierte Einträge halten den Stapel vor dem Start an: Korrigieren Sie sie oder schalten Sie „Bei Fehlern fortfahren“ ein, um die übrigen %1 auszuführen.</translation>
    </message>
    <message>
        <source>%1 of %2 shown</source>
        <translation>%1 von %2 angezeigt</translation>
    </message>
    <message>
        <source>A manifest of the selected item was built from the Archive page: it goes to &amp;lt;restore root&amp;gt;/&amp;lt;repository&amp;gt;/&amp;lt;path&amp;gt;. Save it to keep it; a run saves it next to its results.</source>
        <translation>Aus dem ausgewählten Eintrag der Archivseite wurde ein Manifest erstellt: Er wird nach &amp;lt;Wiederherstellungsordner&amp;gt;/&amp;lt;Repository&amp;gt;/&amp;lt;Pfad&amp;gt; geschrieben. Speichern Sie es, um es zu behalten; ein Lauf speichert es neben seinen Ergebnissen.</translation>
    </message>
    <message>
        <source>A manifest of %1 selected items was built from the Archive page: each goes to &amp;lt;restore root&amp;gt;/&amp;lt;repository&amp;gt;/&amp;lt;path&amp;gt;. Save it to keep it; a run saves it next to its results.</source>
        <translation>Aus %1 ausgewählten Einträgen der Archivseite wurde ein Manifest erstellt: Jeder wird nach &amp;lt;Wiederherstellungsordner&amp;gt;/&amp;lt;Repository&amp;gt;/&amp;lt;Pfad&amp;gt; geschrieben. Speichern Sie es, um es zu behalten; ein Lauf speichert es neben seinen Ergebnissen.</translation>
    </message>
    <message>
        <source>(built from 1 selected item, not saved)</source>
        <translation>(aus 1 ausgewählten Eintrag erstellt, nicht gespeichert)</translation>
    </message>
    <message>
        <source>(built from %1 selected items, not saved)</source>
        <translation>(aus %1 ausgewählten Einträgen erstellt, nicht gespeichert)</translation>
    </message>
    <message>
        <source>%1 entries can be restored; 1 warning below.</source>
        <translation>%1 Einträge können wiederhergestellt werden; 1 Warnung unten.</translation>
    </message>
    <message>
        <source>%1 entries can be restored; %2 warnings below.</source>
        <translation>%1 Einträge können wiederhergestellt werden; %2 Warnungen unten.</translation>
    </message>
    <message>
        <source>Validation failed; Validate tries again.</source>
        <translation>Die Prüfung ist fehlgeschlagen; „Prüfen“ versucht es erneut.</translation>
    </message>
</context>
<context>
    <name>codex::ui::ConfigPage</name>
    <message>
        <source>Archive — archive.toml</source>
        <translation>Archiv — archive.toml</translation>
    </message>
    <message>
        <source>ccproxy — Codex settings</source>
        <translation>ccproxy — Codex-Einstellungen</translation>
    </message>
    <message>
        <source>Config</source>
        <translation>Konfiguration</translation>
    </message>
    <message>
        <source>Archive: %1 · %2 · profile %3%4</source>
        <translation>Archiv: %1 · %2 · Profil %3%4</translation>
    </message>
    <message>
        <source> · configuration invalid</source>
        <translation> · Konfiguration ungültig</translation>
    </message>
</context>
<context>
    <name>codex::ui::ConfigPanel</name>
    <message>
        <source>&amp;Precedence profile:</source>
        <translation>&amp;Vorrangprofil:</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <source>Undo the last edit (Ctrl+Z)</source>
        <translation>Letzte Änderung rückgängig machen (Strg+Z)</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <source>Redo (Ctrl+Shift+Z)</source>
        <translation>Wiederholen (Strg+Umschalt+Z)</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Neu laden</translation>
    </message>
    <message>
        <source>Discard edits and read the file again</source>
        <translation>Änderungen verwerfen und die Datei neu einlesen</translation>
    </message>
    <message>
        <source>Show secrets</source>
        <translation>Geheimes zeigen</translation>
    </message>
    <message>
        <source>Show credentials in URLs and tokens in clear (never logged)</source>
        <translation>Zugangsdaten in URLs und Tokens im Klartext anzeigen (wird nie protokolliert)</translation>
    </message>
    <message>
        <source>Review and Save…</source>
        <translation>Prüfen und speichern…</translation>
    </message>
    <message>
        <source>See the diff, then save atomically with a backup (Ctrl+S)</source>
        <translation>Unterschiede ansehen, dann atomar mit Sicherungskopie speichern (Strg+S)</translation>
    </message>
    <message>
        <source>Reload from disk</source>
        <translation>Von Festplatte neu laden</translation>
    </message>
    <message>
        <source>Keep my edits</source>
        <translation>Eigene Änderungen behalten</translation>
    </message>
    <message>
        <source>&lt;b&gt;Precedence chain&lt;/b&gt;</source>
        <translation>&lt;b&gt;Vorrangkette&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;What-if environment&lt;/b&gt; — edit variables here to see their effect; the real environment is not touched.</source>
        <translation>&lt;b&gt;Was-wäre-wenn-Umgebung&lt;/b&gt; — hier Variablen bearbeiten, um ihre Wirkung zu sehen; die echte Umgebung bleibt unverändert.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Add or change a variable</source>
        <translation>Variable hinzufügen oder ändern</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove the selected variable</source>
        <translation>Ausgewählte Variable entfernen</translation>
    </message>
    <message>
        <source>Load .env…</source>
        <translation>.env laden…</translation>
    </message>
    <message>
        <source>Add the variables of a .env file</source>
        <translation>Variablen aus einer .env-Datei hinzufügen</translation>
    </message>
    <message>
        <source>Presets</source>
        <translation>Vorlagen</translation>
    </message>
    <message>
        <source>The seeds&apos; rollback flags and feature-flag stages</source>
        <translation>Rollback-Flags und Feature-Flag-Stufen der Seeds</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <source>Back to the process environment</source>
        <translation>Zurück zur Prozessumgebung</translation>
    </message>
    <message>
        <source>%1 — as environment</source>
        <translation>%1 — als Umgebung</translation>
    </message>
    <message>
        <source>%1 — write to the file</source>
        <translation>%1 — in die Datei schreiben</translation>
    </message>
    <message>
        <source>Discard edits?</source>
        <translation>Änderungen verwerfen?</translation>
    </message>
    <message>
        <source>Reloading discards your unsaved edits.</source>
        <translation>Beim Neuladen gehen ungespeicherte Änderungen verloren.</translation>
    </message>
    <message>
        <source>%1 was changed on disk by another program while you have unsaved edits.</source>
        <translation>%1 wurde von einem anderen Programm auf der Festplatte geändert, während ungespeicherte Änderungen vorliegen.</translation>
    </message>
    <message>
        <source>%1 changed on disk and was reloaded.</source>
        <translation>%1 wurde auf der Festplatte geändert und neu geladen.</translation>
    </message>
    <message>
        <source>Undo: %1</source>
        <translation>Rückgängig: %1</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>Nichts rückgängig zu machen</translation>
    </message>
    <message>
        <source>Redo: %1</source>
        <translation>Wiederholen: %1</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>Nichts zu wiederholen</translation>
    </message>
    <message>
        <source>Switching the profile reopens the file and discards your unsaved edits.</source>
        <translation>Beim Wechsel des Profils wird die Datei neu geöffnet und ungespeicherte Änderungen gehen verloren.</translation>
    </message>
    <message>
        <source>(unset)</source>
        <translation>(nicht gesetzt)</translation>
    </message>
    <message>
        <source>Show this value in clear</source>
        <translation>Diesen Wert im Klartext anzeigen</translation>
    </message>
    <message>
        <source>Remove %1 from the file (its line is deleted)</source>
        <translation>%1 aus der Datei entfernen (die Zeile wird gelöscht)</translation>
    </message>
    <message>
        <source>Credentials are masked. Use the eye to show and edit them.</source>
        <translation>Zugangsdaten sind maskiert. Über das Auge lassen sie sich anzeigen und bearbeiten.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Precedence chain&lt;/b&gt; — %1</source>
        <translation>&lt;b&gt;Vorrangkette&lt;/b&gt; — %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Set but without effect under %1:&lt;/b&gt;&lt;br/&gt;%2</source>
        <translation>&lt;b&gt;Gesetzt, aber ohne Wirkung unter %1:&lt;/b&gt;&lt;br/&gt;%2</translation>
    </message>
    <message>
        <source> — not created yet</source>
        <translation> — noch nicht angelegt</translation>
    </message>
    <message>
        <source> — &lt;span style=&apos;color:#b26a00&apos;&gt;not read under this profile&lt;/span&gt;</source>
        <translation> — &lt;span style=&apos;color:#b26a00&apos;&gt;unter diesem Profil nicht gelesen&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Discovery order: %1</source>
        <translation>Suchreihenfolge: %1</translation>
    </message>
    <message>
        <source>No file yet (%2). Editing a value creates %1 when you save.</source>
        <translation>Noch keine Datei (%2). Wird ein Wert bearbeitet, entsteht %1 beim Speichern.</translation>
    </message>
    <message>
        <source>reloaded</source>
        <translation>neu geladen</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 cannot be parsed&lt;/b&gt; — line %2, column %3: %4&lt;br/&gt;The file is shown read-only and nothing will be written to it. Fix it in a text editor; it reloads by itself.</source>
        <translation>&lt;b&gt;%1 kann nicht eingelesen werden&lt;/b&gt; — Zeile %2, Spalte %3: %4&lt;br/&gt;Die Datei wird schreibgeschützt angezeigt, und es wird nichts in sie geschrieben. Zum Beheben in einem Texteditor bearbeiten; danach wird sie automatisch neu geladen.</translation>
    </message>
    <message>
        <source>%1 is now set in %2, but %3 still wins under %4.</source>
        <translation>%1 ist jetzt in %2 gesetzt, aber unter %4 hat %3 weiterhin Vorrang.</translation>
    </message>
    <message>
        <source>%1 is set in %2, but %3 does not read that file.</source>
        <translation>%1 ist in %2 gesetzt, aber %3 liest diese Datei nicht.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>%1 does not read %2 (%3).</source>
        <translation>%1 liest %2 nicht (%3).</translation>
    </message>
    <message>
        <source>Add a what-if variable</source>
        <translation>Was-wäre-wenn-Variable hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Variable:</source>
        <translation>&amp;Variable:</translation>
    </message>
    <message>
        <source>V&amp;alue:</source>
        <translation>&amp;Wert:</translation>
    </message>
    <message>
        <source>Load a .env file</source>
        <translation>.env-Datei laden</translation>
    </message>
    <message>
        <source>Environment files (.env *.env);;All files (*)</source>
        <translation>Umgebungsdateien (.env *.env);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
</context>
<context>
    <name>codex::ui::DemoControls</name>
    <message>
        <source>Share of the simulator&apos;s /codex/* requests answered with HTTP 500</source>
        <translation>Anteil der /codex/*-Anfragen, die der Simulator mit HTTP 500 beantwortet</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <source>Mean extra latency of the simulator (exponentially distributed)</source>
        <translation>Mittlere zusätzliche Latenz des Simulators (exponentialverteilt)</translation>
    </message>
    <message>
        <source>Buffer streaming</source>
        <translation>Streaming puffern</translation>
    </message>
    <message>
        <source>Collect the whole stream and replay it, as the fork does</source>
        <translation>Den ganzen Stream sammeln und erst dann wiedergeben, wie es der Fork tut</translation>
    </message>
    <message>
        <source> req/s</source>
        <translation> Anfragen/s</translation>
    </message>
    <message>
        <source>Demo traffic sent to the simulator</source>
        <translation>Demo-Traffic, der an den Simulator geschickt wird</translation>
    </message>
    <message>
        <source>Traffic:</source>
        <translation>Traffic:</translation>
    </message>
    <message>
        <source>Simulator — error rate:</source>
        <translation>Simulator — Fehlerrate:</translation>
    </message>
    <message>
        <source>Latency:</source>
        <translation>Latenz:</translation>
    </message>
</context>
<context>
    <name>codex::ui::DiffDialog</name>
    <message>
        <source>Review changes to %1</source>
        <translation>Änderungen an %1 prüfen</translation>
    </message>
    <message>
        <source>Only the lines below change; everything else in %1 stays byte for byte. The previous file is kept as a timestamped backup.</source>
        <translation>Nur die folgenden Zeilen ändern sich; alles andere in %1 bleibt Byte für Byte erhalten. Die bisherige Datei wird als Sicherungskopie mit Zeitstempel aufbewahrt.</translation>
    </message>
    <message>
        <source>(no changes)</source>
        <translation>(keine Änderungen)</translation>
    </message>
    <message>
        <source>%1 was changed on disk since it was opened. Overwrite those changes.</source>
        <translation>%1 wurde seit dem Öffnen auf der Festplatte geändert. Diese Änderungen überschreiben.</translation>
    </message>
</context>
<context>
    <name>codex::ui::EndpointEnvironmentDialog</name>
    <message>
        <source>Add environment</source>
        <translation>Umgebung hinzufügen</translation>
    </message>
    <message>
        <source>Edit environment %1</source>
        <translation>Umgebung %1 bearbeiten</translation>
    </message>
    <message>
        <source>staging, production, local ccproxy…</source>
        <translation>Staging, Produktion, lokaler ccproxy…</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation>&amp;Basis-URL:</translation>
    </message>
    <message>
        <source>Which ccproxy generation serves this environment: its paths, header names and known behaviour.</source>
        <translation>Welche ccproxy-Generation diese Umgebung bedient: ihre Pfade, Header-Namen und ihr bekanntes Verhalten.</translation>
    </message>
    <message>
        <source>&amp;Generation profile:</source>
        <translation>&amp;Generationsprofil:</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>&amp;Timeout:</source>
        <translation>&amp;Timeout:</translation>
    </message>
    <message>
        <source>Extra headers (sent with every request)</source>
        <translation>Zusätzliche Header (werden mit jeder Anfrage gesendet)</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Bearer token</source>
        <translation>Bearer-Token</translation>
    </message>
    <message>
        <source>No token</source>
        <translation>Kein Token</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>Token:</translation>
    </message>
    <message>
        <source>From environment variable:</source>
        <translation>Aus Umgebungsvariable:</translation>
    </message>
    <message>
        <source>paste the token</source>
        <translation>Token einfügen</translation>
    </message>
    <message>
        <source>stored — type a new one to replace it</source>
        <translation>gespeichert — zum Ersetzen ein neues eingeben</translation>
    </message>
    <message>
        <source>Show the token</source>
        <translation>Token anzeigen</translation>
    </message>
    <message>
        <source>Hide the token</source>
        <translation>Token verbergen</translation>
    </message>
    <message>
        <source>Store token</source>
        <translation>Token speichern</translation>
    </message>
    <message>
        <source>Puts the token into the system keychain when one is available, else keeps it in memory for this session only. It is never written to a file.</source>
        <translation>Legt das Token im Schlüsselbund des Systems ab, sofern einer verfügbar ist, sonst nur für diese Sitzung im Arbeitsspeicher. Es wird nie in eine Datei geschrieben.</translation>
    </message>
    <message>
        <source>TLS certificates accepted for this environment</source>
        <translation>Für diese Umgebung akzeptierte TLS-Zertifikate</translation>
    </message>
    <message>
        <source>None. When a request fails on a certificate, the response view offers to accept that certificate for this environment only.</source>
        <translation>Keine. Scheitert eine Anfrage an einem Zertifikat, bietet die Antwortansicht an, dieses Zertifikat nur für diese Umgebung zu akzeptieren.</translation>
    </message>
    <message>
        <source>The environment needs a name.</source>
        <translation>Die Umgebung braucht einen Namen.</translation>
    </message>
    <message>
        <source>An environment named &quot;%1&quot; exists already.</source>
        <translation>Eine Umgebung namens „%1“ gibt es bereits.</translation>
    </message>
    <message>
        <source>The base URL is empty.</source>
        <translation>Die Basis-URL ist leer.</translation>
    </message>
    <message>
        <source>The base URL is not a valid URL: %1</source>
        <translation>Die Basis-URL ist keine gültige URL: %1</translation>
    </message>
    <message>
        <source>The base URL must start with http:// or https:// (not &quot;%1&quot;).</source>
        <translation>Die Basis-URL muss mit http:// oder https:// beginnen (nicht mit „%1“).</translation>
    </message>
    <message>
        <source>The base URL has no host.</source>
        <translation>Die Basis-URL enthält keinen Host.</translation>
    </message>
    <message>
        <source>Put credentials into the token field, not into the URL.</source>
        <translation>Zugangsdaten gehören in das Token-Feld, nicht in die URL.</translation>
    </message>
    <message>
        <source>The environment variable name is not valid (letters, digits and _).</source>
        <translation>Der Name der Umgebungsvariablen ist ungültig (erlaubt sind Buchstaben, Ziffern und _).</translation>
    </message>
    <message>
        <source>Type the token, or choose No token.</source>
        <translation>Geben Sie das Token ein oder wählen Sie „Kein Token“.</translation>
    </message>
    <message>
        <source>Requests are sent without an Authorization header.</source>
        <translation>Anfragen werden ohne Authorization-Header gesendet.</translation>
    </message>
    <message>
        <source>The token is read from this variable of the app&apos;s environment when a request is sent.</source>
        <translation>Das Token wird beim Senden einer Anfrage aus dieser Variablen der Prozessumgebung der App gelesen.</translation>
    </message>
    <message>
        <source>%1 is set in this app&apos;s environment.</source>
        <translation>%1 ist in der Prozessumgebung der App gesetzt.</translation>
    </message>
    <message>
        <source>%1 is not set in this app&apos;s environment: requests will fail until it is.</source>
        <translation>%1 ist in der Prozessumgebung der App nicht gesetzt: Anfragen schlagen fehl, bis die Variable gesetzt ist.</translation>
    </message>
    <message>
        <source>Not stored yet: press Store token (pressing OK stores it too).</source>
        <translation>Noch nicht gespeichert: „Token speichern“ drücken (auch OK speichert es).</translation>
    </message>
    <message>
        <source>Stored in the system keychain.</source>
        <translation>Im Schlüsselbund des Systems gespeichert.</translation>
    </message>
    <message>
        <source>Kept in memory for this session only (no keychain); it is gone when the app quits.</source>
        <translation>Nur für diese Sitzung im Arbeitsspeicher gehalten (kein Schlüsselbund); beim Beenden der App geht es verloren.</translation>
    </message>
    <message>
        <source>Could not store the token: %1</source>
        <translation>Das Token konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Stored in the system keychain (%1).</source>
        <translation>Im Schlüsselbund des Systems gespeichert (%1).</translation>
    </message>
    <message>
        <source>Kept in memory for this session only — %1. It is gone when the app quits; use an environment variable to keep it across runs.</source>
        <translation>Nur für diese Sitzung im Arbeitsspeicher gehalten — %1. Beim Beenden der App geht es verloren; um es über Neustarts hinweg zu behalten, eine Umgebungsvariable verwenden.</translation>
    </message>
</context>
<context>
    <name>codex::ui::EndpointResponseView</name>
    <message>
        <source>Assembled text:</source>
        <translation>Zusammengesetzter Text:</translation>
    </message>
    <message>
        <source>The text the model streamed, assembled from the deltas.</source>
        <translation>Der vom Modell gestreamte Text, aus den Deltas zusammengesetzt.</translation>
    </message>
    <message>
        <source>Reasoning:</source>
        <translation>Reasoning:</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keines</translation>
    </message>
    <message>
        <source>Stream</source>
        <translation>Stream</translation>
    </message>
    <message>
        <source>Body</source>
        <translation>Body</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Headers</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>Tool</translation>
    </message>
    <message>
        <source>Call id</source>
        <translation>Aufruf-ID</translation>
    </message>
    <message>
        <source>Arguments</source>
        <translation>Argumente</translation>
    </message>
    <message>
        <source>Tool calls</source>
        <translation>Tool-Aufrufe</translation>
    </message>
    <message>
        <source>Server-Sent Events appear here as they arrive.</source>
        <translation>Server-Sent Events erscheinen hier, sobald sie eintreffen.</translation>
    </message>
    <message>
        <source>No response yet — choose a template and press Send.</source>
        <translation>Noch keine Antwort — eine Vorlage wählen und „Senden“ drücken.</translation>
    </message>
    <message>
        <source>Sending %1 %2…</source>
        <translation>%1 %2 wird gesendet…</translation>
    </message>
    <message>
        <source>Waiting for %1 %2… %3 ms</source>
        <translation>Warten auf %1 %2… %3 ms</translation>
    </message>
    <message>
        <source>%1 %2 — receiving stream: %3 events, %4 ms</source>
        <translation>%1 %2 — Stream wird empfangen: %3 Events, %4 ms</translation>
    </message>
    <message>
        <source>%1 %2 — receiving… %3 ms</source>
        <translation>%1 %2 — wird empfangen… %3 ms</translation>
    </message>
    <message>
        <source>%1 events; the first %2 are listed.</source>
        <translation>%1 Events; die ersten %2 sind aufgeführt.</translation>
    </message>
    <message>
        <source>%1 events so far…</source>
        <translation>Bisher %1 Events…</translation>
    </message>
    <message>
        <source>The body was cut at the response size limit (%1 received); what arrived is shown.</source>
        <translation>Der Body wurde an der Größengrenze für Antworten abgeschnitten (%1 empfangen); angezeigt wird, was angekommen ist.</translation>
    </message>
    <message>
        <source>The body is not valid UTF-8: invalid bytes are shown as �.</source>
        <translation>Der Body ist kein gültiges UTF-8: Ungültige Bytes werden als � angezeigt.</translation>
    </message>
    <message>
        <source>Only the first %1 are shown.</source>
        <translation>Nur die ersten %1 werden angezeigt.</translation>
    </message>
    <message>
        <source>(empty body)</source>
        <translation>(leerer Body)</translation>
    </message>
    <message>
        <source>✔ valid JSON</source>
        <translation>✔ gültiges JSON</translation>
    </message>
    <message>
        <source>✘ invalid JSON: %1</source>
        <translation>✘ ungültiges JSON: %1</translation>
    </message>
    <message>
        <source>Tool calls (%1)</source>
        <translation>Tool-Aufrufe (%1)</translation>
    </message>
    <message>
        <source>%1 %2 · %3 %4 · %5 ms</source>
        <translation>%1 %2 · %3 %4 · %5 ms</translation>
    </message>
    <message>
        <source>No response: %1 · %2 %3</source>
        <translation>Keine Antwort: %1 · %2 %3</translation>
    </message>
    <message>
        <source>Certificate SHA-256: &lt;tt&gt;%1&lt;/tt&gt;</source>
        <translation>SHA-256 des Zertifikats: &lt;tt&gt;%1&lt;/tt&gt;</translation>
    </message>
    <message>
        <source>Accept this certificate for %1</source>
        <translation>Dieses Zertifikat für %1 akzeptieren</translation>
    </message>
    <message>
        <source>Only this certificate, only for the environment %1. Nothing else is trusted.</source>
        <translation>Nur dieses Zertifikat und nur für die Umgebung %1. Allem anderen wird weiterhin nicht vertraut.</translation>
    </message>
    <message>
        <source>Certificate %1 accepted for %2. Send the request again.</source>
        <translation>Zertifikat %1 für %2 akzeptiert. Senden Sie die Anfrage erneut.</translation>
    </message>
    <message>
        <source>The stream reported an error: %1</source>
        <translation>Der Stream hat einen Fehler gemeldet: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Streaming is buffered by the proxy&lt;/b&gt;: the first token came at %1 ms of %2 ms total (%3 deltas). ccproxy fork/legacy collect the upstream stream and replay it.</source>
        <translation>&lt;b&gt;Der Proxy puffert das Streaming&lt;/b&gt;: Das erste Token kam nach %1 ms von insgesamt %2 ms (%3 Deltas). ccproxy fork/legacy sammeln den Upstream-Stream und geben ihn erst dann wieder.</translation>
    </message>
    <message>
        <source>%1 events</source>
        <translation>%1 Events</translation>
    </message>
    <message>
        <source>ended with [DONE]</source>
        <translation>endete mit [DONE]</translation>
    </message>
    <message>
        <source>ended with response.completed</source>
        <translation>endete mit response.completed</translation>
    </message>
    <message>
        <source>no terminal event</source>
        <translation>kein abschließendes Event</translation>
    </message>
    <message>
        <source>the stream was cut in the middle of an event</source>
        <translation>der Stream brach mitten in einem Event ab</translation>
    </message>
    <message>
        <source>the first %1 are listed</source>
        <translation>die ersten %1 sind aufgeführt</translation>
    </message>
    <message>
        <source>Not a stream (Content-Type %1).</source>
        <translation>Kein Stream (Content-Type %1).</translation>
    </message>
    <message>
        <source>%1 %2 · %3 %4</source>
        <translation>%1 %2 · %3 %4</translation>
    </message>
    <message>
        <source> · %1 ms</source>
        <translation> · %1 ms</translation>
    </message>
    <message>
        <source> · stored %1</source>
        <translation> · gespeichert am %1</translation>
    </message>
    <message>
        <source>Stored summary from the history (bodies are kept up to 64 KiB).</source>
        <translation>Gespeicherte Zusammenfassung aus dem Verlauf (Bodys werden bis 64 KiB aufbewahrt).</translation>
    </message>
    <message>
        <source>Stored summary: %1 events (the events themselves are not kept in the history).</source>
        <translation>Gespeicherte Zusammenfassung: %1 Events (die Events selbst werden im Verlauf nicht aufbewahrt).</translation>
    </message>
</context>
<context>
    <name>codex::ui::EndpointTimingView</name>
    <message>
        <source>n/a</source>
        <translation>k. A.</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>connect %1</source>
        <translation>Verbindungsaufbau %1</translation>
    </message>
    <message>
        <source>TTFB %1</source>
        <translation>TTFB %1</translation>
    </message>
    <message>
        <source>first token %1</source>
        <translation>erstes Token %1</translation>
    </message>
    <message>
        <source>total %1</source>
        <translation>gesamt %1</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 Tokens/s</translation>
    </message>
    <message>
        <source>Timing: send a request to see connect, TTFB, first token and total.</source>
        <translation>Zeitmessung: Senden Sie eine Anfrage, um Verbindungsaufbau, TTFB, erstes Token und Gesamtzeit zu sehen.</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Verbindungsaufbau</translation>
    </message>
    <message>
        <source>First byte</source>
        <translation>Erstes Byte</translation>
    </message>
    <message>
        <source>First token</source>
        <translation>Erstes Token</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Gesamt</translation>
    </message>
    <message>
        <source>%1 tokens, %2 tokens/s</source>
        <translation>%1 Tokens, %2 Tokens/s</translation>
    </message>
    <message>
        <source>%1 received</source>
        <translation>%1 empfangen</translation>
    </message>
</context>
<context>
    <name>codex::ui::EndpointsPage</name>
    <message>
        <source>Responses</source>
        <translation>Responses</translation>
    </message>
    <message>
        <source>Responses (stream)</source>
        <translation>Responses (Stream)</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Chat (stream)</source>
        <translation>Chat (Stream)</translation>
    </message>
    <message>
        <source>Chat with tools</source>
        <translation>Chat mit Tools</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>Health</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>&amp;Environment:</source>
        <translation>&amp;Umgebung:</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove environment</source>
        <translation>Umgebung entfernen</translation>
    </message>
    <message>
        <source>Remove the environment %1?</source>
        <translation>Die Umgebung %1 entfernen?</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <source>Test suite</source>
        <translation>Testsuite</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>Laden</translation>
    </message>
    <message>
        <source>Endpoints: running %1…</source>
        <translation>Endpoints: %1 läuft…</translation>
    </message>
    <message>
        <source>Endpoints: suite finished — %1 passed, %2 failed</source>
        <translation>Endpoints: Suite beendet — %1 bestanden, %2 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled after %1 requests.</source>
        <translation>Abgebrochen nach %1 Anfragen.</translation>
    </message>
    <message>
        <source>Finished: %1 requests in %2 s (runner CPU %3 s).</source>
        <translation>Fertig: %1 Anfragen in %2 s (CPU-Zeit des Lastgenerators: %3 s).</translation>
    </message>
    <message>
        <source>Endpoints: load run finished — %1 req/s</source>
        <translation>Endpoints: Lasttest beendet — %1 Anfragen/s</translation>
    </message>
    <message>
        <source>Endpoints</source>
        <translation>Endpoints</translation>
    </message>
    <message>
        <source>&amp;Template:</source>
        <translation>&amp;Vorlage:</translation>
    </message>
    <message>
        <source>Fills the method, path and body from the environment&apos;s ccproxy generation.</source>
        <translation>Füllt Methode, Pfad und Body passend zur ccproxy-Generation der Umgebung aus.</translation>
    </message>
    <message>
        <source>/codex/responses or a full URL</source>
        <translation>/codex/responses oder eine vollständige URL</translation>
    </message>
    <message>
        <source>Headers:</source>
        <translation>Header:</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Add a header</source>
        <translation>Header hinzufügen</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>Remove the selected header</source>
        <translation>Ausgewählten Header entfernen</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Body (JSON):</source>
        <translation>Body (JSON):</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Senden</translation>
    </message>
    <message>
        <source>Send the request (Ctrl+Enter)</source>
        <translation>Anfrage senden (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Save request…</source>
        <translation>Anfrage speichern…</translation>
    </message>
    <message>
        <source>Save request</source>
        <translation>Anfrage speichern</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Save current…</source>
        <translation>Aktuelle speichern…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Saved requests</source>
        <translation>Gespeicherte Anfragen</translation>
    </message>
    <message>
        <source>The %1 generation has no model list route.</source>
        <translation>Die Generation %1 hat keine Route für die Modellliste.</translation>
    </message>
    <message>
        <source>line %1, column %2: %3</source>
        <translation>Zeile %1, Spalte %2: %3</translation>
    </message>
    <message>
        <source>The body is not valid JSON — %1</source>
        <translation>Der Body ist kein gültiges JSON — %1</translation>
    </message>
    <message>
        <source>Fix the JSON body first.</source>
        <translation>Korrigieren Sie zuerst den JSON-Body.</translation>
    </message>
    <message>
        <source>Add an environment first.</source>
        <translation>Fügen Sie zuerst eine Umgebung hinzu.</translation>
    </message>
    <message>
        <source>Unknown variables left as they are: %1</source>
        <translation>Unbekannte Variablen unverändert gelassen: %1</translation>
    </message>
    <message>
        <source>Endpoints: %1 %2…</source>
        <translation>Endpoints: %1 %2…</translation>
    </message>
    <message>
        <source>Endpoints: history not written: %1</source>
        <translation>Endpoints: Verlauf nicht geschrieben: %1</translation>
    </message>
    <message>
        <source>Endpoints: %1 in %2 ms</source>
        <translation>Endpoints: %1 in %2 ms</translation>
    </message>
    <message>
        <source>Endpoints: %1</source>
        <translation>Endpoints: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 cannot be read&lt;/b&gt;: %2&lt;br/&gt;It is left as it is until you change an environment or a saved request.</source>
        <translation>&lt;b&gt;%1 kann nicht gelesen werden&lt;/b&gt;: %2&lt;br/&gt;Die Datei bleibt unverändert, bis Sie eine Umgebung oder eine gespeicherte Anfrage ändern.</translation>
    </message>
    <message>
        <source>no token</source>
        <translation>kein Token</translation>
    </message>
    <message>
        <source>token from $%1</source>
        <translation>Token aus $%1</translation>
    </message>
    <message>
        <source>token in the keychain</source>
        <translation>Token im Schlüsselbund</translation>
    </message>
    <message>
        <source>token in memory (this session)</source>
        <translation>Token im Arbeitsspeicher (nur diese Sitzung)</translation>
    </message>
    <message>
        <source>%1 · %2 · %3</source>
        <translation>%1 · %2 · %3</translation>
    </message>
    <message>
        <source>Generation profile %1; timeout %2 s; %3 extra headers; %4 accepted certificates</source>
        <translation>Generationsprofil %1; Timeout %2 s; %3 zusätzliche Header; %4 akzeptierte Zertifikate</translation>
    </message>
    <message>
        <source>No environment: add one (base URL of a ccproxy).</source>
        <translation>Keine Umgebung: Fügen Sie eine hinzu (Basis-URL eines ccproxy).</translation>
    </message>
    <message>
        <source>&lt;b&gt;Cannot save %1&lt;/b&gt;: %2</source>
        <translation>&lt;b&gt;%1 kann nicht gespeichert werden&lt;/b&gt;: %2</translation>
    </message>
    <message>
        <source>Endpoints: certificate accepted for %1 only</source>
        <translation>Endpoints: Zertifikat nur für %1 akzeptiert</translation>
    </message>
    <message>
        <source>Run &amp;all</source>
        <translation>&amp;Alle ausführen</translation>
    </message>
    <message>
        <source>Run &amp;selected</source>
        <translation>Aus&amp;gewählte ausführen</translation>
    </message>
    <message>
        <source>Save results…</source>
        <translation>Ergebnisse speichern…</translation>
    </message>
    <message>
        <source>%v of %m</source>
        <translation>%v von %m</translation>
    </message>
    <message>
        <source>Save suite results</source>
        <translation>Suite-Ergebnisse speichern</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Cases by seed 000 checklist item</source>
        <translation>Testfälle nach Punkt der Seed-000-Checkliste</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <source>Assertion</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <source>Reason / evidence</source>
        <translation>Grund / Nachweis</translation>
    </message>
    <message>
        <source>Click a row of the table to see its assertions and the responses&apos; evidence.</source>
        <translation>Klicken Sie auf eine Zeile der Tabelle, um ihre Prüfungen und die Nachweise aus den Antworten zu sehen.</translation>
    </message>
    <message>
        <source>other</source>
        <translation>Sonstige</translation>
    </message>
    <message>
        <source>%1 — not for the %2 generation (only %3)</source>
        <translation>%1 — nicht für die Generation %2 (nur %3)</translation>
    </message>
    <message>
        <source>No case selected.</source>
        <translation>Kein Testfall ausgewählt.</translation>
    </message>
    <message>
        <source>Endpoints: running %1 cases against %2…</source>
        <translation>Endpoints: %1 Testfälle laufen gegen %2…</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>bestanden</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>inconclusive</source>
        <translation>unklar</translation>
    </message>
    <message>
        <source>errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>ausgelassen</translation>
    </message>
    <message>
        <source> — &lt;b style=&apos;color:#2e7d32&apos;&gt;every case passed&lt;/b&gt;</source>
        <translation> — &lt;b style=&apos;color:#2e7d32&apos;&gt;alle Testfälle bestanden&lt;/b&gt;</translation>
    </message>
    <message>
        <source> — &lt;b style=&apos;color:#c62828&apos;&gt;not all passed&lt;/b&gt;</source>
        <translation> — &lt;b style=&apos;color:#c62828&apos;&gt;nicht alle bestanden&lt;/b&gt;</translation>
    </message>
    <message>
        <source>observed: %1</source>
        <translation>beobachtet: %1</translation>
    </message>
    <message>
        <source>WARNING</source>
        <translation>WARNUNG</translation>
    </message>
    <message>
        <source>── step %1: %2 %3
</source>
        <translation>── Schritt %1: %2 %3
</translation>
    </message>
    <message>
        <source>status %1, %2 ms, TTFB %3, first token %4
</source>
        <translation>Status %1, %2 ms, TTFB %3, erstes Token %4
</translation>
    </message>
    <message>
        <source>no response: %1 — %2
</source>
        <translation>keine Antwort: %1 — %2
</translation>
    </message>
    <message>
        <source>request: %1
</source>
        <translation>Anfrage: %1
</translation>
    </message>
    <message>
        <source>stream: %1 events, text: %2
</source>
        <translation>Stream: %1 Events, Text: %2
</translation>
    </message>
    <message>
        <source>body: %1
</source>
        <translation>Body: %1
</translation>
    </message>
    <message>
        <source>There are no suite results to save yet.</source>
        <translation>Es gibt noch keine Suite-Ergebnisse zum Speichern.</translation>
    </message>
    <message>
        <source>%1 exists already; it was not replaced.</source>
        <translation>%1 existiert bereits; die Datei wurde nicht ersetzt.</translation>
    </message>
    <message>
        <source>Endpoints: suite results saved to %1</source>
        <translation>Endpoints: Suite-Ergebnisse unter %1 gespeichert</translation>
    </message>
    <message>
        <source>S&amp;treaming</source>
        <translation>S&amp;treaming</translation>
    </message>
    <message>
        <source>S&amp;tart</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>&amp;Requests (N):</source>
        <translation>&amp;Anfragen (N):</translation>
    </message>
    <message>
        <source>&amp;Concurrency (C):</source>
        <translation>&amp;Parallelität (C):</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Done:</source>
        <translation>Erledigt:</translation>
    </message>
    <message>
        <source>Requests/s:</source>
        <translation>Anfragen/s:</translation>
    </message>
    <message>
        <source>Latency:</source>
        <translation>Latenz:</translation>
    </message>
    <message>
        <source>By status:</source>
        <translation>Nach Status:</translation>
    </message>
    <message>
        <source>Each request: %1 %2 from the Request tab (its body&apos;s &quot;stream&quot; follows the check box).</source>
        <translation>Jede Anfrage: %1 %2 aus dem Reiter „Anfrage“ („stream“ im Body richtet sich nach dem Kontrollkästchen).</translation>
    </message>
    <message>
        <source>Running %1 requests at concurrency %2 against %3…</source>
        <translation>%1 Anfragen laufen mit Parallelität %2 gegen %3…</translation>
    </message>
    <message>
        <source>Endpoints: load run started</source>
        <translation>Endpoints: Lasttest gestartet</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; of %2</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; von %2</translation>
    </message>
    <message>
        <source>p50 &lt;b&gt;%1&lt;/b&gt; · p95 &lt;b&gt;%2&lt;/b&gt; · p99 &lt;b&gt;%3&lt;/b&gt; · max %4 · TTFB p50 %5</source>
        <translation>p50 &lt;b&gt;%1&lt;/b&gt; · p95 &lt;b&gt;%2&lt;/b&gt; · p99 &lt;b&gt;%3&lt;/b&gt; · max. %4 · TTFB p50 %5</translation>
    </message>
    <message>
        <source> — &lt;b&gt;%1 errors&lt;/b&gt;</source>
        <translation> — &lt;b&gt;%1 Fehler&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Load</source>
        <comment>tab: load test (N requests at concurrency C)</comment>
        <translation>Last</translation>
    </message>
</context>
<context>
    <name>codex::ui::LoadHistogramWidget</name>
    <message>
        <source>Latency histogram (requests per bucket, upper bound in ms)</source>
        <translation>Latenz-Histogramm (Anfragen pro Bucket, Obergrenze in ms)</translation>
    </message>
    <message>
        <source>requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>latency ≤ ms</source>
        <translation>Latenz ≤ ms</translation>
    </message>
</context>
<context>
    <name>codex::ui::MainWindow</name>
    <message>
        <source>Codex Admin</source>
        <translation>Codex Admin</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open Workspace…</source>
        <translation>Arbeitsbereich ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Codex Admin</source>
        <translation>Ü&amp;ber Codex Admin</translation>
    </message>
    <message>
        <source>About Codex Admin</source>
        <translation>Über Codex Admin</translation>
    </message>
    <message>
        <source>&lt;b&gt;Codex Admin %1&lt;/b&gt;&lt;br/&gt;Administration console for the codex archive and the ccproxy Codex rollout.&lt;br/&gt;Log file: %2</source>
        <translation>&lt;b&gt;Codex Admin %1&lt;/b&gt;&lt;br/&gt;Verwaltungskonsole für das codex-Archiv und das Codex-Rollout von ccproxy.&lt;br/&gt;Protokolldatei: %2</translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation>Arbeitsbereich: %1</translation>
    </message>
    <message>
        <source>Codex Admin — %1</source>
        <translation>Codex Admin — %1</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Ungespeicherte Änderungen</translation>
    </message>
    <message>
        <source>%1 has unsaved changes. Discard them?</source>
        <translation>%1 enthält ungespeicherte Änderungen. Verwerfen?</translation>
    </message>
    <message>
        <source>Open a workspace (a folder holding .codex/)</source>
        <translation>Arbeitsbereich öffnen (ein Ordner mit .codex/)</translation>
    </message>
    <message>
        <source>A batch is running</source>
        <translation>Ein Stapel läuft</translation>
    </message>
    <message>
        <source>A batch restore is still running. Cancel it? Items being restored are finished or rolled back, nothing is left half-written, and the run can be resumed from its journal later.</source>
        <translation>Eine Stapel-Wiederherstellung läuft noch. Abbrechen? Laufende Einträge werden abgeschlossen oder zurückgenommen, nichts bleibt halb geschrieben, und der Lauf kann später aus seinem Journal fortgesetzt werden.</translation>
    </message>
    <message>
        <source>Cancel the batch</source>
        <translation>Stapel abbrechen</translation>
    </message>
    <message>
        <source>Keep working</source>
        <translation>Weiterarbeiten</translation>
    </message>
    <message>
        <source>The batch has not stopped yet; try again in a moment.</source>
        <translation>Der Stapel hat noch nicht angehalten; versuchen Sie es gleich noch einmal.</translation>
    </message>
    <message>
        <source>Demo simulator</source>
        <translation>Demo-Simulator</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%n blocked item(s)</source>
        <translation>
            <numerusform>%n blockierter Punkt</numerusform>
            <numerusform>%n blockierte Punkte</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sign-off(s) changed or tampered</source>
        <translation>
            <numerusform>%n Freigabe geändert oder manipuliert</numerusform>
            <numerusform>%n Freigaben geändert oder manipuliert</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>codex::ui::MonitorChartPanel</name>
    <message>
        <source>PNG…</source>
        <translation>PNG…</translation>
    </message>
    <message>
        <source>Export this panel as a PNG image</source>
        <translation>Dieses Diagramm als PNG-Bild exportieren</translation>
    </message>
    <message>
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <source>Export this panel&apos;s points as CSV (time, one column per series)</source>
        <translation>Die Punkte dieses Diagramms als CSV exportieren (Zeit, eine Spalte pro Zeitreihe)</translation>
    </message>
    <message>
        <source>%1 exists already; not overwritten</source>
        <translation>%1 existiert bereits; nicht überschrieben</translation>
    </message>
    <message>
        <source>Cannot render the panel %1 as PNG</source>
        <translation>Das Diagramm %1 kann nicht als PNG gerendert werden</translation>
    </message>
</context>
<context>
    <name>codex::ui::MonitorPage</name>
    <message>
        <source>Monitor</source>
        <translation>Monitor</translation>
    </message>
    <message>
        <source>http://127.0.0.1:8000/metrics (several: separate with spaces)</source>
        <translation>http://127.0.0.1:8000/metrics (mehrere durch Leerzeichen trennen)</translation>
    </message>
    <message>
        <source>ccproxy /metrics endpoints scraped directly</source>
        <translation>Direkt abgefragte /metrics-Endpoints von ccproxy</translation>
    </message>
    <message>
        <source>token ref: env:VAR / keychain:NAME</source>
        <translation>Token-Referenz: env:VAR / keychain:NAME</translation>
    </message>
    <message>
        <source>Where the scrape&apos;s bearer token comes from; the token itself is never saved</source>
        <translation>Woher das Bearer-Token für den Scrape kommt; das Token selbst wird nie gespeichert</translation>
    </message>
    <message>
        <source>Prometheus URL (optional)</source>
        <translation>Prometheus-URL (optional)</translation>
    </message>
    <message>
        <source>ccproxy names</source>
        <translation>ccproxy-Namen</translation>
    </message>
    <message>
        <source>seed spelling</source>
        <translation>Schreibweise des Seeds</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>benutzerdefiniert</translation>
    </message>
    <message>
        <source>Metric and label names: the real ccproxy names, the seed&apos;s spelling (which no ccproxy version emits) or a custom naming from monitor.json</source>
        <translation>Metrik- und Label-Namen: die echten ccproxy-Namen, die Schreibweise des Seeds (die keine ccproxy-Version ausgibt) oder eine eigene Benennung aus monitor.json</translation>
    </message>
    <message>
        <source>all traffic</source>
        <translation>gesamter Traffic</translation>
    </message>
    <message>
        <source>by endpoint</source>
        <translation>nach Endpoint</translation>
    </message>
    <message>
        <source>by model</source>
        <translation>nach Modell</translation>
    </message>
    <message>
        <source>rate %1 s</source>
        <translation>Rate %1 s</translation>
    </message>
    <message>
        <source>rate %1 m</source>
        <translation>Rate %1 min</translation>
    </message>
    <message>
        <source>Window of rate() and histogram_quantile()</source>
        <translation>Zeitfenster von rate() und histogram_quantile()</translation>
    </message>
    <message>
        <source>5 m</source>
        <translation>5 min</translation>
    </message>
    <message>
        <source>15 m</source>
        <translation>15 min</translation>
    </message>
    <message>
        <source>1 h</source>
        <translation>1 h</translation>
    </message>
    <message>
        <source>6 h</source>
        <translation>6 h</translation>
    </message>
    <message>
        <source>24 h</source>
        <translation>24 h</translation>
    </message>
    <message>
        <source>Time window shown</source>
        <translation>Angezeigtes Zeitfenster</translation>
    </message>
    <message>
        <source>every %1 s</source>
        <translation>alle %1 s</translation>
    </message>
    <message>
        <source>Refresh interval (one scrape per interval)</source>
        <translation>Aktualisierungsintervall (ein Scrape pro Intervall)</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Scrape:</source>
        <translation>Scrape:</translation>
    </message>
    <message>
        <source>Prometheus:</source>
        <translation>Prometheus:</translation>
    </message>
    <message>
        <source>Window:</source>
        <translation>Zeitfenster:</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>Diagramme</translation>
    </message>
    <message>
        <source>PromQL</source>
        <translation>PromQL</translation>
    </message>
    <message>
        <source>Not a URL: %1</source>
        <translation>Keine URL: %1</translation>
    </message>
    <message>
        <source>Mark stage…</source>
        <translation>Stufe markieren…</translation>
    </message>
    <message>
        <source>Place a rollout stage marker (staging, canary 5 %, canary 10 %, full, …) now or at a time you click on a chart</source>
        <translation>Eine Markierung für eine Rollout-Stufe setzen (Staging, Canary 5 %, Canary 10 %, Vollständig, …), jetzt oder zu einem Zeitpunkt, den Sie in einem Diagramm anklicken</translation>
    </message>
    <message>
        <source>Marker the before/after comparison is computed across</source>
        <translation>Markierung, um die herum der Vorher-nachher-Vergleich berechnet wird</translation>
    </message>
    <message>
        <source>± rate window × 5</source>
        <translation>± Ratenfenster × 5</translation>
    </message>
    <message>
        <source>± 1 m</source>
        <translation>± 1 min</translation>
    </message>
    <message>
        <source>± 5 m</source>
        <translation>± 5 min</translation>
    </message>
    <message>
        <source>± 15 m</source>
        <translation>± 15 min</translation>
    </message>
    <message>
        <source>± 1 h</source>
        <translation>± 1 h</translation>
    </message>
    <message>
        <source>Whose p50/p95/p99 the latency panel shows</source>
        <translation>Wessen p50/p95/p99 das Latenzdiagramm zeigt</translation>
    </message>
    <message>
        <source>Compare across:</source>
        <translation>Vergleich um:</translation>
    </message>
    <message>
        <source>Latency of:</source>
        <translation>Latenz von:</translation>
    </message>
    <message>
        <source>Request rate</source>
        <translation>Anfragerate</translation>
    </message>
    <message>
        <source>req/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <source>Error rate (5xx share)</source>
        <translation>Fehlerrate (Anteil 5xx)</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>Latency p50 / p95 / p99</source>
        <translation>Latenz p50 / p95 / p99</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>Restore latency (evidence log)</source>
        <translation>Latenz der Wiederherstellung (Nachweisprotokoll)</translation>
    </message>
    <message>
        <source>Restore failures (RESTORE_FAIL share)</source>
        <translation>Fehlgeschlagene Wiederherstellungen (Anteil RESTORE_FAIL)</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Zeitreihe</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>Vorher</translation>
    </message>
    <message>
        <source>After</source>
        <translation>Nachher</translation>
    </message>
    <message>
        <source>Δ</source>
        <translation>Δ</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Beginn</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Ende</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Metrik</translation>
    </message>
    <message>
        <source>Worst</source>
        <translation>Schlechtester Wert</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>&lt;b&gt;Before / after&lt;/b&gt; (select or mark a stage)</source>
        <translation>&lt;b&gt;Vorher / nachher&lt;/b&gt; (eine Stufe auswählen oder markieren)</translation>
    </message>
    <message>
        <source>&lt;b&gt;Threshold breaches&lt;/b&gt;</source>
        <translation>&lt;b&gt;Schwellenwertüberschreitungen&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Instant</source>
        <translation>Instant</translation>
    </message>
    <message>
        <source>Range (time window)</source>
        <translation>Range (Zeitfenster)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>At</source>
        <translation>Zeitpunkt</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>Punkte</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>Vorlage:</translation>
    </message>
    <message>
        <source>Request rate (seed query 1)</source>
        <translation>Anfragerate (Seed-Abfrage 1)</translation>
    </message>
    <message>
        <source>5xx rate (seed query 2)</source>
        <translation>5xx-Rate (Seed-Abfrage 2)</translation>
    </message>
    <message>
        <source>p95 latency (seed query 3)</source>
        <translation>p95-Latenz (Seed-Abfrage 3)</translation>
    </message>
    <message>
        <source>Free-form</source>
        <translation>Freie Abfrage</translation>
    </message>
    <message>
        <source>Cannot read the monitor settings — %1. The page uses defaults and will not overwrite the file until it is fixed.</source>
        <translation>Die Monitor-Einstellungen können nicht gelesen werden — %1. Die Seite verwendet Standardwerte und überschreibt die Datei nicht, bis sie korrigiert ist.</translation>
    </message>
    <message>
        <source>Cannot save the monitor settings: %1</source>
        <translation>Die Monitor-Einstellungen können nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>every %1 ms</source>
        <translation>alle %1 ms</translation>
    </message>
    <message>
        <source>(no stage marker)</source>
        <translation>(keine Stufenmarkierung)</translation>
    </message>
    <message>
        <source>No token for %1: %2</source>
        <translation>Kein Token für %1: %2</translation>
    </message>
    <message>
        <source>no scrape URL</source>
        <translation>keine Scrape-URL</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>last scrape failed: %1</source>
        <translation>letzter Scrape fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>waiting for the first scrape…</source>
        <translation>warte auf den ersten Scrape…</translation>
    </message>
    <message numerus="yes">
        <source>%n scrape(s), last at %1</source>
        <translation>
            <numerusform>%n Scrape, zuletzt um %1</numerusform>
            <numerusform>%n Scrapes, zuletzt um %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>No scrape URL: enter ccproxy&apos;s /metrics URL above.</source>
        <translation>Keine Scrape-URL: Geben Sie oben die /metrics-URL von ccproxy ein.</translation>
    </message>
    <message>
        <source>Scrape failed: %1</source>
        <translation>Scrape fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Waiting for the first scrape of %1…</source>
        <translation>Warte auf den ersten Scrape von %1…</translation>
    </message>
    <message>
        <source>Waiting for a second scrape to compute rates…</source>
        <translation>Warte auf einen zweiten Scrape, um Raten zu berechnen…</translation>
    </message>
    <message>
        <source>No evidence log (open a workspace)</source>
        <translation>Kein Nachweisprotokoll (Arbeitsbereich öffnen)</translation>
    </message>
    <message>
        <source>No restore in the evidence log within the window
(%1)</source>
        <translation>Keine Wiederherstellung im Nachweisprotokoll innerhalb des Zeitfensters
(%1)</translation>
    </message>
    <message>
        <source>error rate</source>
        <translation>Fehlerrate</translation>
    </message>
    <message>
        <source>request rate</source>
        <translation>Anfragerate</translation>
    </message>
    <message>
        <source>%1 latency</source>
        <translation>Latenz %1</translation>
    </message>
    <message>
        <source>restore p99</source>
        <translation>Wiederherstellung p99</translation>
    </message>
    <message>
        <source>restore p50</source>
        <translation>Wiederherstellung p50</translation>
    </message>
    <message>
        <source>restore failures</source>
        <translation>Fehlgeschlagene Wiederherstellungen</translation>
    </message>
    <message>
        <source>RESTORE_FAIL share</source>
        <translation>Anteil RESTORE_FAIL</translation>
    </message>
    <message>
        <source>%1 %2%3 (%4)</source>
        <translation>%1 %2%3 (%4)</translation>
    </message>
    <message>
        <source>The naming matches no series — %1</source>
        <translation>Die Benennung trifft auf keine Zeitreihe zu — %1</translation>
    </message>
    <message>
        <source>The naming matches no series</source>
        <translation>Die Benennung trifft auf keine Zeitreihe zu</translation>
    </message>
    <message>
        <source>Mark rollout stage</source>
        <translation>Rollout-Stufe markieren</translation>
    </message>
    <message>
        <source>staging</source>
        <translation>Staging</translation>
    </message>
    <message>
        <source>canary 5 %</source>
        <translation>Canary 5 %</translation>
    </message>
    <message>
        <source>canary 10 %</source>
        <translation>Canary 10 %</translation>
    </message>
    <message>
        <source>full</source>
        <translation>Vollständig</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Jetzt</translation>
    </message>
    <message>
        <source>At a time I click on a chart</source>
        <translation>Zu einem Zeitpunkt, den ich in einem Diagramm anklicke</translation>
    </message>
    <message>
        <source>Stage:</source>
        <translation>Stufe:</translation>
    </message>
    <message>
        <source>When:</source>
        <translation>Zeitpunkt:</translation>
    </message>
    <message>
        <source>Click on a chart at the time of “%1”</source>
        <translation>Klicken Sie in einem Diagramm auf den Zeitpunkt von „%1“</translation>
    </message>
    <message>
        <source>&lt;b&gt;Before / after&lt;/b&gt; — mark a rollout stage to compare</source>
        <translation>&lt;b&gt;Vorher / nachher&lt;/b&gt; — zum Vergleichen eine Rollout-Stufe markieren</translation>
    </message>
    <message>
        <source>&lt;b&gt;Before / after “%1”&lt;/b&gt; (%2, ± %3)</source>
        <translation>&lt;b&gt;Vorher / nachher „%1“&lt;/b&gt; (%2, ± %3)</translation>
    </message>
    <message>
        <source>%1 point(s) before, %2 after</source>
        <translation>%1 Punkt(e) vorher, %2 nachher</translation>
    </message>
    <message>
        <source>ongoing</source>
        <translation>andauernd</translation>
    </message>
    <message>
        <source>⚠ %1 %2 %3 %4 for %5</source>
        <translation>⚠ %1 %2 %3 %4 seit %5</translation>
    </message>
    <message numerus="yes">
        <source> (+%n more)</source>
        <translation>
            <numerusform> (+%n weitere)</numerusform>
            <numerusform> (+%n weitere)</numerusform>
        </translation>
    </message>
    <message>
        <source>Monitor: no threshold breached</source>
        <translation>Monitor: kein Schwellenwert überschritten</translation>
    </message>
    <message>
        <source>No panel %1</source>
        <translation>Kein Diagramm %1</translation>
    </message>
    <message>
        <source>Unknown export format %1 (png or csv)</source>
        <translation>Unbekanntes Exportformat %1 (png oder csv)</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG-Bild (*.png)</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV-Datei (*.csv)</translation>
    </message>
    <message>
        <source>Export panel</source>
        <translation>Diagramm exportieren</translation>
    </message>
    <message>
        <source>Set a Prometheus URL in the source bar first.</source>
        <translation>Legen Sie zuerst in der Quellenleiste eine Prometheus-URL fest.</translation>
    </message>
    <message>
        <source>The query is empty.</source>
        <translation>Die Abfrage ist leer.</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>Läuft…</translation>
    </message>
    <message>
        <source>Prometheus answered with an error (%1): %2</source>
        <translation>Prometheus hat mit einem Fehler geantwortet (%1): %2</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>This query matches no series.</source>
        <translation>Diese Abfrage trifft auf keine Zeitreihe zu.</translation>
    </message>
    <message>
        <source>No series named %1.</source>
        <translation>Keine Zeitreihe namens %1.</translation>
    </message>
    <message>
        <source>Names that exist: %1</source>
        <translation>Vorhandene Namen: %1</translation>
    </message>
    <message numerus="yes">
        <source> … and %n more</source>
        <translation>
            <numerusform> … und %n weiterer</numerusform>
            <numerusform> … und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>(The metric names could not be listed: %1)</source>
        <translation>(Die Metriknamen konnten nicht aufgelistet werden: %1)</translation>
    </message>
    <message numerus="yes">
        <source>%n series (%1), %2 ms</source>
        <translation>
            <numerusform>%n Zeitreihe (%1), %2 ms</numerusform>
            <numerusform>%n Zeitreihen (%1), %2 ms</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>codex::ui::NewRolloutDialog</name>
    <message>
        <source>New rollout</source>
        <translation>Neues Rollout</translation>
    </message>
    <message>
        <source>e.g. Codex parity 2026-11</source>
        <translation>z. B. Codex-Parität 2026-11</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n item(s))</source>
        <translation>
            <numerusform>%1 (%n Punkt)</numerusform>
            <numerusform>%1 (%n Punkte)</numerusform>
        </translation>
    </message>
    <message>
        <source>Template “%1” from seed %2</source>
        <translation>Vorlage „%1“ aus Seed %2</translation>
    </message>
    <message>
        <source>No checklist templates are built in.</source>
        <translation>Es sind keine Checklisten-Vorlagen eingebaut.</translation>
    </message>
    <message>
        <source>Checklists:</source>
        <translation>Checklisten:</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Anlegen</translation>
    </message>
</context>
<context>
    <name>codex::ui::ReportExportDialog</name>
    <message>
        <source>Export report — %1</source>
        <translation>Bericht exportieren — %1</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>HTML (self-contained)</source>
        <translation>HTML (eigenständig)</translation>
    </message>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>&amp;Format:</source>
        <translation>&amp;Format:</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>&amp;Datei:</translation>
    </message>
    <message>
        <source>Rendering the preview of the PDF pages…</source>
        <translation>Vorschau der PDF-Seiten wird erstellt…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Page %1</source>
        <translation>Seite %1</translation>
    </message>
    <message>
        <source>The preview could not be rendered.</source>
        <translation>Die Vorschau konnte nicht erstellt werden.</translation>
    </message>
    <message numerus="yes">
        <source>PDF preview: %n page(s), the first %1 shown</source>
        <translation>
            <numerusform>PDF-Vorschau: %n Seite, davon %1 angezeigt</numerusform>
            <numerusform>PDF-Vorschau: %n Seiten, die ersten %1 angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>PDF preview: %n page(s)</source>
        <translation>
            <numerusform>PDF-Vorschau: %n Seite</numerusform>
            <numerusform>PDF-Vorschau: %n Seiten</numerusform>
        </translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>HTML (*.html)</source>
        <translation>HTML (*.html)</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>Bericht exportieren</translation>
    </message>
    <message>
        <source>Choose a file to export to.</source>
        <translation>Wählen Sie eine Datei für den Export.</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>Nach %1 exportiert</translation>
    </message>
    <message>
        <source>Cannot export to %1: %2</source>
        <translation>Export nach %1 nicht möglich: %2</translation>
    </message>
    <message>
        <source>Replace file?</source>
        <translation>Datei ersetzen?</translation>
    </message>
    <message>
        <source>%1 exists. Replace it?</source>
        <translation>%1 existiert bereits. Ersetzen?</translation>
    </message>
</context>
<context>
    <name>codex::ui::RestoreDialog</name>
    <message numerus="yes">
        <source>Restore %n item(s)</source>
        <translation>
            <numerusform>%n Element wiederherstellen</numerusform>
            <numerusform>%n Elemente wiederherstellen</numerusform>
        </translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Restore &amp;into:</source>
        <translation>Wiederherstellen &amp;in:</translation>
    </message>
    <message>
        <source>Keep repository paths (folder/repo/path)</source>
        <translation>Repository-Pfade beibehalten (Ordner/Repo/Pfad)</translation>
    </message>
    <message>
        <source>File names only (folder/name)</source>
        <translation>Nur Dateinamen (Ordner/Name)</translation>
    </message>
    <message>
        <source>&amp;Layout:</source>
        <translation>&amp;Ordnerstruktur:</translation>
    </message>
    <message>
        <source>Skip it and report the conflict</source>
        <translation>Überspringen und den Konflikt melden</translation>
    </message>
    <message>
        <source>Write a new name: file (1).ext</source>
        <translation>Unter neuem Namen schreiben: Datei (1).ext</translation>
    </message>
    <message>
        <source>Overwrite the existing file</source>
        <translation>Vorhandene Datei überschreiben</translation>
    </message>
    <message>
        <source>When a file &amp;exists:</source>
        <translation>Wenn die Datei &amp;existiert:</translation>
    </message>
    <message>
        <source>Recorded &amp;actor:</source>
        <translation>Protokollierter &amp;Akteur:</translation>
    </message>
    <message>
        <source>Tombstone</source>
        <translation>Tombstone</translation>
    </message>
    <message>
        <source>Output (editable)</source>
        <translation>Ausgabe (bearbeitbar)</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <source>Nothing is overwritten unless you choose so. Each file is checked against its SHA-256 before it is written, and every restore is recorded in the evidence log.</source>
        <translation>Ohne ausdrückliche Wahl wird nichts überschrieben. Jede Datei wird vor dem Schreiben anhand ihres SHA-256 geprüft, und jede Wiederherstellung wird im Nachweisprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>&amp;Restore</source>
        <translation>&amp;Wiederherstellen</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>Abbre&amp;chen</translation>
    </message>
    <message>
        <source>Restore into</source>
        <translation>Wiederherstellen in</translation>
    </message>
    <message>
        <source>Enter the actor to record in the evidence log.</source>
        <translation>Einen Akteur für das Nachweisprotokoll eingeben.</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>A&amp;nhalten</translation>
    </message>
    <message>
        <source>Cannot open the archive: %1</source>
        <translation>Das Archiv kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <source>restored</source>
        <translation>wiederhergestellt</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 bytes, SHA-256 verified, %2 ms</source>
        <translation>%1 Byte, SHA-256 geprüft, %2 ms</translation>
    </message>
    <message>
        <source>%1 of %2 done: %3 restored, %4 failed</source>
        <translation>%1 von %2 erledigt: %3 wiederhergestellt, %4 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Stopped: %1 restored, %2 failed; the rest was not started.</source>
        <translation>Angehalten: %1 wiederhergestellt, %2 fehlgeschlagen; der Rest wurde nicht begonnen.</translation>
    </message>
    <message>
        <source>Finished: %1 restored, %2 failed.</source>
        <translation>Fertig: %1 wiederhergestellt, %2 fehlgeschlagen.</translation>
    </message>
</context>
<context>
    <name>codex::ui::RolloutPage</name>
    <message>
        <source>Judged live from the data at %1 (re-judged every 30 s while this page is shown). “Evaluate criteria” records an evaluation for the report and the sign-offs.</source>
        <translation>Live anhand der Daten von %1 beurteilt (alle 30 s neu beurteilt, solange diese Seite angezeigt wird). „Kriterien auswerten“ hält eine Auswertung für den Bericht und die Freigaben fest.</translation>
    </message>
    <message>
        <source>Rollout</source>
        <translation>Rollout</translation>
    </message>
    <message>
        <source>Rollout:</source>
        <translation>Rollout:</translation>
    </message>
    <message>
        <source>New rollout…</source>
        <translation>Neues Rollout…</translation>
    </message>
    <message>
        <source>Me:</source>
        <translation>Ich:</translation>
    </message>
    <message>
        <source>Your name: recorded with every change and used by the “Mine” filter</source>
        <translation>Ihr Name: wird bei jeder Änderung festgehalten und vom Filter „Meine“ verwendet</translation>
    </message>
    <message>
        <source>your name</source>
        <translation>Ihr Name</translation>
    </message>
    <message>
        <source>Collect evidence</source>
        <translation>Nachweise sammeln</translation>
    </message>
    <message>
        <source>Gather the newest endpoint suite run, a health check, batch results, a config snapshot and the evidence log summary into this rollout</source>
        <translation>Den neuesten Lauf der Endpoint-Suite, eine Zustandsprüfung, Stapel-Ergebnisse, einen Konfigurations-Snapshot und die Zusammenfassung des Nachweisprotokolls in dieses Rollout übernehmen</translation>
    </message>
    <message>
        <source>Evaluate criteria</source>
        <translation>Kriterien auswerten</translation>
    </message>
    <message>
        <source>Judge the success criteria now and record the result for the report</source>
        <translation>Die Erfolgskriterien jetzt beurteilen und das Ergebnis für den Bericht festhalten</translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation>Bericht exportieren…</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>Blockiert</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>Meine</translation>
    </message>
    <message>
        <source>Search items, keys, owners, notes…</source>
        <translation>Punkte, Schlüssel, Verantwortliche, Notizen suchen…</translation>
    </message>
    <message>
        <source>No rollout selected.</source>
        <translation>Kein Rollout ausgewählt.</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Criterion</source>
        <translation>Kriterium</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>Schwellenwert</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Zeitfenster</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Success criteria</source>
        <translation>Erfolgskriterien</translation>
    </message>
    <message>
        <source>Each sign-off seals the report content with its SHA-256; a later change shows here.</source>
        <translation>Jede Freigabe versiegelt den Berichtsinhalt mit seinem SHA-256; eine spätere Änderung wird hier angezeigt.</translation>
    </message>
    <message>
        <source>Edit roles…</source>
        <translation>Rollen bearbeiten…</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>Freigegeben</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>Kommentar</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Sign-offs</source>
        <translation>Freigaben</translation>
    </message>
    <message>
        <source>Select an item of the checklist to see its details, history and evidence.</source>
        <translation>Einen Punkt der Checkliste auswählen, um seine Details, seinen Verlauf und seine Nachweise zu sehen.</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>niemand</translation>
    </message>
    <message>
        <source>Owner:</source>
        <translation>Verantwortlich:</translation>
    </message>
    <message>
        <source>Note (saved when you leave the field)</source>
        <translation>Notiz (wird beim Verlassen des Felds gespeichert)</translation>
    </message>
    <message>
        <source>Save note</source>
        <translation>Notiz speichern</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>Notiz:</translation>
    </message>
    <message>
        <source>&lt;b&gt;History&lt;/b&gt;</source>
        <translation>&lt;b&gt;Verlauf&lt;/b&gt;</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Zeitpunkt</translation>
    </message>
    <message>
        <source>By</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>Nachweise</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Select a piece of evidence to see its content.</source>
        <translation>Einen Nachweis auswählen, um seinen Inhalt zu sehen.</translation>
    </message>
    <message>
        <source>Attach endpoint suite run…</source>
        <translation>Lauf der Endpoint-Suite anhängen…</translation>
    </message>
    <message>
        <source>Attach metric snapshot</source>
        <translation>Metrik-Snapshot anhängen</translation>
    </message>
    <message>
        <source>Attach health check</source>
        <translation>Zustandsprüfung anhängen</translation>
    </message>
    <message>
        <source>Attach config snapshot</source>
        <translation>Konfigurations-Snapshot anhängen</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>No rollout yet — start one with “New rollout…”</source>
        <translation>Noch kein Rollout — beginnen Sie eines mit „Neues Rollout…“</translation>
    </message>
    <message>
        <source>cannot open the rollouts database</source>
        <translation>die Rollout-Datenbank kann nicht geöffnet werden</translation>
    </message>
    <message>
        <source>%1 — %2/%3 done · %4 blocked · %5/%6 signed</source>
        <translation>%1 — %2/%3 erledigt · %4 blockiert · %5/%6 freigegeben</translation>
    </message>
    <message>
        <source>cannot load rollout “%1”</source>
        <translation>Rollout „%1“ kann nicht geladen werden</translation>
    </message>
    <message>
        <source>Figures and charts of the Monitor page, attached to the selected item (or to the rollout when none is selected)</source>
        <translation>Werte und Diagramme der Seite Monitor, angehängt an den ausgewählten Punkt (oder an das Rollout, wenn keiner ausgewählt ist)</translation>
    </message>
    <message>
        <source>No Monitor page is connected</source>
        <translation>Keine Monitor-Seite verbunden</translation>
    </message>
    <message>
        <source>Enter your name in “Me:” first: every change is recorded with who made it.</source>
        <translation>Geben Sie zuerst Ihren Namen bei „Ich:“ ein: Jede Änderung wird mit ihrem Urheber festgehalten.</translation>
    </message>
    <message>
        <source>Cannot set the status of %1</source>
        <translation>Der Status von %1 kann nicht gesetzt werden</translation>
    </message>
    <message>
        <source>Cannot set the owner of %1</source>
        <translation>Der Verantwortliche für %1 kann nicht gesetzt werden</translation>
    </message>
    <message>
        <source>Cannot save the note of %1</source>
        <translation>Die Notiz zu %1 kann nicht gespeichert werden</translation>
    </message>
    <message>
        <source>The rollouts database is not open.</source>
        <translation>Die Rollout-Datenbank ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>Unknown checklist template “%1”</source>
        <translation>Unbekannte Checklisten-Vorlage „%1“</translation>
    </message>
    <message>
        <source>Choose at least one checklist.</source>
        <translation>Wählen Sie mindestens eine Checkliste.</translation>
    </message>
    <message>
        <source>No rollout is open for editing.</source>
        <translation>Es ist kein Rollout zum Bearbeiten geöffnet.</translation>
    </message>
    <message>
        <source>Sign-off roles</source>
        <translation>Freigaberollen</translation>
    </message>
    <message>
        <source>One role per line (a removed role&apos;s sign-off is revoked):</source>
        <translation>Eine Rolle pro Zeile (die Freigabe einer entfernten Rolle wird widerrufen):</translation>
    </message>
    <message>
        <source> · sign-off of %1</source>
        <translation> · Freigabe durch %1</translation>
    </message>
    <message>
        <source>%1
Key: %2</source>
        <translation>%1
Schlüssel: %2</translation>
    </message>
    <message>
        <source>%1: %2 → %3</source>
        <translation>%1: %2 → %3</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(leer)</translation>
    </message>
    <message>
        <source>%1
old: %2
new: %3</source>
        <translation>%1
alt: %2
neu: %3</translation>
    </message>
    <message>
        <source>No evidence attached to this item.</source>
        <translation>An diesen Punkt ist kein Nachweis angehängt.</translation>
    </message>
    <message>
        <source>No evidence in this rollout yet.</source>
        <translation>Noch keine Nachweise in diesem Rollout.</translation>
    </message>
    <message>
        <source>All evidence of the rollout (select an item for its own).</source>
        <translation>Alle Nachweise des Rollouts (einen Punkt auswählen, um nur seine zu sehen).</translation>
    </message>
    <message>
        <source>The evidence says OK</source>
        <translation>Der Nachweis sagt OK</translation>
    </message>
    <message>
        <source>The evidence shows a failure</source>
        <translation>Der Nachweis zeigt einen Fehlschlag</translation>
    </message>
    <message>
        <source>%1 · %2 · sha256 %3</source>
        <translation>%1 · %2 · sha256 %3</translation>
    </message>
    <message>
        <source>Mark %1</source>
        <translation>Als %1 markieren</translation>
    </message>
    <message>
        <source>Assign to me</source>
        <translation>Mir zuweisen</translation>
    </message>
    <message>
        <source>Clear owner</source>
        <translation>Verantwortlichen entfernen</translation>
    </message>
    <message>
        <source>Attached “%1” to the rollout.</source>
        <translation>„%1“ an das Rollout angehängt.</translation>
    </message>
    <message>
        <source>Attached “%1” to %2.</source>
        <translation>„%1“ an %2 angehängt.</translation>
    </message>
    <message>
        <source>Attach an endpoint suite run</source>
        <translation>Einen Lauf der Endpoint-Suite anhängen</translation>
    </message>
    <message>
        <source>Endpoint suite runs (*.json)</source>
        <translation>Läufe der Endpoint-Suite (*.json)</translation>
    </message>
    <message>
        <source>%1 is not an endpoint suite run</source>
        <translation>%1 ist kein Lauf der Endpoint-Suite</translation>
    </message>
    <message numerus="yes">
        <source>Endpoint suite run %1 attached to %n item(s)</source>
        <translation>
            <numerusform>Lauf %1 der Endpoint-Suite an %n Punkt angehängt</numerusform>
            <numerusform>Lauf %1 der Endpoint-Suite an %n Punkte angehängt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>; %n ticked done</source>
        <translation>
            <numerusform>; %n als erledigt abgehakt</numerusform>
            <numerusform>; %n als erledigt abgehakt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>; %n with failed cases</source>
        <translation>
            <numerusform>; %n mit fehlgeschlagenen Testfällen</numerusform>
            <numerusform>; %n mit fehlgeschlagenen Testfällen</numerusform>
        </translation>
    </message>
    <message>
        <source>Collecting evidence…</source>
        <translation>Nachweise werden gesammelt…</translation>
    </message>
    <message>
        <source>Nothing new to collect.</source>
        <translation>Nichts Neues zu sammeln.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Evidence collected&lt;/b&gt;&lt;br/&gt;</source>
        <translation>&lt;b&gt;Nachweise gesammelt&lt;/b&gt;&lt;br/&gt;</translation>
    </message>
    <message>
        <source>Criteria evaluated and recorded: %1 pass, %2 fail, %3 no data</source>
        <translation>Kriterien ausgewertet und festgehalten: %1 bestanden, %2 fehlgeschlagen, %3 keine Daten</translation>
    </message>
    <message>
        <source>PASS</source>
        <translation>BESTANDEN</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>FEHLSCHLAG</translation>
    </message>
    <message>
        <source>NO DATA</source>
        <translation>KEINE DATEN</translation>
    </message>
    <message>
        <source>Item: %1</source>
        <translation>Punkt: %1</translation>
    </message>
    <message>
        <source>This rollout has no success criteria to judge (or they are being judged).</source>
        <translation>Dieses Rollout hat keine Erfolgskriterien zu beurteilen (oder sie werden gerade beurteilt).</translation>
    </message>
    <message>
        <source>valid ✓</source>
        <translation>gültig ✓</translation>
    </message>
    <message>
        <source>changed after sign-off ⚠</source>
        <translation>nach der Freigabe geändert ⚠</translation>
    </message>
    <message>
        <source>tampered ✗</source>
        <translation>manipuliert ✗</translation>
    </message>
    <message>
        <source>not signed</source>
        <translation>nicht freigegeben</translation>
    </message>
    <message>
        <source>%1
Sealed SHA-256: %2
Current SHA-256: %3</source>
        <translation>%1
Versiegelter SHA-256: %2
Aktueller SHA-256: %3</translation>
    </message>
    <message>
        <source>Sign…</source>
        <translation>Freigeben…</translation>
    </message>
    <message>
        <source>Show changes</source>
        <translation>Änderungen anzeigen</translation>
    </message>
    <message>
        <source>Changes since %1 signed</source>
        <translation>Änderungen seit der Freigabe durch %1</translation>
    </message>
    <message>
        <source>(no difference recorded)</source>
        <translation>(kein Unterschied festgehalten)</translation>
    </message>
    <message>
        <source>The change history could not be read for the report: %1</source>
        <translation>Der Änderungsverlauf konnte für den Bericht nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Report exported to %1</source>
        <translation>Bericht nach %1 exportiert</translation>
    </message>
    <message>
        <source>Signed off as %1 by %2 (sealed SHA-256 %3…).</source>
        <translation>Freigegeben als %1 von %2 (versiegelter SHA-256 %3…).</translation>
    </message>
    <message>
        <source>Detach from this item</source>
        <translation>Von diesem Punkt lösen</translation>
    </message>
</context>
<context>
    <name>codex::ui::SignOffDialog</name>
    <message>
        <source>Sign off as %1</source>
        <translation>Als %1 freigeben</translation>
    </message>
    <message>
        <source>Your sign-off seals the report content as it is now. A later change to the checklist, the evidence or the criteria shows as “changed after sign-off”.</source>
        <translation>Ihre Freigabe versiegelt den Berichtsinhalt in seinem jetzigen Stand. Eine spätere Änderung an der Checkliste, den Nachweisen oder den Kriterien erscheint als „nach der Freigabe geändert“.</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>Rolle:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Optional comment</source>
        <translation>Optionaler Kommentar</translation>
    </message>
    <message>
        <source>&amp;Comment:</source>
        <translation>&amp;Kommentar:</translation>
    </message>
    <message>
        <source>(computed when signing)</source>
        <translation>(wird beim Freigeben berechnet)</translation>
    </message>
    <message>
        <source>Seals SHA-256:</source>
        <translation>Versiegelt SHA-256:</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>Freigeben</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>DEMO — simulated ccproxy at %1</source>
        <translation>DEMO — simulierter ccproxy unter %1</translation>
    </message>
</context>
<context>
    <name>schema</name>
    <message>
        <source>codex archive (generation A)</source>
        <translation>codex archive (Generation A)</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <source>Database that holds the archive: embedded SQLite, PostgreSQL or MariaDB/MySQL.</source>
        <translation>Datenbank, die das Archiv enthält: eingebettetes SQLite, PostgreSQL oder MariaDB/MySQL.</translation>
    </message>
    <message>
        <source>Connection URL: sqlite:///path, postgresql://user:pass@host:5432/db or mysql://user:pass@host:3306/db. Credentials are masked.</source>
        <translation>Verbindungs-URL: sqlite:///path, postgresql://user:pass@host:5432/db oder mysql://user:pass@host:3306/db. Zugangsdaten werden maskiert.</translation>
    </message>
    <message>
        <source>Logging</source>
        <translation>Protokollierung</translation>
    </message>
    <message>
        <source>Lowest level the archive CLI logs.</source>
        <translation>Niedrigste Stufe, die das Archiv-CLI protokolliert.</translation>
    </message>
    <message>
        <source>Structured JSON lines or plain text.</source>
        <translation>Strukturierte JSON-Zeilen oder einfacher Text.</translation>
    </message>
    <message>
        <source>Log file; unset logs to the console only.</source>
        <translation>Protokolldatei; ohne Angabe wird nur auf die Konsole protokolliert.</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Wiederholung</translation>
    </message>
    <message>
        <source>Retry transient errors (connection errors, timeouts, I/O errors).</source>
        <translation>Vorübergehende Fehler wiederholen (Verbindungsfehler, Zeitüberschreitungen, E/A-Fehler).</translation>
    </message>
    <message>
        <source>Tries per item, the first one included.</source>
        <translation>Versuche pro Element, den ersten mitgezählt.</translation>
    </message>
    <message>
        <source>Wait after the first failed attempt, in seconds.</source>
        <translation>Wartezeit nach dem ersten fehlgeschlagenen Versuch, in Sekunden.</translation>
    </message>
    <message>
        <source>Upper bound of any wait, in seconds.</source>
        <translation>Obergrenze jeder Wartezeit, in Sekunden.</translation>
    </message>
    <message>
        <source>Each wait is the previous one times this factor: min(initial_delay x factor^(n-1), max_delay).</source>
        <translation>Jede Wartezeit ist die vorige mal diesem Faktor: min(initial_delay x factor^(n-1), max_delay).</translation>
    </message>
    <message>
        <source>Randomise each wait around its nominal value so retries do not arrive in lockstep.</source>
        <translation>Jede Wartezeit zufällig um ihren Nennwert streuen, damit Wiederholungen nicht im Gleichschritt eintreffen.</translation>
    </message>
    <message>
        <source>Batch restore</source>
        <translation>Stapel-Wiederherstellung</translation>
    </message>
    <message>
        <source>Items restored at the same time (the reference CLI runs them one after another regardless).</source>
        <translation>Gleichzeitig wiederhergestellte Elemente (das Referenz-CLI arbeitet sie trotzdem nacheinander ab).</translation>
    </message>
    <message>
        <source>Seconds one item may take before it fails.</source>
        <translation>Sekunden, die ein Element dauern darf, bevor es als fehlgeschlagen gilt.</translation>
    </message>
    <message>
        <source>Go on with the remaining items after one fails.</source>
        <translation>Nach einem Fehlschlag mit den übrigen Elementen fortfahren.</translation>
    </message>
    <message>
        <source>Performance</source>
        <translation>Leistung</translation>
    </message>
    <message>
        <source>Record timings (duration_ms) for restores.</source>
        <translation>Zeiten (duration_ms) für Wiederherstellungen aufzeichnen.</translation>
    </message>
    <message>
        <source>Also time decompression separately.</source>
        <translation>Auch die Dekomprimierung getrennt messen.</translation>
    </message>
    <message>
        <source>Seed 004: rollback feature flags</source>
        <translation>Seed 004: Feature-Flags für den Rollback</translation>
    </message>
    <message>
        <source>The four exports of the archive deployment guide&apos;s rollback plan.</source>
        <translation>Die vier export-Zeilen aus dem Rollback-Plan der Bereitstellungsanleitung des Archivs.</translation>
    </message>
    <message>
        <source>Seed 004: keep current setup (env only)</source>
        <translation>Seed 004: aktuelle Einrichtung beibehalten (nur Umgebung)</translation>
    </message>
    <message>
        <source>Option 1 of the configuration migration guide.</source>
        <translation>Option 1 der Anleitung zur Konfigurationsmigration.</translation>
    </message>
    <message>
        <source>codex archive (generation B)</source>
        <translation>codex archive (Generation B)</translation>
    </message>
    <message>
        <source>Database that holds the archive. When only CODEX_ARCHIVE_URL is set, inferred from the URL&apos;s scheme.</source>
        <translation>Datenbank, die das Archiv enthält. Ist nur CODEX_ARCHIVE_URL gesetzt, wird sie aus dem Schema der URL abgeleitet.</translation>
    </message>
    <message>
        <source>Plain text or structured JSON lines.</source>
        <translation>Einfacher Text oder strukturierte JSON-Zeilen.</translation>
    </message>
    <message>
        <source>Evidence log file; unset uses .codex/evidence/archive_ops.jsonl.</source>
        <translation>Datei des Nachweisprotokolls; ohne Angabe wird .codex/evidence/archive_ops.jsonl verwendet.</translation>
    </message>
    <message>
        <source>Each wait is the previous one times this factor: min(initial_delay x multiplier^(n-1), max_delay).</source>
        <translation>Jede Wartezeit ist die vorige mal diesem Faktor: min(initial_delay x multiplier^(n-1), max_delay).</translation>
    </message>
    <message>
        <source>Fraction j: each wait is drawn uniformly from [d - d*j, d + d*j].</source>
        <translation>Anteil j: Jede Wartezeit wird gleichverteilt aus [d - d*j, d + d*j] gezogen.</translation>
    </message>
    <message>
        <source>Seed for the jitter so waits are reproducible; unset draws a fresh one.</source>
        <translation>Startwert für die Streuung, damit Wartezeiten reproduzierbar sind; ohne Angabe wird jedes Mal ein neuer gezogen.</translation>
    </message>
    <message>
        <source>Report progress every N items.</source>
        <translation>Fortschritt alle N Elemente melden.</translation>
    </message>
    <message>
        <source>Where the results file goes; unset writes batch_restore_YYYYMMDD_HHMMSS.json in the current folder.</source>
        <translation>Ablageort der Ergebnisdatei; ohne Angabe wird batch_restore_YYYYMMDD_HHMMSS.json in den aktuellen Ordner geschrieben.</translation>
    </message>
    <message>
        <source>Record timings for restores.</source>
        <translation>Zeiten für Wiederherstellungen aufzeichnen.</translation>
    </message>
    <message>
        <source>Write the timings into the evidence log records.</source>
        <translation>Die Zeiten in die Einträge des Nachweisprotokolls schreiben.</translation>
    </message>
    <message>
        <source>ccproxy Codex settings (upstream v0.2, plugins)</source>
        <translation>ccproxy-Codex-Einstellungen (Upstream v0.2, Plugins)</translation>
    </message>
    <message>
        <source>ccproxy v0.2 refuses to start while a legacy OBSERVABILITY__* setting is present</source>
        <translation>ccproxy v0.2 startet nicht, solange eine veraltete OBSERVABILITY__*-Einstellung vorhanden ist</translation>
    </message>
    <message>
        <source>ccproxy v0.2 has no CODEX__* settings; Codex settings live under [plugins.codex] / PLUGINS__CODEX__*</source>
        <translation>ccproxy v0.2 kennt keine CODEX__*-Einstellungen; Codex-Einstellungen stehen unter [plugins.codex] / PLUGINS__CODEX__*</translation>
    </message>
    <message>
        <source>Codex plugin</source>
        <translation>Codex-Plugin</translation>
    </message>
    <message>
        <source>Load the Codex provider plugin.</source>
        <translation>Das Codex-Provider-Plugin laden.</translation>
    </message>
    <message>
        <source>Upstream Codex API.</source>
        <translation>Upstream-Codex-API.</translation>
    </message>
    <message>
        <source>Send the detected Codex CLI instructions and headers with each request.</source>
        <translation>Die erkannten Anweisungen und Header des Codex-CLI mit jeder Anfrage senden.</translation>
    </message>
    <message>
        <source>Metrics plugin</source>
        <translation>Metrik-Plugin</translation>
    </message>
    <message>
        <source>Serve Prometheus metrics on GET /metrics (needed by the Monitor page).</source>
        <translation>Prometheus-Metriken unter GET /metrics bereitstellen (für die Seite Monitor nötig).</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Address the proxy listens on.</source>
        <translation>Adresse, auf der der Proxy lauscht.</translation>
    </message>
    <message>
        <source>Port the proxy listens on.</source>
        <translation>Port, auf dem der Proxy lauscht.</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Sicherheit</translation>
    </message>
    <message>
        <source>When set, clients must send Authorization: Bearer TOKEN.</source>
        <translation>Wenn gesetzt, müssen Clients Authorization: Bearer TOKEN senden.</translation>
    </message>
    <message>
        <source>Emergency disable (v0.2 spelling)</source>
        <translation>Notabschaltung (Schreibweise von v0.2)</translation>
    </message>
    <message>
        <source>The seed&apos;s CODEX__ENABLED=false has no effect on v0.2; this is its equivalent.</source>
        <translation>CODEX__ENABLED=false aus dem Seed wirkt unter v0.2 nicht; dies ist die Entsprechung.</translation>
    </message>
    <message>
        <source>Seed 000: emergency disable as written</source>
        <translation>Seed 000: Notabschaltung wie beschrieben</translation>
    </message>
    <message>
        <source>export CODEX__ENABLED=false — ignored by v0.2.</source>
        <translation>export CODEX__ENABLED=false — von v0.2 ignoriert.</translation>
    </message>
    <message>
        <source>ccproxy Codex settings (fork v0.1.7 + Codex parity)</source>
        <translation>ccproxy-Codex-Einstellungen (Fork v0.1.7 + Codex-Parität)</translation>
    </message>
    <message>
        <source>Codex</source>
        <translation>Codex</translation>
    </message>
    <message>
        <source>Serve the /codex/* routes. false answers every Codex route with 503 (the seed&apos;s emergency disable).</source>
        <translation>Die /codex/*-Routen bereitstellen. Mit false wird jede Codex-Route mit 503 beantwortet (die Notabschaltung aus dem Seed).</translation>
    </message>
    <message>
        <source>What happens to the request&apos;s instructions: replaced by the Codex instructions, appended to, or left as sent.</source>
        <translation>Was mit den Anweisungen der Anfrage geschieht: durch die Codex-Anweisungen ersetzt, ergänzt oder unverändert weitergegeben.</translation>
    </message>
    <message>
        <source>Fetch model limits from the upstream instead of the built-in table.</source>
        <translation>Modellgrenzen vom Upstream abrufen statt aus der eingebauten Tabelle.</translation>
    </message>
    <message>
        <source>max_tokens used when the model&apos;s limit is unknown.</source>
        <translation>max_tokens, wenn die Grenze des Modells unbekannt ist.</translation>
    </message>
    <message>
        <source>Pass n, logprobs, functions … upstream instead of answering 400.</source>
        <translation>n, logprobs, functions … an den Upstream weiterreichen, statt mit 400 zu antworten.</translation>
    </message>
    <message>
        <source>Replace client headers with the Codex CLI&apos;s.</source>
        <translation>Client-Header durch die des Codex-CLI ersetzen.</translation>
    </message>
    <message>
        <source>Log request and response bodies (may contain prompts).</source>
        <translation>Inhalte von Anfragen und Antworten protokollieren (können Prompts enthalten).</translation>
    </message>
    <message>
        <source>Local port of the OAuth login callback.</source>
        <translation>Lokaler Port des OAuth-Login-Callbacks.</translation>
    </message>
    <message>
        <source>When set, clients must send Authorization: Bearer TOKEN (the /codex/* routes of this generation take no proxy auth).</source>
        <translation>Wenn gesetzt, müssen Clients Authorization: Bearer TOKEN senden (die /codex/*-Routen dieser Generation verlangen keine Proxy-Authentifizierung).</translation>
    </message>
    <message>
        <source>Observability</source>
        <translation>Beobachtbarkeit</translation>
    </message>
    <message>
        <source>Push metrics to this Prometheus Pushgateway.</source>
        <translation>Metriken an dieses Prometheus-Pushgateway senden.</translation>
    </message>
    <message>
        <source>Feature flags: conservative defaults</source>
        <translation>Feature-Flags: vorsichtige Standardwerte</translation>
    </message>
    <message>
        <source>Seed 000: start with injection disabled and no dynamic model info.</source>
        <translation>Seed 000: mit abgeschalteter Injektion und ohne dynamische Modellinformationen beginnen.</translation>
    </message>
    <message>
        <source>Feature flags: enable append injection</source>
        <translation>Feature-Flags: Injektion im Modus „append“ einschalten</translation>
    </message>
    <message>
        <source>Seed 000: gradually enable features — instructions appended.</source>
        <translation>Seed 000: Funktionen schrittweise einschalten — Anweisungen werden angehängt.</translation>
    </message>
    <message>
        <source>Feature flags: append + dynamic model info</source>
        <translation>Feature-Flags: append + dynamische Modellinformationen</translation>
    </message>
    <message>
        <source>Seed 000: all new features on.</source>
        <translation>Seed 000: alle neuen Funktionen eingeschaltet.</translation>
    </message>
    <message>
        <source>Partial rollback</source>
        <translation>Teilweiser Rollback</translation>
    </message>
    <message>
        <source>Seed 000: disable specific features while keeping improvements.</source>
        <translation>Seed 000: einzelne Funktionen abschalten, Verbesserungen beibehalten.</translation>
    </message>
    <message>
        <source>Emergency disable</source>
        <translation>Notabschaltung</translation>
    </message>
    <message>
        <source>Seed 000: export CODEX__ENABLED=false and restart ccproxy.</source>
        <translation>Seed 000: export CODEX__ENABLED=false setzen und ccproxy neu starten.</translation>
    </message>
</context>
</TS>
