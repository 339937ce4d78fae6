#include "archive/ArchiveTypes.h"

namespace codex::archive {

QString backendName(Backend backend)
{
    switch (backend) {
    case Backend::Sqlite:
        return QStringLiteral("sqlite");
    case Backend::Postgres:
        return QStringLiteral("postgres");
    case Backend::MariaDb:
        return QStringLiteral("mariadb");
    }
    return QStringLiteral("sqlite");
}

bool ItemFilter::isEmpty() const
{
    return repo.isEmpty() && pathContains.isEmpty() && actor.isEmpty() && reason.isEmpty() && kind.isEmpty()
           && language.isEmpty() && tag.isEmpty() && !archivedFrom && !archivedTo && !legalHold && !restored
           && tombstone.isEmpty();
}

}  // namespace codex::archive
