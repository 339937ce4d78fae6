#include "common/TextDiff.h"

#include <QList>
#include <QStringList>

#include <algorithm>
#include <vector>

namespace codex {

namespace {

QStringList splitLines(const QByteArray &bytes)
{
    QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    for (QString &l : lines)
        if (l.endsWith(QLatin1Char('\r')))
            l.chop(1);
    return lines;
}

struct Op {
    char kind;  // ' ', '-', '+'
    QString text;
};

}  // namespace

QString TextDiff::unified(const QByteArray &before, const QByteArray &after, const QString &beforeName,
                          const QString &afterName, int context)
{
    if (before == after)
        return {};
    const QStringList a = splitLines(before);
    const QStringList b = splitLines(after);
    // Edits touch few lines: trim the common head and tail so the LCS table stays small
    // even for a 10,000-line file.
    qsizetype head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head])
        ++head;
    qsizetype tail = 0;
    while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
        ++tail;
    const qsizetype n = a.size() - head - tail;
    const qsizetype m = b.size() - head - tail;

    std::vector<Op> ops;
    for (qsizetype i = 0; i < head; ++i)
        ops.push_back({' ', a[i]});
    if (n * m <= 4'000'000) {
        std::vector<std::vector<int>> lcs(size_t(n + 1), std::vector<int>(size_t(m + 1), 0));
        for (qsizetype i = n - 1; i >= 0; --i)
            for (qsizetype j = m - 1; j >= 0; --j)
                lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        qsizetype i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[head + i] == b[head + j]) {
                ops.push_back({' ', a[head + i]});
                ++i, ++j;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.push_back({'-', a[head + i++]});  // removals before additions, as diff -u shows them
            } else {
                ops.push_back({'+', b[head + j++]});
            }
        }
    } else {  // too large to align: show the middle as replaced
        for (qsizetype i = 0; i < n; ++i)
            ops.push_back({'-', a[head + i]});
        for (qsizetype j = 0; j < m; ++j)
            ops.push_back({'+', b[head + j]});
    }
    for (qsizetype i = a.size() - tail; i < a.size(); ++i)
        ops.push_back({' ', a[i]});

    QString out = QStringLiteral("--- %1\n+++ %2\n").arg(beforeName, afterName);
    const qsizetype total = qsizetype(ops.size());
    qsizetype k = 0;
    while (k < total) {
        while (k < total && ops[size_t(k)].kind == ' ')
            ++k;
        if (k >= total)
            break;
        qsizetype start = std::max<qsizetype>(0, k - context);
        qsizetype end = k;
        // Extend the hunk while the next change is within 2*context unchanged lines.
        while (true) {
            qsizetype e = end;
            while (e < total && ops[size_t(e)].kind != ' ')
                ++e;
            qsizetype gap = e;
            while (gap < total && ops[size_t(gap)].kind == ' ' && gap - e <= 2 * context)
                ++gap;
            if (gap < total && ops[size_t(gap)].kind != ' ' && gap - e <= 2 * context) {
                end = gap;
                continue;
            }
            end = std::min(total, e + context);
            break;
        }
        int aStart = 0, bStart = 0;
        for (qsizetype q = 0; q < start; ++q) {
            if (ops[size_t(q)].kind != '+')
                ++aStart;
            if (ops[size_t(q)].kind != '-')
                ++bStart;
        }
        int aLen = 0, bLen = 0;
        QString body;
        for (qsizetype q = start; q < end; ++q) {
            const Op &op = ops[size_t(q)];
            if (op.kind != '+')
                ++aLen;
            if (op.kind != '-')
                ++bLen;
            body += QLatin1Char(op.kind) + op.text + QLatin1Char('\n');
        }
        out += QStringLiteral("@@ -%1,%2 +%3,%4 @@\n").arg(aStart + (aLen ? 1 : 0)).arg(aLen).arg(bStart + (bLen ? 1 : 0)).arg(bLen);
        out += body;
        k = end;
    }
    return out;
}

}  // namespace codex
