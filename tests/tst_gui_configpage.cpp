// Drives the real main window like an admin: open a workspace, edit values in the form, watch
// the precedence display react to a what-if environment, review the diff, save, check the bytes.
#include "TestUtil.h"

#include "config/ConfigEditor.h"
#include "models/ConfigKeyModel.h"
#include "models/EnvironmentModel.h"
#include "ui/Banner.h"
#include "ui/ConfigPage.h"
#include "ui/ConfigPanel.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QToolButton>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QTranslator>
#include <QtTest>

using namespace codex;

namespace {

const QByteArray kArchiveToml =
    "# Archive configuration for the staging rollout\n"
    "[backend]\n"
    "type = \"sqlite\"   # embedded\n"
    "url = \"sqlite:///./.codex/archive.sqlite\"\n"
    "\n"
    "[retry]\n"
    "enabled = true\n"
    "max_attempts = 3\n"
    "\n"
    "# batch settings\n"
    "[batch]\n"
    "max_concurrent = 5\n";

// Accepts (or cancels) the next modal dialog once it is up, after letting `inspect` look at it.
void onNextDialog(std::function<void(QDialog *)> inspect, bool accept)
{
    QTimer::singleShot(50, [inspect, accept] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY2(dialog, "expected a modal dialog");
        inspect(dialog);
        if (accept) {
            auto *box = dialog->findChild<QDialogButtonBox *>();
            QPushButton *save = box->button(QDialogButtonBox::Save);
            QVERIFY(save->isEnabled());
            QTest::mouseClick(save, Qt::LeftButton);
        } else {
            dialog->reject();
        }
    });
}

}  // namespace

class TestGuiConfigPage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_toml;
    std::unique_ptr<ui::MainWindow> m_window;
    ui::ConfigPanel *m_panel = nullptr;

    template <typename T>
    T *field(const QString &key)
    {
        T *w = m_panel->findChild<T *>(QStringLiteral("edit_") + key);
        if (!w)
            qFatal("no editor for %s", qPrintable(key));
        return w;
    }
    QString badge(const QString &key)
    {
        return m_panel->findChild<QLabel *>(QStringLiteral("badge_") + key)->text();
    }
    QString origin(const QString &key)
    {
        return m_panel->findChild<QLabel *>(QStringLiteral("origin_") + key)->text();
    }
    QString banner(const char *name)
    {
        return m_panel->findChild<ui::Banner *>(QLatin1String(name))->text();
    }
    void screenshot(const QString &name)
    {
        const QString dir = qEnvironmentVariable("CODEX_ADMIN_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            QTest::qWait(100);  // widgets added to a shown window appear and lay out on later event loop passes
            QDir().mkpath(dir);
            QVERIFY(m_window->grab().save(dir + QLatin1Char('/') + name));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_toml = m_dir.filePath(QStringLiteral(".codex/archive.toml"));
        testutil::writeFile(m_toml, kArchiveToml);
        // The process environment must not leak into the precedence the test expects.
        for (const QString &name : QProcessEnvironment::systemEnvironment().keys())
            if (models::EnvironmentModel::isConfigVariable(name))
                qunsetenv(name.toLocal8Bit().constData());
        m_window = std::make_unique<ui::MainWindow>();
        m_window->resize(1280, 800);
        m_window->openWorkspace(m_dir.path());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_panel = m_window->configPage()->archivePanel();
    }

    void showsEveryKeyWithItsLayer()
    {
        QCOMPARE(field<QComboBox>(QStringLiteral("backend.type"))->currentText(), QStringLiteral("sqlite"));
        QCOMPARE(badge(QStringLiteral("backend.type")), QStringLiteral("file"));
        QCOMPARE(origin(QStringLiteral("backend.type")), QStringLiteral(".codex/archive.toml:3:8"));
        QCOMPARE(badge(QStringLiteral("logging.level")), QStringLiteral("default"));
        QCOMPARE(field<QSpinBox>(QStringLiteral("retry.max_attempts"))->value(), 3);
        QVERIFY(field<QCheckBox>(QStringLiteral("retry.enabled"))->isChecked());
        auto *status = m_window->findChild<QLabel *>(QStringLiteral("backendLabel"));
        QVERIFY2(status->text().contains(QStringLiteral("sqlite")), qPrintable(status->text()));
        screenshot(QStringLiteral("config-file-value.png"));
    }

    void editingAValueChangesOnlyItsBytes()
    {
        auto *spin = field<QSpinBox>(QStringLiteral("retry.max_attempts"));
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, QStringLiteral("7"));
        QTest::keyClick(spin, Qt::Key_Return);
        QCOMPARE(m_panel->editor()->document().find(QStringLiteral("retry.max_attempts"))->value.toLongLong(), 7);
        QVERIFY(m_panel->hasUnsavedChanges());
        // The chain pane follows the focused key.
        auto *chain = m_panel->findChild<QTextBrowser *>(QStringLiteral("chainView"));
        QVERIFY2(chain->toPlainText().contains(QStringLiteral("retry.max_attempts = 7")), qPrintable(chain->toPlainText()));

        QString diffText;
        onNextDialog([&diffText](QDialog *d) { diffText = d->findChild<QPlainTextEdit *>(QStringLiteral("diffView"))->toPlainText(); }, true);
        QVERIFY(m_panel->reviewAndSave());
        QVERIFY2(diffText.contains(QStringLiteral("-max_attempts = 3\n+max_attempts = 7")), qPrintable(diffText));

        QByteArray expected = kArchiveToml;
        expected.replace("max_attempts = 3", "max_attempts = 7");
        QCOMPARE(testutil::readFile(m_toml), expected);
        const QStringList backups = QDir(m_dir.filePath(QStringLiteral(".codex"))).entryList({QStringLiteral("archive.toml.*.bak")});
        QCOMPARE(backups.size(), 1);
        QCOMPARE(testutil::readFile(m_dir.filePath(QStringLiteral(".codex/") + backups.first())), kArchiveToml);
        QVERIFY(!m_panel->hasUnsavedChanges());
    }

    void undoAndRedoRestoreExactBytes()
    {
        auto *check = field<QCheckBox>(QStringLiteral("retry.enabled"));
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(check->height() / 2, check->height() / 2));
        QVERIFY(!check->isChecked());
        QVERIFY(m_panel->editor()->document().bytes().contains("enabled = false\n"));
        QTest::mouseClick(m_panel->findChild<QToolButton *>(QStringLiteral("undoButton")), Qt::LeftButton);
        QCOMPARE(m_panel->editor()->document().bytes(), testutil::readFile(m_toml));
        QVERIFY(check->isChecked());
        QTest::mouseClick(m_panel->findChild<QToolButton *>(QStringLiteral("redoButton")), Qt::LeftButton);
        QVERIFY(!check->isChecked());
        QTest::mouseClick(m_panel->findChild<QToolButton *>(QStringLiteral("undoButton")), Qt::LeftButton);
        QVERIFY(!m_panel->hasUnsavedChanges());
    }

    void badValueIsRefusedWithKeyValueAndRule()
    {
        auto *url = field<QLineEdit>(QStringLiteral("backend.url"));
        url->setFocus();
        url->selectAll();
        QTest::keyClicks(url, QStringLiteral("ftp://nowhere/archive"));
        QVERIFY2(url->styleSheet().contains(QStringLiteral("e53935")), "live validation marks the field");
        QTest::keyClick(url, Qt::Key_Return);
        const QString error = banner("errorBanner");
        QVERIFY2(error.contains(QStringLiteral("backend.url")) && error.contains(QStringLiteral("ftp://nowhere/archive"))
                     && error.contains(QStringLiteral("scheme")),
                 qPrintable(error));
        QVERIFY(!m_panel->hasUnsavedChanges());
        QCOMPARE(url->text(), QStringLiteral("sqlite:///./.codex/archive.sqlite"));
    }

    void environmentIgnoredUnderGenerationA()
    {
        m_panel->environmentModel()->setVariable(QStringLiteral("CODEX_ARCHIVE_RETRY_ENABLED"), QStringLiteral("false"));
        m_panel->applyPreset(QStringLiteral("seed-004-rollback"), false);
        QCOMPARE(badge(QStringLiteral("retry.enabled")), QStringLiteral("file"));
        QVERIFY(field<QCheckBox>(QStringLiteral("retry.enabled"))->isChecked());
        const QString warning = banner("warningBanner");
        QVERIFY2(warning.contains(QStringLiteral("generation A reads no environment while .codex/archive.toml exists")),
                 qPrintable(warning));
        QVERIFY2(warning.contains(QStringLiteral("CODEX_ARCHIVE_CONFIG_DISABLED")), qPrintable(warning));
        QVERIFY(origin(QStringLiteral("retry.enabled")).contains(QStringLiteral("⚠")));
        m_panel->selectKey(QStringLiteral("retry.enabled"));
        screenshot(QStringLiteral("config-env-ignored.png"));
    }

    void environmentWinsUnderGenerationB()
    {
        m_panel->environmentModel()->setVariable(QStringLiteral("CODEX_ARCHIVE_CONFIG"), QStringLiteral(".codex/archive.toml"));
        m_panel->setProfile(QStringLiteral("b"));
        // Generation B has other key names; the form was rebuilt for its schema.
        QCOMPARE(badge(QStringLiteral("retry.enabled")), QStringLiteral("env"));
        QVERIFY(!field<QCheckBox>(QStringLiteral("retry.enabled"))->isChecked());
        QCOMPARE(origin(QStringLiteral("retry.enabled")), QStringLiteral("env CODEX_ARCHIVE_RETRY_ENABLED"));
        QCOMPARE(badge(QStringLiteral("batch.concurrent")), QStringLiteral("env"));
        QCOMPARE(field<QSpinBox>(QStringLiteral("batch.concurrent"))->value(), 1);
        m_panel->selectKey(QStringLiteral("retry.enabled"));
        auto *chain = m_panel->findChild<QTextBrowser *>(QStringLiteral("chainView"));
        QVERIFY2(chain->toPlainText().contains(QStringLiteral(".codex/archive.toml:7:11")), qPrintable(chain->toPlainText()));
        screenshot(QStringLiteral("config-env-wins.png"));

        m_panel->environmentModel()->removeVariable(QStringLiteral("CODEX_ARCHIVE_CONFIG"));
        QVERIFY2(banner("warningBanner").contains(QStringLiteral("generation B reads .codex/archive.toml only when")),
                 qPrintable(banner("warningBanner")));
        m_panel->environmentModel()->resetToBase();
        m_panel->setProfile(QStringLiteral("a"));
        QCOMPARE(badge(QStringLiteral("retry.enabled")), QStringLiteral("file"));
    }

    void ccproxyRollbackExportShadowedByToml()
    {
        testutil::writeFile(m_dir.filePath(QStringLiteral(".ccproxy.toml")),
                            "[codex]\nsystem_prompt_injection_mode = \"override\"\n");
        m_window->configPage()->tabs()->setCurrentIndex(1);
        ui::ConfigPanel *cc = m_window->configPage()->ccproxyPanel();
        cc->setWorkspace(Workspace(m_dir.path()));
        cc->applyPreset(QStringLiteral("partial-rollback"), false);
        QCOMPARE(cc->findChild<QLabel *>(QStringLiteral("badge_codex.system_prompt_injection_mode"))->text(), QStringLiteral("file"));
        QCOMPARE(cc->findChild<QLabel *>(QStringLiteral("badge_codex.enable_dynamic_model_info"))->text(), QStringLiteral("env"));
        const QString warning = cc->findChild<ui::Banner *>(QStringLiteral("warningBanner"))->text();
        QVERIFY2(warning.contains(QStringLiteral("CODEX__SYSTEM_PROMPT_INJECTION_MODE=disabled")), qPrintable(warning));
        QVERIFY2(warning.contains(QStringLiteral(".ccproxy.toml:2:32")), qPrintable(warning));
        screenshot(QStringLiteral("config-ccproxy.png"));
        m_window->configPage()->tabs()->setCurrentIndex(0);
    }

    void malformedFileOpensReadOnly()
    {
        const QByteArray broken = "[backend]\ntype = \"sqlite\"\nurl = = 3\n";
        testutil::writeFile(m_toml, broken);
        QTest::mouseClick(m_panel->findChild<QToolButton *>(QStringLiteral("reloadButton")), Qt::LeftButton);
        auto *label = m_panel->findChild<QLabel *>(QStringLiteral("malformedLabel"));
        QTRY_VERIFY(label->isVisible());
        QVERIFY2(label->text().contains(QStringLiteral("line 3, column 7")), qPrintable(label->text()));
        QCOMPARE(m_panel->findChild<QPlainTextEdit *>(QStringLiteral("malformedView"))->toPlainText().toUtf8(), broken);
        QVERIFY(!field<QSpinBox>(QStringLiteral("retry.max_attempts"))->isEnabled());
        QVERIFY(!m_panel->reviewAndSave());
        QCOMPARE(testutil::readFile(m_toml), broken);
        screenshot(QStringLiteral("config-malformed.png"));
    }

    void fileChangedOnDiskReloadsWhenClean()
    {
        testutil::writeFile(m_toml, kArchiveToml);
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->editor()->hasParseError(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(field<QSpinBox>(QStringLiteral("retry.max_attempts"))->value(), 3, 10000);
    }

    void germanTranslationCoversTheConfigPage()
    {
        QTranslator de;
        QVERIFY(de.load(QStringLiteral(":/i18n/codex-admin_de.qm")));
        const char *contexts[] = {"codex::ui::ConfigPanel", "codex::ui::ConfigPage", "codex::models::ConfigKeyModel",
                                  "codex::models::EnvironmentModel", "codex::ui::DiffDialog"};
        QVERIFY(!de.translate("codex::ui::ConfigPage", "Config").isEmpty());
        QVERIFY(!de.translate("codex::ui::ConfigPanel", "Review and Save…").isEmpty());
        Q_UNUSED(contexts);
    }
};

QTEST_MAIN(TestGuiConfigPage)
#include "tst_gui_configpage.moc"
