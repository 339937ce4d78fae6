// codex-admin: the desktop console.
#include "common/Log.h"
#include "common/Workspace.h"
#include "common/SignalWatcher.h"
#include "demo/DemoTraffic.h"
#include "demo/DemoWorkspace.h"
#include "ui/DemoControls.h"
#include "ui/MonitorPage.h"
#include "ui/EndpointsPage.h"
#include "ui/MainWindow.h"
#include "ui/RolloutPage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTimer>
#include <QTranslator>

#include <cstdio>

namespace {

/// Reports the time from process start to the first painted frame (bench_startup reads it).
class FirstPaintProbe : public QObject {
public:
    FirstPaintProbe(QElapsedTimer *clock, bool quit) : m_clock(clock), m_quit(quit) {}
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && !m_done) {
            m_done = true;
            // Report after this paint has been delivered.
            QTimer::singleShot(0, [this] {
                std::printf("first-paint-ms %.1f\n", double(m_clock->nsecsElapsed()) / 1e6);
                std::fflush(stdout);
                if (m_quit)
                    QCoreApplication::quit();
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QElapsedTimer *m_clock;
    bool m_quit;
    bool m_done = false;
};

}  // namespace

int main(int argc, char **argv)
{
    QElapsedTimer clock;
    clock.start();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("codex-admin"));
    QApplication::setOrganizationName(QStringLiteral("codex-admin"));
    QApplication::setApplicationDisplayName(QStringLiteral("Codex Admin"));
    QApplication::setApplicationVersion(QStringLiteral(CODEXADMIN_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("codex-admin"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/codex-admin.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Administration console for the codex archive and the ccproxy Codex rollout."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("workspace"),
                      QStringLiteral("Workspace folder holding .codex/ (default: the current folder when it has "
                                     ".codex/, else the last one used)."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("page"), QStringLiteral("Page to open first: config, archive, batch, monitor, endpoints or rollout."), QStringLiteral("PAGE")});
    parser.addOption({QStringLiteral("demo"),
                      QStringLiteral("Demo mode: a temporary workspace with a sample archive and the ccproxy simulator "
                                     "running in-process; opens the Endpoints page.")});
    parser.addOption({QStringLiteral("lang"), QStringLiteral("User interface language (e.g. de, en)."), QStringLiteral("LANG")});
    parser.process(app);

    codex::log::init({QStringLiteral("codex-admin"), true, true, QStringLiteral("info")});

    QTranslator qtTranslator;
    QTranslator appTranslator;
    const QLocale locale = parser.isSet(QStringLiteral("lang")) ? QLocale(parser.value(QStringLiteral("lang"))) : QLocale();
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(&qtTranslator);
    if (appTranslator.load(locale, QStringLiteral("codex-admin"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        app.installTranslator(&appTranslator);

    // --demo: a temporary workspace (removed at exit) and the simulator, kept alive until app.exec() returns.
    std::unique_ptr<codex::demo::DemoWorkspace> demo;
    if (parser.isSet(QStringLiteral("demo"))) {
        demo = std::make_unique<codex::demo::DemoWorkspace>();
        QString error;
        if (!demo->create(codex::demo::DemoOptions{}, &error)) {
            std::fprintf(stderr, "codex-admin: cannot set up the demo: %s\n", qPrintable(error));
            return 1;
        }
        codex::log::info(QStringLiteral("demo workspace %1, simulator %2").arg(demo->root(), demo->simulatorUrl()));
    }

    const QString requested = parser.value(QStringLiteral("workspace"));
    if (!requested.isEmpty() && !QFileInfo(QDir::current().absoluteFilePath(requested)).isDir()) {
        std::fprintf(stderr, "codex-admin: workspace %s is not a folder\n", qPrintable(requested));
        return 2;
    }
    const QString folder = codex::Workspace::choose(requested, QDir::currentPath(),
                                                    QSettings().value(QStringLiteral("workspace/last")).toString());

    codex::ui::MainWindow window;
    std::unique_ptr<FirstPaintProbe> probe;
    if (qEnvironmentVariableIsSet("CODEX_ADMIN_REPORT_FIRST_PAINT")) {
        probe = std::make_unique<FirstPaintProbe>(&clock, qEnvironmentVariableIntValue("CODEX_ADMIN_REPORT_FIRST_PAINT") == 2);
        window.installEventFilter(probe.get());
    }
    if (demo) {
        // The temporary folder must not become the "last workspace" of the next normal start.
        QSettings settings;
        const QVariant last = settings.value(QStringLiteral("workspace/last"));
        window.openWorkspace(demo->root());
        if (last.isValid())
            settings.setValue(QStringLiteral("workspace/last"), last);
        else
            settings.remove(QStringLiteral("workspace/last"));
        window.setBadge(QCoreApplication::translate("main", "DEMO — simulated ccproxy at %1").arg(demo->simulatorUrl()));
        window.endpointsPage()->selectEnvironment(demo->environmentName());
        // The Monitor watches the simulator's /metrics and the demo's evidence log while steady
        // traffic flows; the controls in the status bar change the simulator's behaviour live.
        window.monitorPage()->setDemoSources(QUrl(demo->simulatorUrl() + QStringLiteral("/metrics")),
                                             codex::Workspace(demo->root()).evidenceLogPath());
        auto *traffic = new codex::demo::DemoTraffic(&window);
        traffic->setBaseUrl(QUrl(demo->simulatorUrl()));
        traffic->start();
        auto *controls = new codex::ui::DemoControls(&window);
        controls->setSimulator(demo->simulator());
        controls->setTraffic(traffic);
        window.addDemoControls(controls);
    } else {
        window.openWorkspace(folder);
    }
    const QString page = parser.isSet(QStringLiteral("page")) ? parser.value(QStringLiteral("page"))
                                                               : qEnvironmentVariable("CODEX_ADMIN_START_PAGE");
    if (page == QLatin1String("archive") || page == QLatin1String("1"))
        window.showPage(1);
    else if (page == QLatin1String("batch") || page == QLatin1String("2"))
        window.showPage(2);
    else if (page == QLatin1String("monitor"))
        window.showPage(window.pageIndex(window.monitorPage()));
    else if (page == QLatin1String("rollout"))
        window.showPage(window.pageIndex(window.rolloutPage()));
    else if (page == QLatin1String("endpoints") || (demo && page.isEmpty()))
        window.showPage(window.pageIndex(window.endpointsPage()));
    window.show();
    // For documentation and visual checks: grab the window once it has settled, then quit.
    const QString shot = qEnvironmentVariable("CODEX_ADMIN_SCREENSHOT");
    if (!shot.isEmpty())
        QTimer::singleShot(800, &window, [&window, shot] {
            if (!window.grab().save(shot))
                std::fprintf(stderr, "codex-admin: cannot write %s\n", qPrintable(shot));
            QCoreApplication::quit();
        });
    // Ctrl-C or a kill ends the app through its event loop, so the demo's temporary workspace
    // is removed and the simulator stopped as on a normal quit.
    codex::SignalWatcher stopOnSignal([](int) { QCoreApplication::quit(); });
    return app.exec();
}
