// The Rollout page in the main window on a temporary workspace: a rollout created through the
// "New rollout" dialog, an item ticked by clicking its check box, one set blocked through the
// Status column's combo, a Unicode / right-to-left / very long note, the Blocked filter, an
// endpoint suite run that ticks the seven manual-test items, criteria without data showing
// "no data", a QA sign-off that turns "changed after sign-off" after an edit, PDF export through
// the export dialog (pdftotext finds the signer), an unwritable export target, and a corrupt
// rollouts database that is reported by name and left untouched.
//
// CODEX_ADMIN_WRITE_SCREENSHOTS=1 writes docs/screenshots/rollout-*.png.
#include "TestUtil.h"

#include "models/RolloutItemModel.h"
#include "proxy/TestSuite.h"
#include "rollout/RolloutStore.h"
#include "ui/MainWindow.h"
#include "ui/MonitorPage.h"
#include "ui/NewRolloutDialog.h"
#include "ui/ReportExportDialog.h"
#include "ui/RolloutPage.h"
#include "ui/SignOffDialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QPointer>
#include <QListWidget>
#include <QMenu>
#include <QTimer>
#include <QIcon>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace codex;
using codex::models::RolloutFilterModel;
using codex::models::RolloutItemModel;
using codex::rollout::ItemKind;
using codex::rollout::ItemStatus;

namespace {

const QString kMe = QStringLiteral("Ada Lovelace");

/// Leaf item keys visible through the filter.
void visibleKeys(const QAbstractItemModel *m, const QModelIndex &parent, QStringList *keys, QStringList *headings)
{
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex i = m->index(r, 0, parent);
        if (RolloutItemModel::NodeType(i.data(RolloutItemModel::NodeTypeRole).toInt()) == RolloutItemModel::NodeType::Item)
            keys->append(i.data(RolloutItemModel::KeyRole).toString());
        else
            headings->append(i.data().toString());
        visibleKeys(m, i, keys, headings);
    }
}

}  // namespace

class TestRolloutPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fromCreationToSignedExport();
    void corruptDatabaseIsReportedByName();
    void signDialogShowsTheHashItSeals();

private:
    std::optional<rollout::Rollout> stored(const QString &root, const QString &name);
};

void TestRolloutPage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("codex-admin-test"));
    QApplication::setApplicationName(QStringLiteral("tst_gui_rolloutpage"));
    QSettings().clear();
}

std::optional<rollout::Rollout> TestRolloutPage::stored(const QString &root, const QString &name)
{
    rollout::RolloutStore store;  // a second connection, as another program would read it
    const auto r = store.open(rollout::RolloutStore::defaultPath(root), false);
    if (!r)
        return std::nullopt;
    return store.load(name);
}

void TestRolloutPage::fromCreationToSignedExport()
{
    QTemporaryDir ws;
    QVERIFY(ws.isValid());
    QVERIFY(QDir().mkpath(ws.filePath(QStringLiteral(".codex"))));
    ui::MainWindow w;
    w.resize(1400, 900);
    w.openWorkspace(ws.path());
    ui::RolloutPage *page = w.rolloutPage();
    QVERIFY(page);
    QVERIFY(w.pageIndex(page) > w.pageIndex(w.monitorPage()));
    w.showPage(w.pageIndex(page));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY2(page->bannerText().isEmpty(), qPrintable(page->bannerText()));
    page->setMe(kMe);
    // Looking does not create the database; the first rollout does.
    QVERIFY(!QFileInfo::exists(rollout::RolloutStore::defaultPath(ws.path())));

    // --- a rollout through the dialog
    QPointer<ui::NewRolloutDialog> dialog = page->openNewRolloutDialog();
    QVERIFY(dialog);
    dialog->setName(QStringLiteral("Codex parity 2026-11"));
    dialog->setTemplateChecked(QStringLiteral("codex-parity"), true);
    dialog->setTemplateChecked(QStringLiteral("archive-improvements"), false);
    QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
    QTRY_VERIFY(!dialog);
    QCOMPARE(page->currentRollout(), QStringLiteral("Codex parity 2026-11"));
    QVERIFY(QFileInfo::exists(rollout::RolloutStore::defaultPath(ws.path())));
    QVERIFY(page->rollout());
    QVERIFY(page->rollout()->items.size() > 40);
    QVERIFY(page->rolloutCombo()->currentText().contains(QStringLiteral("0/")));

    // The same name again: refused in the dialog, which stays open.
    dialog = page->openNewRolloutDialog();
    dialog->setName(QStringLiteral("Codex parity 2026-11"));
    QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QVERIFY2(!dialog->errorText().isEmpty(), "a duplicate name must be refused with a message");
    dialog->reject();

    // --- tick the first check item by clicking its check box
    QString checkKey, blockKey, thirdKey;
    for (const auto &it : page->rollout()->items) {
        if (it.def.kind != ItemKind::Check || !it.def.suiteItem.isEmpty() || !it.def.parentKey.isEmpty())
            continue;
        if (checkKey.isEmpty())
            checkKey = it.def.key;
        else if (blockKey.isEmpty())
            blockKey = it.def.key;
        else if (thirdKey.isEmpty())
            thirdKey = it.def.key;
    }
    QVERIFY(!thirdKey.isEmpty());
    QTreeView *tree = page->tree();
    const QModelIndex idx = page->filterModel()->mapFromSource(page->itemModel()->indexOfKey(checkKey));
    QVERIFY(idx.isValid());
    tree->scrollTo(idx);
    QApplication::processEvents();
    QStyleOptionViewItem opt;
    opt.initFrom(tree->viewport());
    opt.rect = tree->visualRect(idx);
    opt.features = QStyleOptionViewItem::HasCheckIndicator | QStyleOptionViewItem::HasDisplay;
    opt.text = idx.data().toString();
    opt.checkState = Qt::Unchecked;
    const QRect check = tree->style()->subElementRect(QStyle::SE_ItemViewItemCheckIndicator, &opt, tree);
    QVERIFY(!check.isEmpty());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, check.center());
    QTRY_COMPARE(page->itemModel()->item(checkKey)->status, ItemStatus::Done);
    auto db = stored(ws.path(), page->currentRollout());
    QVERIFY(db);
    QCOMPARE(db->item(checkKey)->status, ItemStatus::Done);
    QCOMPARE(db->item(checkKey)->updatedBy, kMe);

    // --- blocked through the Status column's combo
    const QModelIndex statusIdx =
        page->filterModel()->mapFromSource(page->itemModel()->indexOfKey(blockKey, RolloutItemModel::StatusColumn));
    tree->scrollTo(statusIdx);
    tree->setCurrentIndex(statusIdx);
    tree->edit(statusIdx);
    auto *combo = tree->viewport()->findChild<QComboBox *>(QStringLiteral("statusDelegateEditor"));
    QVERIFY(combo);
    const int blockedRow = combo->findData(int(ItemStatus::Blocked));
    combo->setCurrentIndex(blockedRow);
    Q_EMIT combo->activated(blockedRow);
    QTRY_COMPARE(page->itemModel()->item(blockKey)->status, ItemStatus::Blocked);
    QCOMPARE(stored(ws.path(), page->currentRollout())->item(blockKey)->status, ItemStatus::Blocked);
    QCOMPARE(page->blockedCount(), 1);
    QVERIFY(w.navigation()->item(w.pageIndex(page))->text().contains(QStringLiteral("(1)")));

    // --- a note with Unicode, right-to-left text and a very long line
    page->selectItem(blockKey);
    QCOMPARE(page->selectedItemKey(), blockKey);
    const QString note = QStringLiteral("Warte auf Freigabe — ⚠ blockiert 🚧\nשלום עולם, זה הערה מימין לשמאל\nمرحبا بالعالم ")
                         + QString(5000, QLatin1Char('x'));
    page->noteEdit()->setFocus();
    page->noteEdit()->setPlainText(note);
    QVERIFY(page->hasUnsavedChanges());
    QTest::mouseClick(page->findChild<QPushButton *>(QStringLiteral("saveNoteButton")), Qt::LeftButton);
    QVERIFY(!page->hasUnsavedChanges());
    QCOMPARE(stored(ws.path(), page->currentRollout())->item(blockKey)->note, note);
    QVERIFY(page->historyList()->topLevelItemCount() >= 2);  // status and note
    testutil::shot(&w, QStringLiteral("rollout-checklist.png"));

    // --- the Blocked filter shows that item and its headings only
    page->setFilterMode(RolloutFilterModel::Mode::Blocked);
    QStringList keys, headings;
    visibleKeys(page->filterModel(), {}, &keys, &headings);
    QCOMPARE(keys, QStringList{blockKey});
    QVERIFY(!headings.isEmpty());
    QVERIFY(headings.contains(page->itemModel()->item(blockKey)->def.section.first()));
    page->setFilterMode(RolloutFilterModel::Mode::All);
    keys.clear();
    headings.clear();
    visibleKeys(page->filterModel(), {}, &keys, &headings);
    QCOMPARE(keys.size(), page->rollout()->items.size());

    // --- an endpoint suite run ticks the seven manual-test items
    proxy::SuiteResult suite;
    suite.suite = QStringLiteral("codex-parity");
    suite.environment = QStringLiteral("staging");
    suite.baseUrl = QStringLiteral("http://127.0.0.1:9/");
    suite.startedAtMs = QDateTime::currentMSecsSinceEpoch() - 5000;
    suite.finishedAtMs = suite.startedAtMs + 4000;
    QStringList suiteKeys;
    int n = 0;
    for (const auto &it : page->rollout()->items) {
        if (it.def.suiteItem.isEmpty())
            continue;
        suiteKeys << it.def.key;
        proxy::CaseResult c;
        c.id = QStringLiteral("case-%1").arg(++n);
        c.title = it.def.suiteItem;
        c.checklistItem = it.def.suiteItem;
        c.group = QStringLiteral("parity");
        c.verdict = proxy::Verdict::Pass;
        c.latencyMs = 12.5 * n;
        suite.cases << c;
    }
    QCOMPARE(suiteKeys.size(), 7);
    const QString suiteFile = ws.filePath(QStringLiteral(".codex/reports/endpoint-suite-20261125-101500.json"));
    QDir().mkpath(QFileInfo(suiteFile).absolutePath());
    testutil::writeFile(suiteFile, QJsonDocument(suite.toJson()).toJson());
    QString error;
    QVERIFY2(page->attachSuiteFile(suiteFile, &error), qPrintable(error));
    db = stored(ws.path(), page->currentRollout());
    for (const QString &k : std::as_const(suiteKeys)) {
        QCOMPARE(db->item(k)->status, ItemStatus::Done);
        QVERIFY(!db->item(k)->evidenceIds.isEmpty());
    }
    QVERIFY(page->infoText().contains(QStringLiteral("7")));
    page->selectItem(suiteKeys.first());
    QCOMPARE(page->evidenceList()->topLevelItemCount(), 1);
    page->evidenceList()->setCurrentItem(page->evidenceList()->topLevelItem(0));
    QVERIFY(page->findChild<QPlainTextEdit *>(QStringLiteral("evidencePayload"))->toPlainText().contains(QStringLiteral("case-1")));
    testutil::shot(&w, QStringLiteral("rollout-evidence.png"));

    // --- criteria without data say "no data", never "pass"
    QSignalSpy live(page, &ui::RolloutPage::liveCriteriaUpdated);
    page->refreshLiveCriteria();
    QVERIFY(live.wait(20000));
    QTableWidget *crit = page->criteriaTable();
    QVERIFY(crit->rowCount() > 0);
    int noData = 0;
    for (int r = 0; r < crit->rowCount(); ++r) {
        if (crit->item(r, 0)->data(Qt::UserRole).toString() == QLatin1String("no data")) {
            ++noData;
            QCOMPARE(crit->item(r, 0)->text(), QStringLiteral("NO DATA"));
        }
        if (crit->item(r, 1)->text().contains(QStringLiteral("rror-rate"), Qt::CaseInsensitive))
            QCOMPARE(crit->item(r, 0)->data(Qt::UserRole).toString(), QStringLiteral("no data"));
    }
    QVERIFY(noData > 0);
    // The checklist shows the same judgement on the criterion items: a dot and the figure.
    {
        const QModelIndex errorRate = page->itemModel()->indexOfKey(QStringLiteral("cp.post.success.error-rate"));
        QVERIFY(errorRate.isValid());
        QVERIFY(!errorRate.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY2(errorRate.data(Qt::ToolTipRole).toString().contains(QStringLiteral("NO DATA")),
                 qPrintable(errorRate.data(Qt::ToolTipRole).toString()));
        const QModelIndex plain = page->itemModel()->indexOfKey(QStringLiteral("cp.pre.docs.changelog"));
        QVERIFY(plain.data(Qt::DecorationRole).isNull());
    }
    page->bottomTabs()->setCurrentIndex(0);
    testutil::shot(&w, QStringLiteral("rollout-criteria.png"));

    // --- collect evidence and record the criteria (both off the GUI thread), a metric snapshot
    QSignalSpy collected(page, &ui::RolloutPage::collectFinished);
    page->collectEvidence();
    QVERIFY(page->isBusy());
    QVERIFY(collected.wait(30000));
    QVERIFY2(page->bannerText().isEmpty(), qPrintable(page->bannerText()));
    QVERIFY(!collected.first().first().toStringList().isEmpty());
    QSignalSpy recorded(page, &ui::RolloutPage::criteriaRecorded);
    page->evaluateCriteria();
    QVERIFY(recorded.wait(30000));
    QVERIFY(!stored(ws.path(), page->currentRollout())->criteria.isEmpty());
    QVERIFY(page->infoText().contains(QStringLiteral("no data")));
    page->selectItem(thirdKey);
    const int before = int(page->rollout()->evidence.size());
    QVERIFY2(page->attachMetricSnapshot(&error), qPrintable(error));
    QCOMPARE(int(page->rollout()->evidence.size()), before + 1);
    QVERIFY(!page->rollout()->evidence.last().png.isEmpty());
    QCOMPARE(page->evidenceList()->topLevelItemCount(), 1);
    // Attached to the wrong item? Its context menu takes it off again, recorded in the history.
    {
        QTreeWidget *list = page->evidenceList();
        const QRect rect = list->visualItemRect(list->topLevelItem(0));
        QTimer::singleShot(0, [] {
            QTRY_VERIFY(qobject_cast<QMenu *>(QApplication::activePopupWidget()));
            auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
            QCOMPARE(menu->actions().size(), 1);
            menu->actions().first()->trigger();
            menu->close();
        });
        Q_EMIT list->customContextMenuRequested(rect.center());
        QCOMPARE(list->topLevelItemCount(), 0);
        QVERIFY(stored(ws.path(), page->currentRollout())->item(thirdKey)->evidenceIds.isEmpty());
        rollout::RolloutStore reader;
        QVERIFY(reader.open(rollout::RolloutStore::defaultPath(ws.path()), false));
        const QList<rollout::Change> hist = reader.history(page->currentRollout(), thirdKey);
        QVERIFY(!hist.isEmpty());
        QVERIFY2(hist.last().field == QLatin1String("evidence") && hist.last().newValue.isEmpty(),
                 qPrintable(hist.last().field + QLatin1Char('=') + hist.last().newValue));
        QVERIFY2(page->attachMetricSnapshot(&error), qPrintable(error));
        QCOMPARE(list->topLevelItemCount(), 1);
    }

    // --- sign as QA
    QPointer<ui::SignOffDialog> sign = page->openSignOffDialog(QStringLiteral("QA"));
    QVERIFY(sign);
    QCOMPARE(sign->name(), kMe);
    sign->setComment(QStringLiteral("Manual tests pass on staging ✓"));
    QTest::mouseClick(sign->okButton(), Qt::LeftButton);
    QTRY_VERIFY(!sign);
    {
        QString why;
        for (const auto &c : page->signOffChecks())
            why += c.message + QLatin1Char('\n') + c.diff.left(1500);
        QVERIFY2(page->signOffStateText(QStringLiteral("QA")) == QStringLiteral("valid ✓"), qPrintable(why));
    }
    QCOMPARE(page->signOffStateText(QStringLiteral("DevOps")), QStringLiteral("not signed"));
    QTableWidget *signs = page->signOffTable();
    int qaRow = -1;
    for (int r = 0; r < signs->rowCount(); ++r)
        if (signs->item(r, 0)->text() == QLatin1String("QA"))
            qaRow = r;
    QVERIFY(qaRow >= 0);
    QCOMPARE(signs->item(qaRow, 1)->text(), kMe);
    QVERIFY(signs->item(qaRow, 4)->text().contains(QStringLiteral("valid")));
    QVERIFY(!page->findChild<QPushButton *>(QStringLiteral("diff-QA")));

    // --- a later change shows "changed after sign-off"
    QVERIFY(page->setItemStatus(thirdKey, ItemStatus::Done, &error));
    QVERIFY(page->signOffStateText(QStringLiteral("QA")).contains(QStringLiteral("changed after sign-off")));
    QVERIFY(signs->item(qaRow, 4)->text().contains(QStringLiteral("changed after sign-off")));
    QVERIFY(page->findChild<QPushButton *>(QStringLiteral("diff-QA")));
    QCOMPARE(page->changedSignOffCount(), 1);
    page->bottomTabs()->setCurrentIndex(1);
    testutil::shot(&w, QStringLiteral("rollout-signoffs.png"));

    // --- export PDF through the dialog
    ui::ReportExportDialog *exporter = page->openExportDialog();
    QVERIFY(exporter);
    QVERIFY(exporter->path().contains(QStringLiteral(".codex/reports/rollout-Codex-parity-2026-11-")));
    QVERIFY(exporter->path().endsWith(QStringLiteral(".pdf")));
    QTRY_VERIFY_WITH_TIMEOUT(exporter->previewReady(), 30000);
    QVERIFY(exporter->previewPageCount() > 1);
    testutil::shot(exporter, QStringLiteral("rollout-export.png"));
    const QString pdf = ws.filePath(QStringLiteral("out/report.pdf"));
    exporter->setFormat(rollout::ReportFormat::Pdf);
    exporter->setPath(pdf);
    QVERIFY2(exporter->exportReport(false, &error), qPrintable(error));
    QCOMPARE(exporter->resultPath(), pdf);
    QVERIFY(QFileInfo(pdf).size() > 1000);
    const QString text = testutil::pdfText(pdf);
    QVERIFY2(text.contains(kMe), qPrintable(text.left(2000)));
    QVERIFY(text.contains(QStringLiteral("Codex parity 2026-11")));
    // Not replaced without confirmation.
    QVERIFY(!exporter->exportReport(false, &error));
    QVERIFY(error.contains(pdf));
    // Markdown too, and an unwritable place names the path.
    exporter->setFormat(rollout::ReportFormat::Markdown);
    exporter->setPath(ws.filePath(QStringLiteral("out/report.md")));
    QVERIFY2(exporter->exportReport(false, &error), qPrintable(error));
    QVERIFY(testutil::readFile(ws.filePath(QStringLiteral("out/report.md"))).contains("[x]"));
    const QString bad = QStringLiteral("/proc/codex-admin-no-such-dir/report.pdf");
    exporter->setFormat(rollout::ReportFormat::Pdf);
    exporter->setPath(bad);
    QVERIFY(!exporter->exportReport(false, &error));
    QVERIFY2(error.contains(bad), qPrintable(error));
    QVERIFY(exporter->errorText().contains(bad));
    exporter->close();
}

void TestRolloutPage::corruptDatabaseIsReportedByName()
{
    QTemporaryDir ws;
    QVERIFY(ws.isValid());
    const QString path = rollout::RolloutStore::defaultPath(ws.path());
    QDir().mkpath(QFileInfo(path).absolutePath());
    const QByteArray garbage = QByteArray("this is not a database\n").repeated(200);
    testutil::writeFile(path, garbage);
    ui::MainWindow w;
    w.resize(1400, 900);
    w.openWorkspace(ws.path());
    ui::RolloutPage *page = w.rolloutPage();
    w.showPage(w.pageIndex(page));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY2(page->bannerText().contains(QStringLiteral("rollouts.sqlite")), qPrintable(page->bannerText()));
    QVERIFY(page->isReadOnly());
    QVERIFY(!page->rollout());
    QString error;
    QVERIFY(!page->createRollout(QStringLiteral("x"), {QStringLiteral("codex-parity")}, &error));
    QVERIFY(!error.isEmpty());
    page->collectEvidence();  // nothing to do, no crash
    page->refreshLiveCriteria();
    QCOMPARE(testutil::readFile(path), garbage);
    testutil::shot(&w, QStringLiteral("rollout-corrupt.png"));
}

void TestRolloutPage::signDialogShowsTheHashItSeals()
{
    // No criteria evaluation recorded yet: signing records one first, and the hash the dialog
    // shows must be the one that gets sealed, not the content before that recording.
    QTemporaryDir ws;
    QVERIFY(ws.isValid());
    QVERIFY(QDir().mkpath(ws.filePath(QStringLiteral(".codex"))));
    ui::MainWindow w;
    w.openWorkspace(ws.path());
    ui::RolloutPage *page = w.rolloutPage();
    page->setMe(kMe);
    QString error;
    QVERIFY2(page->createRollout(QStringLiteral("Fresh"), {QStringLiteral("codex-parity")}, &error), qPrintable(error));
    QVERIFY(page->rollout() && page->rollout()->criteria.isEmpty());
    QPointer<ui::SignOffDialog> sign = page->openSignOffDialog(QStringLiteral("Development"));
    QVERIFY(sign);
    const QString shown = sign->contentSha256();
    QCOMPARE(shown.size(), 64);
    QTest::mouseClick(sign->okButton(), Qt::LeftButton);
    QTRY_VERIFY(!sign);
    const auto db = stored(ws.path(), QStringLiteral("Fresh"));
    QVERIFY(db && db->signOffs.size() == 1);
    QCOMPARE(db->signOffs.first().contentSha256, shown);
    QVERIFY(!db->criteria.isEmpty());
    QCOMPARE(page->signOffStateText(QStringLiteral("Development")), QStringLiteral("valid ✓"));
}

QTEST_MAIN(TestRolloutPage)
#include "tst_gui_rolloutpage.moc"
