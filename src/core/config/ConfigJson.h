#pragma once

#include "config/ConfigResolver.h"

#include <QJsonObject>

namespace codex::config {

/// The effective configuration as JSON — the output of `codex-adminctl config show --json` and the
/// payload of a rollout's config snapshot: profile, the file read (path, exists, reason), every key
/// with its effective value, source, origin, shadowed and ignored values (each with source, value
/// and origin), and the issues. URL credentials and secret values are masked unless `reveal`.
QJsonObject resolvedConfigToJson(const ResolvedConfig &rc, bool reveal);

/// An issue's severity as JSON and `config validate` print it: "info", "warning", "error".
QString severityName(Severity s);

}  // namespace codex::config
