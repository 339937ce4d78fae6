#include "common/Log.h"

#include "common/Url.h"

#include <QDir>
#include <QStandardPaths>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace codex::log {

namespace {

QString g_filePath;

/// Masks credentials in every message before it reaches any real sink, whatever logged it.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    void add(spdlog::sink_ptr sink) { m_sinks.push_back(std::move(sink)); }

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override
    {
        const QString text = QString::fromUtf8(msg.payload.data(), qsizetype(msg.payload.size()));
        const std::string clean = redactSecrets(text).toStdString();
        spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, clean);
        for (auto &s : m_sinks)
            if (s->should_log(copy.level))
                s->log(copy);
    }
    void flush_() override
    {
        for (auto &s : m_sinks)
            s->flush();
    }

private:
    std::vector<spdlog::sink_ptr> m_sinks;
};

std::shared_ptr<spdlog::logger> logger()
{
    auto l = spdlog::get("codex");
    if (!l) {
        // Used before init() (tests, early start-up): console only, still redacted.
        auto sink = std::make_shared<RedactingSink>();
        sink->add(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
        l = std::make_shared<spdlog::logger>("codex", sink);
        l->set_level(spdlog::level::warn);
        spdlog::register_logger(l);
    }
    return l;
}

void qtHandler(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    switch (type) {
    case QtDebugMsg: debug(message); break;
    case QtInfoMsg: info(message); break;
    case QtWarningMsg: warn(message); break;
    case QtCriticalMsg:
    case QtFatalMsg: error(message); break;
    }
}

}  // namespace

void init(const Options &options)
{
    spdlog::drop("codex");
    auto sink = std::make_shared<RedactingSink>();
    if (options.console) {
        auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        console->set_pattern("%^%l%$: %v");
        sink->add(console);
    }
    g_filePath.clear();
    if (options.file && qEnvironmentVariableIsEmpty("CODEX_ADMIN_NO_FILE_LOG")) {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
                            + QStringLiteral("/codex-admin/logs");
        if (QDir().mkpath(dir)) {
            g_filePath = dir + QLatin1Char('/') + options.appName + QStringLiteral(".log");
            try {
                auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(g_filePath.toStdString(),
                                                                                   5 * 1024 * 1024, 3);
                file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
                sink->add(file);
            } catch (const spdlog::spdlog_ex &) {
                g_filePath.clear();  // an unwritable log folder must not stop the app
            }
        }
    }
    auto l = std::make_shared<spdlog::logger>("codex", sink);
    l->set_level(spdlog::level::from_str(options.level.toStdString()));
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
    qInstallMessageHandler(qtHandler);
}

QString filePath()
{
    return g_filePath;
}

void debug(const QString &message) { logger()->debug(message.toStdString()); }
void info(const QString &message) { logger()->info(message.toStdString()); }
void warn(const QString &message) { logger()->warn(message.toStdString()); }
void error(const QString &message) { logger()->error(message.toStdString()); }

}  // namespace codex::log
