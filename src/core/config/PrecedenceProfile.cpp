#include "config/PrecedenceProfile.h"

#include "config/ConfigSchema.h"

#include <QCoreApplication>

namespace codex::config {

const ConfigSchema &PrecedenceProfile::schema() const
{
    return ConfigSchema::builtin(schemaId);
}

const QList<PrecedenceProfile> &PrecedenceProfile::all()
{
    static const QList<PrecedenceProfile> profiles = {
        {ProfileKind::ArchiveA, QStringLiteral("a"),
         QCoreApplication::translate("PrecedenceProfile", "Archive — generation A"), QStringLiteral("archive-a"),
         QCoreApplication::translate("PrecedenceProfile",
                                     "Whole source: an explicit file wins entirely; else .codex/archive.toml, if it "
                                     "exists, wins entirely and every environment variable is ignored; else "
                                     "environment variables over built-in defaults.")},
        {ProfileKind::ArchiveB, QStringLiteral("b"),
         QCoreApplication::translate("PrecedenceProfile", "Archive — generation B"), QStringLiteral("archive-b"),
         QCoreApplication::translate("PrecedenceProfile",
                                     "Per key: built-in defaults, then the file named by --config or "
                                     "CODEX_ARCHIVE_CONFIG, then each environment variable that is set.")},
        {ProfileKind::Ccproxy, QStringLiteral("ccproxy"),
         QCoreApplication::translate("PrecedenceProfile", "ccproxy — fork / v0.1.7 (the seed's)"),
         QStringLiteral("ccproxy-fork"),
         QCoreApplication::translate("PrecedenceProfile",
                                     "Per key: command line > TOML file > environment > .env > defaults; the "
                                     "environment only fills keys the TOML file does not set.")},
        {ProfileKind::CcproxyCurrent, QStringLiteral("ccproxy-current"),
         QCoreApplication::translate("PrecedenceProfile", "ccproxy — current v0.2 (plugins)"),
         QStringLiteral("ccproxy-current"),
         QCoreApplication::translate("PrecedenceProfile",
                                     "Per key: command line > environment > TOML file > .env > defaults.")},
    };
    return profiles;
}

const PrecedenceProfile *PrecedenceProfile::byId(const QString &id)
{
    for (const PrecedenceProfile &p : all())
        if (p.id == id)
            return &p;
    return nullptr;
}

const PrecedenceProfile &PrecedenceProfile::byKind(ProfileKind kind)
{
    for (const PrecedenceProfile &p : all())
        if (p.kind == kind)
            return p;
    return all().front();
}

}  // namespace codex::config
