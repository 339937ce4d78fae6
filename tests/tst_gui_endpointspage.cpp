// The Endpoints page as an admin uses it, against the ccproxy simulator running in-process:
// pick the environment, send a streaming chat request and watch the SSE list and the assembled
// text fill, call a tool, get told about an invalid JSON body, run the preset suite (all pass
// against a correct simulator; the streaming cases fail with the "buffered" reason when the
// simulator buffers), save the results, run a load test with a live histogram, and survive a
// connection refused.
//
// CODEX_ADMIN_WRITE_SCREENSHOTS=1 writes docs/screenshots/endpoints-*.png (1280×800).
#include "TestUtil.h"

#include "models/HistoryModel.h"
#include "models/SseEventModel.h"
#include "models/SuiteResultModel.h"
#include "proxy/EndpointClient.h"
#include "proxy/SecretStore.h"
#include "proxy/Simulator.h"
#include "ui/Banner.h"
#include "ui/EndpointEnvironmentDialog.h"
#include "ui/EndpointResponseView.h"
#include "ui/EndpointsPage.h"
#include "ui/LoadHistogramWidget.h"
#include "ui/MainWindow.h"

#include <QComboBox>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTreeWidget>
#include <QtTest>

using namespace codex;
using namespace codex::proxy;

class TestGuiEndpointsPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_ws;
    std::unique_ptr<Simulator> m_sim;
    std::unique_ptr<ui::MainWindow> m_window;
    ui::EndpointsPage *m_page = nullptr;
    bool m_writeShots = false;

    void screenshot(const QString &name)
    {
        if (!m_writeShots)
            return;
        const QImage image = m_window->grab().toImage();
        const QString dir = QStringLiteral(CODEXADMIN_SOURCE_DIR) + QStringLiteral("/docs/screenshots");
        QDir().mkpath(dir);
        QVERIFY(image.save(dir + QLatin1Char('/') + name));
    }

    SimulatorOptions simOptions(double tokenIntervalMs) const
    {
        SimulatorOptions o;
        o.profileId = QStringLiteral("fork");
        o.tokenIntervalMs = tokenIntervalMs;
        o.workerThreads = 2;
        return o;
    }

    ProxyResponse sendAndWait(int timeoutMs = 20000)
    {
        QSignalSpy spy(m_page, &ui::EndpointsPage::responseFinished);
        if (!m_page->sendButton()->isEnabled()) {
            qWarning("Send is disabled: %s", qPrintable(m_page->sendButton()->toolTip()));
            return {};
        }
        QTest::mouseClick(m_page->sendButton(), Qt::LeftButton);
        if (!spy.wait(timeoutMs))
            return {};
        return spy.first().first().value<ProxyResponse>();
    }

    static QString failures(const SuiteResult &r)
    {
        QStringList out;
        for (const CaseResult &c : r.cases)
            if (c.verdict != Verdict::Pass)
                out << QStringLiteral("%1: %2 %3").arg(c.id, verdictName(c.verdict), c.firstFailure());
        return out.join(QLatin1Char('\n'));
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<ProxyResponse>();
        qRegisterMetaType<SuiteResult>();
        qRegisterMetaType<LoadResult>();
        QVERIFY(m_ws.isValid());
        m_writeShots = qEnvironmentVariableIntValue("CODEX_ADMIN_WRITE_SCREENSHOTS") == 1;
        m_sim = std::make_unique<Simulator>(simOptions(m_writeShots ? 50 : 5));
        QString error;
        QVERIFY2(m_sim->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        m_window = std::make_unique<ui::MainWindow>();
        m_window->openWorkspace(m_ws.path());
        m_page = m_window->endpointsPage();
        QVERIFY(m_page);
        m_page->secrets()->setKeychainDisabled(true);
        Environment env;
        env.name = QStringLiteral("simulator");
        env.baseUrl = QUrl(m_sim->baseUrl());
        env.profileId = QStringLiteral("fork");
        QVERIFY(m_page->addEnvironment(env));
        m_window->showPage(m_window->pageIndex(m_page));
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(m_page->selectEnvironment(QStringLiteral("simulator")));
        // Saved to the workspace, without any secret.
        QVERIFY(QFileInfo::exists(m_page->store().filePath()));
    }

    void streamingChatFillsTheEventListAndText()
    {
        m_page->tabs()->setCurrentIndex(0);
        QVERIFY(m_page->applyTemplate(QStringLiteral("Chat (stream)")));
        QCOMPARE(m_page->pathEdit()->text(), QStringLiteral("/codex/chat/completions"));
        QVERIFY(m_page->bodyErrorLabel()->isHidden());
        QVERIFY(m_page->sendButton()->isEnabled());
        QSignalSpy spy(m_page, &ui::EndpointsPage::responseFinished);
        QTest::mouseClick(m_page->sendButton(), Qt::LeftButton);
        QVERIFY(m_page->isSending());
        QVERIFY(m_page->cancelButton()->isEnabled());
        ui::EndpointResponseView *view = m_page->responseView();
        // Live: events arrive while the call still runs.
        QTRY_VERIFY_WITH_TIMEOUT(view->events()->rowCount() >= 4 || !spy.isEmpty(), 15000);
        if (m_writeShots) {
            QVERIFY2(spy.isEmpty(), "the stream should still be running for the mid-stream screenshot");
            QTRY_VERIFY_WITH_TIMEOUT(view->events()->rowCount() >= 12 || !spy.isEmpty(), 15000);
            QVERIFY(!view->assembledText()->toPlainText().isEmpty());
            screenshot(QStringLiteral("endpoints-streaming.png"));
        }
        QVERIFY(spy.wait(20000) || !spy.isEmpty());
        const ProxyResponse r = spy.first().first().value<ProxyResponse>();
        QCOMPARE(r.status, 200);
        QVERIFY(r.isEventStream);
        QVERIFY(r.assembled.sawDone());
        QVERIFY(view->events()->rowCount() >= 3);
        QCOMPARE(view->events()->rowCount(), std::min(r.eventCount, int(r.events.size())));
        QVERIFY(!view->assembledText()->toPlainText().isEmpty());
        QCOMPARE(view->assembledText()->toPlainText(), r.assembled.text());
        QVERIFY2(view->statusLine()->text().startsWith(QLatin1String("200")), qPrintable(view->statusLine()->text()));
        QVERIFY(view->errorBanner()->text().isEmpty());
        QCOMPARE(view->tabs()->currentIndex(), view->streamTab());
        QVERIFY(!m_page->isSending());
        QVERIFY(m_page->sendButton()->isEnabled());
        // History: newest first, clicking reloads the request.
        QVERIFY(m_page->historyModel()->rowCount() >= 1);
        m_page->applyTemplate(QStringLiteral("Health"));
        m_page->showHistoryEntry(0);
        QCOMPARE(m_page->pathEdit()->text(), QStringLiteral("/codex/chat/completions"));
        QVERIFY(m_page->bodyEdit()->toPlainText().contains(QLatin1String("messages")));
        QVERIFY(view->statusLine()->text().contains(QLatin1String("200")));
    }

    void toolCallIsShownWithValidArguments()
    {
        m_sim->setOptions(simOptions(m_writeShots ? 20 : 2));
        QVERIFY(m_page->applyTemplate(QStringLiteral("Chat with tools")));
        const ProxyResponse r = sendAndWait();
        QCOMPARE(r.status, 200);
        QTreeWidget *tools = m_page->responseView()->toolCallsView();
        QVERIFY(tools->topLevelItemCount() >= 1);
        QTreeWidgetItem *call = tools->topLevelItem(0);
        QCOMPARE(call->text(1), QStringLiteral("get_weather"));
        QVERIFY(!call->text(2).isEmpty());
        QVERIFY2(call->text(3).contains(QLatin1String("valid JSON")) && !call->text(3).contains(QLatin1String("invalid")), qPrintable(call->text(3)));
        QVERIFY(call->childCount() == 1 && call->child(0)->text(0).contains(QLatin1String("location")));
        QCOMPARE(m_page->responseView()->tabs()->currentIndex(), m_page->responseView()->toolsTab());
        QTest::qWait(50);
        screenshot(QStringLiteral("endpoints-toolcall.png"));
    }

    void invalidJsonDisablesSend()
    {
        m_page->applyTemplate(QStringLiteral("Chat"));
        m_page->bodyEdit()->setPlainText(QStringLiteral("{\n  \"model\": \"gpt-5\",\n  \"messages\": [}\n"));
        QVERIFY(!m_page->sendButton()->isEnabled());
        QVERIFY(m_page->bodyErrorLabel()->isVisible());
        QVERIFY2(m_page->bodyErrorLabel()->text().contains(QLatin1String("line 3")), qPrintable(m_page->bodyErrorLabel()->text()));
        QVERIFY(m_page->bodyErrorLabel()->text().contains(QLatin1String("column")));
        QVERIFY(!m_page->send());
        m_page->bodyEdit()->setPlainText(QStringLiteral("{\"model\": \"gpt-5\", \"messages\": []}"));
        QVERIFY(m_page->sendButton()->isEnabled());
        QVERIFY(m_page->bodyErrorLabel()->isHidden());
        // An empty body is fine for a GET.
        m_page->applyTemplate(QStringLiteral("Health"));
        QVERIFY(m_page->bodyEdit()->toPlainText().isEmpty());
        QVERIFY(m_page->sendButton()->isEnabled());
    }

    void connectionRefusedIsShownNotFatal()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        Environment env;
        env.name = QStringLiteral("refused");
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        env.timeoutMs = 5000;
        QVERIFY(m_page->addEnvironment(env));
        QCOMPARE(m_page->environmentCombo()->currentText(), QStringLiteral("refused"));
        m_page->applyTemplate(QStringLiteral("Health"));
        const ProxyResponse r = sendAndWait();
        QCOMPARE(r.status, 0);
        QCOMPARE(r.error, CallError::ConnectionRefused);
        ui::EndpointResponseView *view = m_page->responseView();
        QVERIFY2(view->errorBanner()->text().contains(callErrorName(CallError::ConnectionRefused)), qPrintable(view->errorBanner()->text()));
        QVERIFY(view->statusLine()->text().contains(callErrorName(CallError::ConnectionRefused)));
        QVERIFY(m_page->sendButton()->isEnabled());
        QVERIFY(m_page->removeEnvironment(QStringLiteral("refused")));
        QVERIFY(m_page->selectEnvironment(QStringLiteral("simulator")));
    }

    void environmentDialogValidates()
    {
        Environment env;
        ui::EndpointEnvironmentDialog dialog(env, ProxyProfile::presets(), m_page->secrets(), {QStringLiteral("simulator")});
        dialog.nameEdit()->setText(QStringLiteral("simulator"));
        dialog.urlEdit()->setText(QStringLiteral("http://127.0.0.1:8000"));
        QVERIFY(dialog.validationError().contains(QLatin1String("exists")));
        QVERIFY(!dialog.okButton()->isEnabled());
        dialog.nameEdit()->setText(QStringLiteral("staging"));
        dialog.urlEdit()->setText(QStringLiteral("ftp://host"));
        QVERIFY(dialog.validationError().contains(QLatin1String("http")));
        dialog.urlEdit()->setText(QStringLiteral("https://proxy.example.com"));
        QVERIFY2(dialog.validationError().isEmpty(), qPrintable(dialog.validationError()));
        QVERIFY(dialog.okButton()->isEnabled());
        // A token typed and stored goes to the SecretStore (memory here: keychain disabled), never into the environment.
        QTest::keyClicks(dialog.tokenEdit(), QStringLiteral("s3cret-token"));
        QVERIFY(dialog.storeToken());
        const Environment e = dialog.environment();
        QVERIFY2(e.tokenRef.startsWith(QLatin1String("session:")), qPrintable(e.tokenRef));
        QCOMPARE(m_page->secrets()->token(e.tokenRef), QStringLiteral("s3cret-token"));
        QVERIFY(!QJsonDocument(e.toJson()).toJson().contains("s3cret-token"));
        QVERIFY(dialog.tokenStatus()->text().contains(QLatin1String("memory")));
        // From an environment variable.
        QTest::keyClicks(dialog.envVarEdit(), QStringLiteral("CCPROXY_TOKEN"));
        QCOMPARE(dialog.environment().tokenRef, QStringLiteral("env:CCPROXY_TOKEN"));
    }

    void suitePassesAgainstTheCorrectSimulator()
    {
        m_sim->setOptions(simOptions(2));
        m_page->tabs()->setCurrentIndex(1);
        QVERIFY(!m_page->suite().cases.isEmpty());
        QVERIFY(m_page->caseList()->topLevelItemCount() >= 3);
        QSignalSpy spy(m_page, &ui::EndpointsPage::suiteFinished);
        QVERIFY(m_page->runSuite());
        QVERIFY(m_page->isSuiteRunning());
        QVERIFY(spy.wait(50000));
        const SuiteResult result = spy.first().first().value<SuiteResult>();
        QVERIFY2(result.allPassed(), qPrintable(failures(result)));
        models::SuiteResultModel *model = m_page->suiteModel();
        QCOMPARE(model->rowCount(), int(result.cases.size()));
        for (int i = 0; i < model->rowCount(); ++i) {
            const auto r = model->result(i);
            QVERIFY(r);
            QVERIFY2(r->verdict == Verdict::Pass || r->verdict == Verdict::Skipped, qPrintable(r->id));
        }
        m_page->suiteTable()->selectRow(0);
        QVERIFY(m_page->caseDetails()->topLevelItemCount() >= 1);
        QVERIFY(!m_page->caseEvidence()->toPlainText().isEmpty());
        QTest::qWait(50);
        screenshot(QStringLiteral("endpoints-suite.png"));

        // Save results: the default name lies in .codex/reports; an existing file is never replaced silently.
        const QString path = m_page->defaultSuiteResultsPath();
        QVERIFY(path.startsWith(QDir(m_ws.path()).filePath(QStringLiteral(".codex/reports/endpoint-suite-"))));
        QVERIFY(path.endsWith(QLatin1String(".json")));
        QString error;
        QVERIFY2(m_page->saveSuiteResults(path, false, &error), qPrintable(error));
        const QJsonObject saved = QJsonDocument::fromJson(testutil::readFile(path)).object();
        QVERIFY(!saved.isEmpty());
        QString parseError;
        const auto back = SuiteResult::fromJson(saved, &parseError);
        QVERIFY2(back, qPrintable(parseError));
        QCOMPARE(back->cases.size(), result.cases.size());
        QVERIFY(!m_page->saveSuiteResults(path, false, &error));
        QVERIFY(error.contains(QLatin1String("exists")));
        QVERIFY(m_page->defaultSuiteResultsPath() != path);
    }

    void bufferedStreamingFailsTheStreamingCases()
    {
        SimulatorOptions o = simOptions(8);
        o.bufferStreaming = true;
        m_sim->setOptions(o);
        QSignalSpy spy(m_page, &ui::EndpointsPage::suiteFinished);
        QStringList streaming;
        for (const TestCase &c : m_page->suite().cases)
            if (c.group == QLatin1String("streaming") && (c.profiles.isEmpty() || c.profiles.contains(QStringLiteral("fork"))))
                streaming << c.id;
        QVERIFY(!streaming.isEmpty());
        QVERIFY(m_page->runSuite(streaming));
        QVERIFY(spy.wait(50000));
        const SuiteResult result = spy.first().first().value<SuiteResult>();
        int failedBuffered = 0;
        for (const CaseResult &c : result.cases) {
            QVERIFY2(c.verdict == Verdict::Fail, qPrintable(c.id + QLatin1String(": ") + verdictName(c.verdict)));
            const QString why = c.firstFailure() + c.warnings.join(QLatin1Char(' '));
            if (why.contains(QLatin1String("buffered"), Qt::CaseInsensitive))
                ++failedBuffered;
        }
        QVERIFY2(failedBuffered >= 1, qPrintable(failures(result)));
        const int row = m_page->suiteModel()->rowOf(result.cases.first().id);
        QVERIFY(m_page->suiteModel()->data(m_page->suiteModel()->index(row, models::SuiteResultModel::VerdictColumn)).toString() == QLatin1String("FAIL"));
        m_sim->setOptions(simOptions(2));
    }

    void loadRunFillsTheHistogram()
    {
        m_page->tabs()->setCurrentIndex(0);
        m_page->applyTemplate(QStringLiteral("Chat"));
        m_page->tabs()->setCurrentIndex(2);
        m_page->setLoadOptions(100, 8, false);
        QSignalSpy spy(m_page, &ui::EndpointsPage::loadFinished);
        QVERIFY(m_page->startLoad());
        QVERIFY(m_page->isLoadRunning());
        QVERIFY(spy.wait(50000));
        const LoadResult r = spy.first().first().value<LoadResult>();
        QCOMPARE(r.progress.done, 100);
        QCOMPARE(r.progress.errors, 0);
        QVERIFY(!m_page->isLoadRunning());
        QVERIFY(m_page->histogram()->barCount() > 0);
        QCOMPARE(m_page->histogram()->total(), qint64(100));
        QVERIFY2(m_page->loadDoneLabel()->text().contains(QLatin1String("100")), qPrintable(m_page->loadDoneLabel()->text()));
        QTest::qWait(50);
        screenshot(QStringLiteral("endpoints-load.png"));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_sim.reset();
    }
};

QTEST_MAIN(TestGuiEndpointsPage)
#include "tst_gui_endpointspage.moc"
