#pragma once

#include <QByteArray>
#include <QCborMap>
#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>

namespace codex::evidence {

/// The append-only evidence log archive_ops.jsonl, written byte-for-byte like the reference:
/// one JSON object per line, keys sorted, compact separators, `ts` as UTC YYYY-MM-DDTHH:MM:SSZ,
/// non-ASCII escaped as \uXXXX (Python's json.dumps defaults). Appends take an exclusive file
/// lock so concurrent writers (us, the reference CLI, other threads) never interleave lines.
class EvidenceLog {
public:
    explicit EvidenceLog(const QString &path);
    const QString &path() const { return m_path; }

    /// $CODEX_EVIDENCE_DIR/archive_ops.jsonl, else <workspace>/.codex/evidence/archive_ops.jsonl.
    static QString defaultPath(const QString &workspace, const QMap<QString, QString> &environment);

    /// Appends {action, ts, ...fields}; creates the folder and file when missing.
    bool append(const QString &action, const QJsonObject &fields, QString *error,
                const QDateTime &ts = QDateTime::currentDateTimeUtc());

    /// The same with a QCborMap, which (unlike QJsonObject, whose Qt 6 storage turns 2.0 into the
    /// integer 2) keeps integers and floats apart, so float fields come out as Python writes them
    /// ("2.0", "1e-05", "1e+16"). A separate name, so braced initialisers never become ambiguous.
    bool appendCbor(const QString &action, const QCborMap &fields, QString *error,
                const QDateTime &ts = QDateTime::currentDateTimeUtc());

    /// The exact line (without newline) the reference writes for this object.
    static QByteArray serialize(const QJsonObject &object);
    /// Same for a QCborMap (integers and floats kept apart; see appendCbor()).
    static QByteArray serializeCbor(const QCborMap &object);
    static QString timestamp(const QDateTime &utc);

private:
    QString m_path;
};

}  // namespace codex::evidence
