<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ConfigKeyModel</name>
    <message>
        <source>default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>env</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>.env</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>override</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This value breaks the rule: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shadowed (lower precedence)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set but ignored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>env %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Effective value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Origin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 (expected %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>built-in default</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConfigPage</name>
    <message>
        <source>Archive — archive.toml</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ccproxy — Codex settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive: %1 · %2 · profile %3%4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · configuration invalid</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConfigPanel</name>
    <message>
        <source>&amp;Precedence profile:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo the last edit (Ctrl+Z)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redo (Ctrl+Shift+Z)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard edits and read the file again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show secrets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show credentials in URLs and tokens in clear (never logged)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review and Save…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>See the diff, then save atomically with a backup (Ctrl+S)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reload from disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep my edits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Precedence chain&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;What-if environment&lt;/b&gt; — edit variables here to see their effect; the real environment is not touched.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add or change a variable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected variable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load .env…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add the variables of a .env file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The seeds&apos; rollback flags and feature-flag stages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to the process environment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — as environment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — write to the file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard edits?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reloading discards your unsaved edits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was changed on disk by another program while you have unsaved edits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 changed on disk and was reloaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redo: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switching the profile reopens the file and discards your unsaved edits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(unset)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show this value in clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove %1 from the file (its line is deleted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credentials are masked. Use the eye to show and edit them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Precedence chain&lt;/b&gt; — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Set but without effect under %1:&lt;/b&gt;&lt;br/&gt;%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — not created yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — &lt;span style=&apos;color:#b26a00&apos;&gt;not read under this profile&lt;/span&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discovery order: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not exist yet: %2. Editing a value creates it when you save.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 cannot be parsed&lt;/b&gt; — line %2, column %3: %4&lt;br/&gt;The file is shown read-only and nothing will be written to it. Fix it in a text editor; it reloads by itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is now set in %2, but %3 still wins under %4.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is set in %2, but %3 does not read that file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not read %2 (%3).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a what-if variable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Variable:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>V&amp;alue:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load a .env file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Environment files (.env *.env);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DiffDialog</name>
    <message>
        <source>Review changes to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the lines below change; everything else in %1 stays byte for byte. The previous file is kept as a timestamped backup.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no changes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was changed on disk since it was opened. Overwrite those changes.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EnvironmentModel</name>
    <message>
        <source>line %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not read under %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sets %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shadowed: %1 comes from %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What-if value (not in the real environment)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the process environment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Effect</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Codex Admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Workspace…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Codex Admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Codex Admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Codex Admin %1&lt;/b&gt;&lt;br/&gt;Administration console for the codex archive and the ccproxy Codex rollout.&lt;br/&gt;Log file: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Codex Admin — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 has unsaved changes. Discard them?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a workspace (a folder holding .codex/)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PrecedenceProfile</name>
    <message>
        <source>Archive — generation A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Whole source: an explicit file wins entirely; else .codex/archive.toml, if it exists, wins entirely and every environment variable is ignored; else environment variables over built-in defaults.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive — generation B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per key: built-in defaults, then the file named by --config or CODEX_ARCHIVE_CONFIG, then each environment variable that is set.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ccproxy — fork / v0.1.7 (the seed&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per key: command line &gt; TOML file &gt; environment &gt; .env &gt; defaults; the environment only fills keys the TOML file does not set.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ccproxy — current v0.2 (plugins)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per key: command line &gt; environment &gt; TOML file &gt; .env &gt; defaults.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
