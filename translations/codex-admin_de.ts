<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
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
        <source>%1 does not exist yet: %2. Editing a value creates it when you save.</source>
        <translation>%1 existiert noch nicht: %2. Wird ein Wert bearbeitet, entsteht die Datei beim Speichern.</translation>
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
</context>
</TS>
