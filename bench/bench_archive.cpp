// bench_archive: how the archive browser copes with a big SQLite archive (issue 3).
//   1. generate a 1,000,000-item archive with the reference schema (kept with --dir)
//   2. in a fresh process (after generating, the program starts itself again; the archive is
//      opened ExistingOnly): open + first screen, a
//      path-substring filter, sorting by archived_at both ways, jumping to the last page,
//      peak RSS — each the median of 5 runs after one warm-up
//   3. the same statements through the sqlite3 CLI on the same file, for comparison
//   4. restore of one 100 MB item (decompress + sha256 + write), unless --skip-restore
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)";
// lines starting with '#' describe the machine and the scenario.
// Usage: bench_archive [--items N] [--dir PATH] [--skip-restore]
#include "archive/ArchiveLocation.h"
#include "archive/ArchiveSchema.h"
#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "archive/RestoreService.h"
#include "common/Log.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>
#include <QVariant>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include <unistd.h>

using namespace codex::archive;
using Clock = std::chrono::steady_clock;
using benchutil::resetPeakRss;
using benchutil::Rng;
using benchutil::statusKb;

namespace {

volatile qint64 g_sink = 0;  // results feed this so nothing is optimised away

constexpr int kRuns = 5;
constexpr int kPage = 200;
/// The path substring filtered on: one directory name that ~0.5 % of the generated paths carry
/// and that no other generated word contains.
const QString kPathNeedle = QStringLiteral("payroll");

double msSince(Clock::time_point a)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// One warm-up call, then the median of `runs` timed calls, in ms.
double medianMs(const std::function<void()> &fn, int runs = kRuns)
{
    fn();
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto a = Clock::now();
        fn();
        t.push_back(msSince(a));
    }
    return median(t);
}

void below(const char *name, double value, const char *unit, double target)
{
    std::printf("%s: %.2f %s (target < %g %s, %s)\n", name, value, unit, target, unit,
                value < target ? "PASS" : "MISS");
    std::fflush(stdout);
}

void atLeast(const char *name, double value, const char *unit, double target)
{
    std::printf("%s: %.1f %s (target >= %g %s, %s)\n", name, value, unit, target, unit,
                value >= target ? "PASS" : "MISS");
    std::fflush(stdout);
}

void info(const char *name, double value, const char *unit)
{
    std::printf("%s: %.2f %s (info)\n", name, value, unit);
    std::fflush(stdout);
}

void note(const QString &text)
{
    std::printf("# %s\n", qPrintable(text));
    std::fflush(stdout);
}

qint64 fileSize(const QString &path)
{
    const QFileInfo fi(path);
    return fi.exists() ? fi.size() : 0;
}

void removeDatabaseFiles(const QString &path)
{
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")})
        QFile::remove(path + suffix);
}

// ---- deterministic data -----------------------------------------------------------------------

QString hex(Rng &rng, int digits)
{
    static const char h[] = "0123456789abcdef";
    QString s(digits, Qt::Uninitialized);
    quint64 bits = 0;
    for (int i = 0; i < digits; ++i) {
        if (i % 16 == 0)
            bits = rng.next();
        s[i] = QLatin1Char(h[bits & 0xf]);
        bits >>= 4;
    }
    return s;
}

QString uuid(Rng &rng)
{
    QString s = hex(rng, 32);
    s[12] = QLatin1Char('4');
    s[16] = QLatin1Char("89ab"[rng.below(4)]);
    return s.left(8) + QLatin1Char('-') + s.mid(8, 4) + QLatin1Char('-') + s.mid(12, 4) + QLatin1Char('-')
           + s.mid(16, 4) + QLatin1Char('-') + s.mid(20);
}

/// "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD HH:MM:SS" for seconds since the Unix epoch (UTC).
QString timestamp(qint64 epochSeconds, bool isoForm)
{
    qint64 days = epochSeconds / 86400;
    const qint64 secs = epochSeconds % 86400;
    // civil_from_days (H. Hinnant)
    days += 719468;
    const qint64 era = days / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    qint64 y = yoe + era * 400;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 d = doy - (153 * mp + 2) / 5 + 1;
    const qint64 m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        ++y;
    char buf[32];
    std::snprintf(buf, sizeof buf, isoForm ? "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ" : "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                  static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60));
    return QString::fromLatin1(buf);
}

struct FileType {
    const char *language;  // "" = NULL
    const char *ext;
    const char *mime;
    const char *kind;
    int weight;
};

const std::array<FileType, 17> kTypes{{
    {"python", "py", "text/x-python", "code", 18},
    {"go", "go", "text/x-go", "code", 10},
    {"rust", "rs", "text/x-rust", "code", 6},
    {"typescript", "ts", "text/typescript", "code", 12},
    {"javascript", "js", "text/javascript", "code", 8},
    {"java", "java", "text/x-java", "code", 7},
    {"cpp", "cpp", "text/x-c++src", "code", 5},
    {"c", "c", "text/x-csrc", "code", 3},
    {"shell", "sh", "text/x-shellscript", "code", 4},
    {"sql", "sql", "application/sql", "code", 3},
    {"markdown", "md", "text/markdown", "doc", 8},
    {"", "rst", "text/x-rst", "doc", 2},
    {"", "txt", "text/plain", "doc", 3},
    {"", "png", "image/png", "asset", 4},
    {"", "svg", "image/svg+xml", "asset", 2},
    {"", "json", "application/json", "asset", 3},
    {"yaml", "yaml", "application/yaml", "code", 3},
}};

const char *const kRepos[] = {
    "acme/payments-service", "acme/web-frontend", "acme/platform-infra", "acme/data-pipelines", "acme/mobile-app",
    "acme/auth-gateway", "acme/search-indexer", "acme/billing-core", "acme/notifications", "acme/analytics-dashboard",
    "acme/ml-models", "acme/internal-tools", "acme/docs-site", "acme/sdk-python", "acme/sdk-go", "acme/sdk-js",
    "acme/terraform-modules", "acme/k8s-manifests", "acme/legacy-monolith", "acme/ci-templates", "acme/design-system",
    "acme/edge-proxy", "acme/event-bus", "acme/customer-portal", "acme/partner-api", "acme/fraud-detection",
    "acme/inventory", "acme/shipping", "acme/catalog", "acme/recommendations", "acme/chat-support", "acme/admin-console",
    "labs/prototype-x", "labs/vector-store", "labs/llm-eval", "labs/agent-sandbox", "ops/runbooks", "ops/monitoring",
    "ops/backup-scripts", "ops/incident-reports", "oss/fork-sqlite-utils", "oss/fork-requests", "oss/fork-lodash",
    "oss/fork-zstd", "sec/audit-tools", "sec/policy-as-code", "finance/reporting", "finance/forecasting",
};

const char *const kTops[] = {"src", "lib", "pkg", "internal", "app", "tools", "scripts", "docs", "assets", "test", "cmd", "web"};

const char *const kDirs[] = {
    "api", "auth", "billing", "cache", "cli", "client", "common", "config", "core", "db", "domain", "events", "export",
    "handlers", "http", "import", "infra", "jobs", "kafka", "metrics", "middleware", "migrations", "models", "net",
    "orders", "parser", "plugins", "queue", "reports", "routes", "rpc", "scheduler", "schema", "server", "services",
    "storage", "sync", "templates", "ui", "users", "utils", "validation", "views", "workers", "legacy", "v1", "v2",
    "experimental", "deprecated", "vendor", "fixtures", "mocks", "e2e", "integration", "components", "hooks", "store",
    "styles", "images", "icons",
};

const char *const kNames[] = {
    "main", "index", "app", "server", "client", "handler", "service", "repository", "model", "controller", "router",
    "config", "settings", "utils", "helpers", "constants", "types", "errors", "logger", "middleware", "auth", "session",
    "token", "user", "account", "invoice", "order", "cart", "checkout", "payment", "refund", "ledger", "report",
    "export", "import", "parser", "lexer", "formatter", "validator", "serializer", "schema", "migration", "seed",
    "fixture", "mock", "stub", "adapter", "bridge", "factory", "builder", "registry", "cache", "queue", "worker",
    "scheduler", "cron", "retry", "backoff", "metrics", "tracing", "health", "readiness", "feature_flags", "experiment",
    "dashboard", "widget", "button", "modal", "table", "chart", "form", "layout", "theme", "README", "CHANGELOG",
    "CONTRIBUTING", "architecture", "design", "notes", "logo", "banner", "diagram", "screenshot", "sprite",
};

const char *const kActors[] = {
    "alice@acme.dev", "bob@acme.dev", "carol@acme.dev", "dave@acme.dev", "erin@acme.dev", "frank@acme.dev",
    "grace@acme.dev", "heidi@acme.dev", "ivan@acme.dev", "judy@acme.dev", "mallory@acme.dev", "niaj@acme.dev",
    "olivia@acme.dev", "peggy@acme.dev", "rupert@acme.dev", "sybil@acme.dev", "trent@acme.dev", "victor@acme.dev",
    "walter@acme.dev", "ci-bot", "codex-prune[bot]", "release-bot", "renovate[bot]", "ops-automation", "secops-scanner",
};

const char *const kTags[] = {"security", "customer-data", "migration-2025", "q3-cleanup", "perf", "deprecated-api", "gdpr",
                             "tech-debt", "incident-4711", "license-review"};

const char *const kWords[] = {
    "the", "of", "and", "to", "in", "is", "for", "return", "if", "else", "def", "func", "const", "let", "var", "value",
    "result", "error", "item", "list", "map", "key", "data", "self", "this", "new", "null", "none", "true", "false",
    "string", "int", "count", "index", "buffer", "request", "response", "context", "handler", "config", "options",
};

template<typename T, size_t N>
constexpr int countOf(const T (&)[N])
{
    return int(N);
}

int pickType(Rng &rng)
{
    int total = 0;
    for (const FileType &t : kTypes)
        total += t.weight;
    int r = rng.below(total);
    for (int i = 0; i < int(kTypes.size()); ++i) {
        if (r < kTypes[size_t(i)].weight)
            return i;
        r -= kTypes[size_t(i)].weight;
    }
    return 0;
}

// ---- Python-style JSON for the few values we write (plain ASCII, nothing to escape) ----------

QString metadataJson(qint64 compressedSize, const FileType &t, const QString &sha, qint64 size, bool legalHold)
{
    const QString language = *t.language ? QStringLiteral("\"%1\"").arg(QLatin1String(t.language)) : QStringLiteral("null");
    return QStringLiteral("{\"compressed_size\":%1,\"compression\":\"zstd\",\"language\":%2,%3\"mime_type\":\"%4\","
                          "\"sha256\":\"%5\",\"size_bytes\":%6}")
        .arg(compressedSize)
        .arg(language, legalHold ? QStringLiteral("\"legal_hold\":true,") : QString(), QLatin1String(t.mime), sha)
        .arg(size);
}

// ---- step 1: the archive ----------------------------------------------------------------------

struct Artifact {
    QString id;
    int type = 0;
    QString metadata;
    QString metadataHold;
};

bool exec(QSqlQuery &q, const QString &sql)
{
    if (q.exec(sql))
        return true;
    note(QStringLiteral("FAILED: %1: %2").arg(sql.left(120), q.lastError().text()));
    return false;
}

bool execPrepared(QSqlQuery &q, const char *what)
{
    if (q.exec())
        return true;
    note(QStringLiteral("FAILED inserting %1: %2").arg(QLatin1String(what), q.lastError().text()));
    return false;
}

bool fill(ArchiveStore &store, qint64 items, Clock::time_point t0);

/// Generates the archive; false when the setup itself fails.
bool generate(const ArchiveLocation &loc, qint64 items)
{
    removeDatabaseFiles(loc.sqlitePath);
    const auto t0 = Clock::now();
    ArchiveError err;
    auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::CreateIfMissing, &err);
    if (!store || !store->ensureSchema(&err)) {
        note(QStringLiteral("FAILED creating the archive: %1").arg(err.message));
        return false;
    }
    const bool ok = fill(*store, items, t0);  // every query handle is gone before the store closes
    store.reset();
    if (ok)
        info("generate.total_time", msSince(t0) / 1000.0, "s");
    return ok;
}

bool fill(ArchiveStore &store, qint64 items, Clock::time_point t0)
{
    QSqlDatabase db = store.database();
    QSqlQuery q(db);
    // Bulk load: no journal, no fsync, a big page cache; the secondary indexes the schema made
    // are dropped and re-created with the very same DDL afterwards (one sort instead of a million
    // random inserts). The PRIMARY KEY / UNIQUE indexes stay.
    if (!exec(q, QStringLiteral("PRAGMA journal_mode=OFF")) || !exec(q, QStringLiteral("PRAGMA synchronous=OFF"))
        || !exec(q, QStringLiteral("PRAGMA cache_size=-262144")) || !exec(q, QStringLiteral("PRAGMA foreign_keys=OFF")))
        return false;
    QList<QPair<QString, QString>> indexes;
    if (!exec(q, QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")))
        return false;
    while (q.next())
        indexes << qMakePair(q.value(0).toString(), q.value(1).toString());
    q.finish();
    for (const auto &ix : std::as_const(indexes))
        if (!exec(q, QStringLiteral("DROP INDEX %1").arg(ix.first)))
            return false;
    if (!exec(q, QStringLiteral("BEGIN")))
        return false;

    Rng rng(20261124);
    // Artifacts: a few thousand distinct contents (real zstd blobs of small source files),
    // shared by the items (the same file archived from several repos and commits).
    const int artifactCount = int(std::clamp<qint64>(items / 250, 1, 4000));
    std::vector<Artifact> artifacts;
    artifacts.reserve(size_t(artifactCount));
    {
        QSqlQuery ins(db);
        ins.prepare(QStringLiteral("INSERT INTO artifact (id, content_sha256, size_bytes, compression, mime_type, "
                                   "storage_driver, blob_bytes, object_url, created_at) VALUES (?, ?, ?, 'zstd', ?, 'db', ?, NULL, ?)"));
        for (int a = 0; a < artifactCount; ++a) {
            Artifact art;
            art.id = uuid(rng);
            art.type = pickType(rng);
            const FileType &t = kTypes[size_t(art.type)];
            QByteArray content;
            const int words = 60 + rng.below(1500);
            for (int w = 0; w < words; ++w) {
                content += kWords[rng.skewed(countOf(kWords))];
                content += (w % 12 == 11) ? '\n' : ' ';
            }
            content += QByteArray::number(a);  // every artifact distinct
            ArchiveError cerr;
            const QByteArray blob = BlobCodec::compress(QStringLiteral("zstd"), content, &cerr);
            const QString sha = BlobCodec::sha256Hex(content);
            art.metadata = metadataJson(blob.size(), t, sha, content.size(), false);
            art.metadataHold = metadataJson(blob.size(), t, sha, content.size(), true);
            ins.bindValue(0, art.id);
            ins.bindValue(1, sha);
            ins.bindValue(2, qlonglong(content.size()));
            ins.bindValue(3, QString::fromLatin1(t.mime));
            ins.bindValue(4, blob);
            ins.bindValue(5, timestamp(1700000000 + rng.below(60 * 86400), true));
            if (!execPrepared(ins, "an artifact"))
                return false;
            artifacts.push_back(art);
        }
    }

    QSqlQuery item(db), event(db), tag(db);
    item.prepare(QStringLiteral("INSERT INTO item (id, repo, path, commit_sha, language, kind, reason, artifact_id, "
                                "metadata, archived_by, archived_at, tombstone_id, legal_hold, delete_after, restored_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    event.prepare(QStringLiteral("INSERT INTO event (id, item_id, action, actor, context, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    tag.prepare(QStringLiteral("INSERT INTO tag (item_id, tag) VALUES (?, ?)"));
    const QVariant nullText{QMetaType(QMetaType::QString)};
    const qint64 end = 1795478400;  // 2026-11-24 00:00:00 UTC
    const qint64 span = 730LL * 86400;
    const char *const reasons[] = {"dead", "dead", "dead", "dead", "pruned", "pruned", "pruned", "legacy", "legacy", "replaced"};
    qint64 restoredCount = 0, taggedCount = 0, needleCount = 0;
    for (qint64 n = 0; n < items; ++n) {
        const Artifact &art = artifacts[size_t(rng.skewed(artifactCount))];
        const FileType &t = kTypes[size_t(art.type)];
        const QString repo = QLatin1String(kRepos[rng.skewed(countOf(kRepos))]);
        QString path = QLatin1String(kTops[rng.below(countOf(kTops))]) + QLatin1Char('/');
        if (rng.below(1000) < 5) {
            path += kPathNeedle + QLatin1Char('/');
            ++needleCount;
        }
        path += QLatin1String(kDirs[rng.below(countOf(kDirs))]) + QLatin1Char('/');
        if (rng.below(3) == 0)
            path += QLatin1String(kDirs[rng.below(countOf(kDirs))]) + QLatin1Char('/');
        path += QLatin1String(kNames[rng.below(countOf(kNames))]);
        if (rng.below(4) == 0)
            path += QLatin1Char('_') + QString::number(rng.below(100));
        path += QLatin1Char('.') + QLatin1String(t.ext);
        const QString id = uuid(rng);
        const QString commit = hex(rng, 40);
        const QString actor = QLatin1String(kActors[rng.skewed(countOf(kActors))]);
        const qint64 at = end - span + qint64(rng.next() % quint64(span));
        const QString archivedAt = timestamp(at, rng.below(2) == 0);
        const bool hold = rng.below(100) == 0;
        const bool restored = rng.below(50) == 0;
        const QString restoredAt = restored ? timestamp(std::min(end, at + 3600 + qint64(rng.below(90 * 86400))), true) : QString();

        item.bindValue(0, id);
        item.bindValue(1, repo);
        item.bindValue(2, path);
        item.bindValue(3, commit);
        item.bindValue(4, *t.language ? QVariant(QString::fromLatin1(t.language)) : nullText);
        item.bindValue(5, QString::fromLatin1(t.kind));
        item.bindValue(6, QString::fromLatin1(reasons[rng.below(countOf(reasons))]));
        item.bindValue(7, art.id);
        item.bindValue(8, hold ? art.metadataHold : art.metadata);
        item.bindValue(9, actor);
        item.bindValue(10, archivedAt);
        item.bindValue(11, uuid(rng));
        item.bindValue(12, hold ? 1 : 0);
        item.bindValue(13, nullText);
        item.bindValue(14, restored ? QVariant(restoredAt) : nullText);
        if (!execPrepared(item, "an item"))
            return false;

        event.bindValue(0, uuid(rng));
        event.bindValue(1, id);
        event.bindValue(2, QStringLiteral("ARCHIVE"));
        event.bindValue(3, actor);
        event.bindValue(4, QStringLiteral("{\"commit\":\"%1\",\"path\":\"%2\",\"python\":\"3.11.9\",\"repo\":\"%3\"}")
                               .arg(commit, path, repo));
        event.bindValue(5, archivedAt);
        if (!execPrepared(event, "an event"))
            return false;
        if (restored) {
            ++restoredCount;
            event.bindValue(0, uuid(rng));
            event.bindValue(2, QStringLiteral("RESTORE"));
            event.bindValue(3, QLatin1String(kActors[rng.below(countOf(kActors))]));
            event.bindValue(4, QStringLiteral("{\"bytes\":1,\"output\":\"/tmp/restore/%1\",\"sha256\":\"%2\"}")
                                   .arg(QFileInfo(path).fileName(), hex(rng, 64)));
            event.bindValue(5, restoredAt);
            if (!execPrepared(event, "a RESTORE event"))
                return false;
        }
        if (rng.below(10) == 0) {
            ++taggedCount;
            const int first = rng.below(countOf(kTags));
            const int howMany = 1 + rng.below(2);
            for (int k = 0; k < howMany; ++k) {
                tag.bindValue(0, id);
                tag.bindValue(1, QLatin1String(kTags[(first + k) % countOf(kTags)]));
                if (!execPrepared(tag, "a tag"))
                    return false;
            }
        }
    }
    const double insertMs = msSince(t0);
    const auto t1 = Clock::now();
    for (const auto &ix : std::as_const(indexes))
        if (!exec(q, ix.second))
            return false;
    if (!exec(q, QStringLiteral("COMMIT")) || !exec(q, QStringLiteral("PRAGMA journal_mode=WAL")))
        return false;
    const double indexMs = msSince(t1);
    note(QStringLiteral("generated: %1 items, %2 artifacts, %3 restored, %4 tagged, %5 with '%6' in the path; "
                        "indexes re-created: %7")
             .arg(items)
             .arg(artifactCount)
             .arg(restoredCount)
             .arg(taggedCount)
             .arg(needleCount)
             .arg(kPathNeedle)
             .arg(indexes.size()));
    info("generate.insert_rows_time", insertMs / 1000.0, "s");
    info("generate.create_indexes_commit_time", indexMs / 1000.0, "s");
    return true;
}

/// True when the file holds a complete archive of `items` items generated earlier.
bool reusable(const ArchiveLocation &loc, qint64 items)
{
    if (!QFileInfo::exists(loc.sqlitePath))
        return false;
    ArchiveError err;
    auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
    if (!store || !store->missingTables(&err).isEmpty() || err)
        return false;
    if (store->countItems({}, &err) != items)
        return false;
    QSqlQuery q(store->database());
    return q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_item_archived_at_norm'"))
           && q.next() && q.value(0).toInt() == 1;
}

// ---- step 3: the sqlite3 CLI ------------------------------------------------------------------

struct CliTiming {
    double wallMs = -1;   ///< median wall time of the process
    double timerMs = -1;  ///< median sum of ".timer on" real times of the statements
};

CliTiming runSqlite3(const QString &file, const QString &sql, int runs = kRuns)
{
    auto once = [&](double *timer) -> double {
        QProcess p;
        const auto a = Clock::now();
        // ".timer on" only reports for statements read from standard input.
        p.start(QStringLiteral("sqlite3"), {file});
        p.write(".timer on\n" + sql.toUtf8() + "\n");
        p.closeWriteChannel();
        if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            note(QStringLiteral("sqlite3 failed: %1 %2").arg(QString::fromUtf8(p.readAllStandardError()).trimmed(), p.errorString()));
            return -1;
        }
        const double wall = msSince(a);
        static const QRegularExpression re(QStringLiteral("Run Time: real ([0-9.]+)"));
        double sum = 0;
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        for (auto it = re.globalMatch(out); it.hasNext();)
            sum += it.next().captured(1).toDouble() * 1000.0;
        g_sink = g_sink + out.size();
        *timer = sum;
        return wall;
    };
    double dummy = 0;
    once(&dummy);  // warm-up
    std::vector<double> walls, timers;
    for (int i = 0; i < runs; ++i) {
        double timer = 0;
        const double w = once(&timer);
        if (w < 0)
            return {};
        walls.push_back(w);
        timers.push_back(timer);
    }
    return {median(walls), median(timers)};
}

// ---- step 2 + 3: browsing ---------------------------------------------------------------------

struct Query {
    const char *name;
    double ours = 0;
    QString sql;   ///< the same statements for the sqlite3 CLI
    int runs = kRuns;
};

QString sqlLiteral(const QString &s)
{
    QString e = s;
    e.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + e + QLatin1Char('\'');
}

bool browse(const ArchiveLocation &loc, qint64 expectedItems)
{
    ArchiveError err;
    const ItemFilter all;
    const SortOrder desc{SortColumn::ArchivedAt, true};
    const SortOrder asc{SortColumn::ArchivedAt, false};
    ItemFilter byPath;
    byPath.pathContains = kPathNeedle;

    // The statements ArchiveStore runs on SQLite (ArchiveStore.cpp: itemColumns(), whereClause(),
    // orderBy(), items()), with the bound values written in.
    const QString norm = ArchiveSchema::normalizedTimestamp(QStringLiteral("i.archived_at"));
    const QString select = QStringLiteral(
        "SELECT i.id, i.tombstone_id, i.repo, i.path, i.commit_sha, i.language, i.kind, i.reason, i.archived_by, "
        "i.archived_at, i.legal_hold, i.restored_at, a.mime_type, a.size_bytes, length(a.blob_bytes), a.storage_driver "
        "FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id");
    const QString orderDesc = QStringLiteral(" ORDER BY %1 DESC, i.id DESC").arg(norm);
    const QString orderAsc = QStringLiteral(" ORDER BY %1 ASC, i.id ASC").arg(norm);
    const QString pathWhere = QStringLiteral(" WHERE i.path LIKE %1 ESCAPE '!'").arg(sqlLiteral(QLatin1Char('%') + kPathNeedle + QLatin1Char('%')));
    const QString countAll = QStringLiteral("SELECT COUNT(*) FROM item i;");
    auto page = [](qint64 offset) { return QStringLiteral(" LIMIT %1 OFFSET %2;").arg(kPage).arg(offset); };

    // --- open + first screen
    qint64 total = -1;
    QList<ItemRow> rows;
    const double firstScreen = medianMs([&] {
        auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
        if (!store)
            return;
        total = store->countItems(all, &err);
        rows = store->items(all, desc, 0, kPage, &err);
        g_sink = g_sink + rows.size();
    });
    if (err || total != expectedItems || rows.size() != kPage) {
        note(QStringLiteral("FAILED: first screen: %1 (total %2, %3 rows)").arg(err.message).arg(total).arg(rows.size()));
        return false;
    }
    note(QStringLiteral("first row: %1 %2 %3 (archived_at %4); last of page %5").arg(rows.first().repo, rows.first().path,
                                                                                  rows.first().tombstoneId, rows.first().archivedAt,
                                                                                  rows.last().archivedAt));

    auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
    if (!store) {
        note(QStringLiteral("FAILED: reopen: %1").arg(err.message));
        return false;
    }
    QList<Query> queries;
    queries << Query{"open_first_screen", firstScreen, countAll + select + orderDesc + page(0)};

    // --- path filter
    qint64 pathCount = -1;
    const double pathFirst = medianMs([&] {
        rows = store->items(byPath, desc, 0, kPage, &err);
        g_sink = g_sink + rows.size();
    });
    const int pathRows = int(rows.size());
    bool pathOk = !rows.isEmpty();
    for (const ItemRow &r : std::as_const(rows))
        pathOk = pathOk && r.path.contains(kPathNeedle, Qt::CaseInsensitive);
    const double pathCountMs = medianMs([&] { pathCount = store->countItems(byPath, &err); });
    queries << Query{"path_filter_first_rows", pathFirst, select + pathWhere + orderDesc + page(0)};
    queries << Query{"path_filter_count", pathCountMs, QStringLiteral("SELECT COUNT(*) FROM item i") + pathWhere + QLatin1Char(';')};

    // --- sorting
    QList<ItemRow> ascRows, descRows;
    const double sortAsc = medianMs([&] {
        ascRows = store->items(all, asc, 0, kPage, &err);
        g_sink = g_sink + ascRows.size();
    });
    const double sortDesc = medianMs([&] {
        descRows = store->items(all, desc, 0, kPage, &err);
        g_sink = g_sink + descRows.size();
    });
    queries << Query{"sort_archived_at_asc", sortAsc, select + orderAsc + page(0)};
    queries << Query{"sort_archived_at_desc", sortDesc, select + orderDesc + page(0)};
    auto normalised = [](QString s) { return s.replace(QLatin1Char('T'), QLatin1Char(' ')).remove(QLatin1Char('Z')); };
    bool sortOk = ascRows.size() == kPage && descRows.size() == kPage;
    for (int i = 1; sortOk && i < kPage; ++i)
        sortOk = normalised(ascRows[i - 1].archivedAt) <= normalised(ascRows[i].archivedAt)
                 && normalised(descRows[i - 1].archivedAt) >= normalised(descRows[i].archivedAt);
    bool mixedForms = false;
    for (const ItemRow &r : std::as_const(descRows))
        mixedForms = mixedForms || r.archivedAt.contains(QLatin1Char('T'));

    // --- jump to the last page
    const qint64 rssBefore = statusKb("VmRSS");
    QList<ItemRow> lastRows;
    const double lastPage = medianMs([&] {
        lastRows = store->items(all, desc, total - kPage, kPage, &err);
        g_sink = g_sink + lastRows.size();
    });
    const qint64 rssAfter = statusKb("VmRSS");
    const qint64 hwmKb = statusKb("VmHWM");
    // What the store avoids: the same page with a plain OFFSET over every row, same connection
    // (seconds per run: one warm-up and one timed run only).
    QStringList naiveIds;
    const double naiveLast = medianMs([&] {
        QSqlQuery q(store->database());
        q.setForwardOnly(true);
        naiveIds.clear();
        if (!q.exec(select + orderDesc + page(total - kPage)))
            return;
        while (q.next())
            naiveIds << q.value(0).toString();
    }, 1);
    QStringList lastIds;
    for (const ItemRow &r : std::as_const(lastRows))
        lastIds << r.id;
    queries << Query{"jump_to_last_page", lastPage,
                     countAll + select + orderAsc + page(0)};  // the store: count, then the other end of the index

    // --- report
    below("open_first_screen.median", firstScreen, "ms", 150);
    info("open_first_screen.total_items", double(total), "items");
    below("path_filter_first_rows.median", pathFirst, "ms", 300);
    info("path_filter_count.median", pathCountMs, "ms");
    info("path_filter_count.matches", double(pathCount), "items");
    below("sort_archived_at_asc.median", sortAsc, "ms", 300);
    below("sort_archived_at_desc.median", sortDesc, "ms", 300);
    below("jump_to_last_page.median", lastPage, "ms", 300);
    info("jump_to_last_page.rss_delta", double(rssAfter - rssBefore) / 1024.0, "MB");
    info("jump_to_last_page.naive_offset_one_run", naiveLast, "ms");
    below("peak_rss", double(hwmKb) / 1024.0, "MB", 250);
    note(QStringLiteral("checks: path rows %1 all match: %2; sort order ok: %3; both timestamp forms on the first page: %4; "
                        "last page == naive OFFSET page: %5")
             .arg(pathRows)
             .arg(pathOk ? QStringLiteral("yes") : QStringLiteral("NO"), sortOk ? QStringLiteral("yes") : QStringLiteral("NO"),
                  mixedForms ? QStringLiteral("yes") : QStringLiteral("no"),
                  lastIds == naiveIds && lastIds.size() == kPage ? QStringLiteral("yes") : QStringLiteral("NO")));
    if (err)
        note(QStringLiteral("store error: %1").arg(err.message));
    store.reset();

    // --- the sqlite3 CLI on the same file
    if (QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty()) {
        note(QStringLiteral("sqlite3 not found: no CLI comparison"));
        return true;
    }
    const CliTiming base = runSqlite3(loc.sqlitePath, QStringLiteral("select 1;"));
    info("sqlite3.baseline_select1.wall", base.wallMs, "ms");
    const QString naiveSql = select + orderDesc + page(total - kPage);
    queries << Query{"jump_to_last_page_naive_offset", naiveLast, naiveSql, 1};
    for (const Query &q : std::as_const(queries)) {
        const CliTiming t = runSqlite3(loc.sqlitePath, q.sql, q.runs);
        if (t.wallMs < 0)
            continue;
        const double wall = std::max(0.01, t.wallMs - base.wallMs);
        const QByteArray prefix = QByteArray("sqlite3.") + q.name;
        info((prefix + ".wall_minus_baseline").constData(), wall, "ms");
        info((prefix + ".timer_real").constData(), t.timerMs, "ms");
        info((prefix + ".ratio_ours_vs_sqlite3").constData(), q.ours / wall, "x");
    }
    return true;
}

// ---- step 4: restore --------------------------------------------------------------------------

bool restoreBench(const QString &dir)
{
    const QString path = dir + QStringLiteral("/restore.sqlite");
    removeDatabaseFiles(path);
    ArchiveError err;
    const auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + path, dir, &err);
    if (!loc) {
        note(QStringLiteral("FAILED: %1").arg(err.message));
        return false;
    }
    auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::CreateIfMissing, &err);
    if (!store) {
        note(QStringLiteral("FAILED: %1").arg(err.message));
        return false;
    }
    constexpr qint64 kBytes = 100'000'000;
    QString tombstone;
    qint64 compressedSize = 0;
    {
        StoreRequest req;
        req.repo = QStringLiteral("acme/data-pipelines");
        req.path = QStringLiteral("exports/big-dump.txt");
        req.commitSha = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
        req.actor = QStringLiteral("bench");
        req.content = benchutil::wordsPayload(kBytes, 4711);
        const auto a = Clock::now();
        const auto t = store->store(req, &err);
        const double storeMs = msSince(a);
        if (!t) {
            note(QStringLiteral("FAILED storing the 100 MB item: %1").arg(err.message));
            return false;
        }
        tombstone = *t;
        info("restore.store_100MB_zstd9", storeMs, "ms");
    }
    const QString outDir = dir + QStringLiteral("/restored");
    QDir(outDir).removeRecursively();
    QDir().mkpath(outDir);
    RestoreService service(*store, nullptr);
    RestoreRequest rq;
    rq.tombstone = tombstone;
    rq.output = outDir + QStringLiteral("/big-dump.txt");
    rq.actor = QStringLiteral("bench");
    rq.conflict = ConflictPolicy::Overwrite;
    RestoreResult last;
    const qint64 rssBeforeKb = statusKb("VmRSS");
    const bool peakReset = resetPeakRss();
    const double restoreMs = medianMs([&] { last = service.restore(rq); });
    const qint64 restorePeakKb = statusKb("VmHWM");
    if (!last.ok) {
        note(QStringLiteral("FAILED restoring: %1").arg(last.error.message));
        return false;
    }
    atLeast("restore.throughput", double(kBytes) / 1e6 / (restoreMs / 1000.0), "MB/s", 200);
    info("restore.median", restoreMs, "ms");
    if (peakReset)
        info("restore.peak_rss_growth", double(restorePeakKb - rssBeforeKb) / 1024.0, "MB");

    // The parts, one by one, as RestoreService does them.
    std::optional<ArchiveStore::Blob> blob;
    const double fetchMs = medianMs([&] { blob = store->blob(tombstone, &err); });
    if (!blob) {
        note(QStringLiteral("FAILED reading the blob: %1").arg(err.message));
        return false;
    }
    compressedSize = blob->compressed.size();
    // What RestoreService reads: the payload in pieces through SQLite's incremental blob I/O.
    const double streamMs = medianMs([&] {
        auto stream = store->openBlob(tombstone, &err);
        const char *piece = nullptr;
        qint64 total = 0;
        for (qint64 n; stream && (n = stream->payload->next(&piece)) > 0;)
            total += n;
        g_sink = g_sink + char(total);
    });
    QByteArray raw;
    const double decompressMs = medianMs([&] {
        raw = QByteArray();
        raw = BlobCodec::decompress(blob->artifact.compression, blob->compressed, blob->artifact.sizeBytes, &err);
    });
    QString sha;
    const double shaMs = medianMs([&] { sha = BlobCodec::sha256Hex(raw); });
    const QString probe = outDir + QStringLiteral("/write-probe.bin");
    const double writeMs = medianMs([&] {
        QFile f(probe);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return;
        constexpr qint64 kChunk = 8 << 20;
        for (qint64 at = 0; at < raw.size(); at += kChunk)
            f.write(raw.constData() + at, std::min(kChunk, raw.size() - at));
        f.flush();
        ::fsync(f.handle());
        f.close();
    });
    QFile::remove(probe);
    // What first-touching fresh memory costs here (page faults): why the restore path reads
    // the blob in pieces and decompresses into one reused buffer instead of whole copies.
    const double touchMs = medianMs([&] {
        QByteArray fresh(kBytes, Qt::Uninitialized);
        std::memset(fresh.data(), 1, size_t(fresh.size()));
        g_sink = g_sink + fresh.at(fresh.size() / 2);
    });
    const double mb = double(kBytes) / 1e6;
    info("restore.compressed_size", double(compressedSize) / 1e6, "MB");
    info("restore.part.read_blob_in_pieces", streamMs, "ms");
    info("restore.part.fetch_blob_whole", fetchMs, "ms");
    info("restore.part.decompress", decompressMs, "ms");
    info("restore.part.decompress_rate", mb / (decompressMs / 1000.0), "MB/s");
    info("restore.part.sha256", shaMs, "ms");
    info("restore.part.sha256_rate", mb / (shaMs / 1000.0), "MB/s");
    info("restore.part.write_fsync", writeMs, "ms");
    info("restore.part.write_rate", mb / (writeMs / 1000.0), "MB/s");
    info("restore.part.first_touch_100MB_fresh_memory", touchMs, "ms");
    note(QStringLiteral("restore: sha256 %1 (%2)").arg(sha, sha == last.sha256 ? QStringLiteral("matches") : QStringLiteral("DIFFERS")));
    info("rss_after_restore", double(statusKb("VmRSS")) / 1024.0, "MB");
    store.reset();
    QDir(outDir).removeRecursively();
    removeDatabaseFiles(path);
    return true;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    codex::log::Options logOptions;
    logOptions.file = false;
    logOptions.level = QStringLiteral("warn");
    codex::log::init(logOptions);

    qint64 items = 1'000'000;
    QString dirArg;
    bool skipRestore = false;
    bool freshChild = false;  // internal: this process was started to measure in a fresh state
    const QStringList args = QCoreApplication::arguments().mid(1);
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--items") && i + 1 < args.size()) {
            items = args[++i].toLongLong();
        } else if (args[i] == QLatin1String("--dir") && i + 1 < args.size()) {
            dirArg = args[++i];
        } else if (args[i] == QLatin1String("--skip-restore")) {
            skipRestore = true;
        } else if (args[i] == QLatin1String("--fresh-child")) {
            freshChild = true;
        } else {
            std::printf("usage: bench_archive [--items N] [--dir PATH] [--skip-restore]\n");
            return 2;
        }
    }
    if (items < kPage * 2) {
        std::printf("bench_archive: --items must be at least %d\n", kPage * 2);
        return 2;
    }

    if (!freshChild) {
        benchutil::printMachineHeader();
    }

    std::unique_ptr<QTemporaryDir> tmp;
    QString dir;
    if (dirArg.isEmpty()) {
        tmp = std::make_unique<QTemporaryDir>();
        if (!tmp->isValid()) {
            std::printf("bench_archive: FAILED: no temporary folder: %s\n", qPrintable(tmp->errorString()));
            return 1;
        }
        dir = tmp->path();
    } else {
        dir = QDir(dirArg).absolutePath();
        if (!QDir().mkpath(dir)) {
            std::printf("bench_archive: FAILED: cannot create %s\n", qPrintable(dir));
            return 1;
        }
    }
    const QString file = dir + QStringLiteral("/archive-%1.sqlite").arg(items);
    ArchiveError err;
    const auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + file, dir, &err);
    if (!loc) {
        std::printf("bench_archive: FAILED: %s\n", qPrintable(err.message));
        return 1;
    }

    if (freshChild) {
        note(QStringLiteral("measuring in a fresh process (pid %1)").arg(QCoreApplication::applicationPid()));
    } else if (!dirArg.isEmpty() && reusable(*loc, items)) {
        note(QStringLiteral("reusing %1 (generated by an earlier run)").arg(file));
    } else {
        note(QStringLiteral("generating %1 items in %2").arg(items).arg(file));
        if (!generate(*loc, items))
            return 1;
        // Generating leaves this process with a big heap (and a peak RSS) of its own: the rest
        // runs in a new process, as the console would open the archive.
        QStringList childArgs{QStringLiteral("--items"), QString::number(items), QStringLiteral("--dir"), dir,
                              QStringLiteral("--fresh-child")};
        if (skipRestore)
            childArgs << QStringLiteral("--skip-restore");
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        child.start(QCoreApplication::applicationFilePath(), childArgs);
        if (!child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit) {
            std::printf("bench_archive: FAILED: the measuring process did not finish: %s\n", qPrintable(child.errorString()));
            return 1;
        }
        return child.exitCode();
    }
    info("archive.file_size", double(fileSize(file) + fileSize(file + QStringLiteral("-wal"))) / 1e6, "MB");
    note(QStringLiteral("RSS before browsing %1 MB; peak so far %2 MB; peak reset: %3")
             .arg(double(statusKb("VmRSS")) / 1024.0, 0, 'f', 1)
             .arg(double(statusKb("VmHWM")) / 1024.0, 0, 'f', 1)
             .arg(resetPeakRss() ? QStringLiteral("yes") : QStringLiteral("NO (peak includes generation)")));

    if (!browse(*loc, items))
        return 1;
    if (skipRestore)
        note(QStringLiteral("restore skipped (--skip-restore)"));
    else if (!restoreBench(dir))
        return 1;
    std::fflush(stdout);
    return g_sink == -1 ? 1 : 0;  // never true; keeps the sink observable
}
