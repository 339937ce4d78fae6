#pragma once

#include <QList>
#include <QString>

namespace codex::config {

class ConfigSchema;

/// Which real configuration loader a profile reproduces.
enum class ProfileKind {
    ArchiveA,        ///< codex archive generation A: whole-source (file hides all env vars)
    ArchiveB,        ///< codex archive generation B: per-key overlay, env over file over defaults
    Ccproxy,         ///< ccproxy fork/legacy v0.1.7: command line > TOML > env > .env > defaults
    CcproxyCurrent,  ///< ccproxy v0.2: command line > env > TOML > .env > defaults
};

/// A named precedence profile: how the layers of one configuration system combine.
struct PrecedenceProfile {
    ProfileKind kind;
    QString id;        ///< "a", "b", "ccproxy", "ccproxy-current" (the --profile values)
    QString title;     ///< "Archive — generation A"
    QString schemaId;  ///< resources/schemas/<schemaId>.json
    QString order;     ///< the precedence rule in one sentence

    bool isArchive() const { return kind == ProfileKind::ArchiveA || kind == ProfileKind::ArchiveB; }
    const ConfigSchema &schema() const;

    static const QList<PrecedenceProfile> &all();
    /// nullptr for an unknown id.
    static const PrecedenceProfile *byId(const QString &id);
    static const PrecedenceProfile &byKind(ProfileKind kind);
};

}  // namespace codex::config
