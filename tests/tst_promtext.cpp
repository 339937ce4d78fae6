// The Prometheus text exposition parser (format 0.0.4): every construct, every malformed case,
// a real-looking ccproxy exposition and a 20 MB one.
#include "metrics/PromText.h"

#include "TestUtil.h"

#include <QElapsedTimer>
#include <QtTest/QtTest>

#include <cmath>

using namespace codex::metrics;

class TstPromText : public QObject {
    Q_OBJECT

    static const Sample *find(const Exposition &e, const QString &name, const Labels &labels = {})
    {
        for (const auto &f : e.families)
            for (const auto &s : f.samples)
                if (s.name == name && s.labels == labels)
                    return &s;
        return nullptr;
    }
    static QString problemsText(const Exposition &e)
    {
        QStringList l;
        for (const auto &p : e.problems)
            l << p.message;
        return l.join(QLatin1Char('\n'));
    }
    static Labels L(std::initializer_list<std::pair<const char *, const char *>> il)
    {
        Labels l;
        for (const auto &p : il)
            l.push_back({QString::fromUtf8(p.first), QString::fromUtf8(p.second)});
        return l;
    }

private Q_SLOTS:
    void helpTypeAndValues()
    {
        const QByteArray text =
            "# HELP http_total Requests with \\\\ backslash and \\n newline\n"
            "# TYPE http_total counter\n"
            "http_total{code=\"200\",method=\"GET\"} 1027 1395066363000\n"
            "http_total{code=\"400\",method=\"POST\"} 3 1395066363000\n"
            "# a plain comment\n"
            "#HELP not_a_help_line because no blank\n"
            "\n"
            "   \t\n"
            "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
            "metric_without_timestamp_and_labels 12.47\n"
            "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
            "neg_inf -Inf\n"
            "plain_inf Inf\n"
            "nan_value NaN\n"
            "exp_small -2E-2\n"
            "exp_plus 1.5e+3\n"
            "leading_dot .5\n"
            "  leading_blanks 1\n"
            "tabs\t2\t42\n"
            "spaced_labels { a = \"1\" , b=\"2\", } 3\n"
            "empty_labels{} 4\n"
            "colon:name_total 5\n";
        const Exposition e = PromTextParser::parse(text);
        QVERIFY2(e.problems.isEmpty(), qPrintable(problemsText(e)));
        const MetricFamily *http = e.family(QStringLiteral("http_total"));
        QVERIFY(http);
        QCOMPARE(http->type, MetricType::Counter);
        QCOMPARE(http->help, QStringLiteral("Requests with \\ backslash and \n newline"));
        QCOMPARE(http->samples.size(), 2);
        QCOMPARE(http->samples[0].labels, L({{"code", "200"}, {"method", "GET"}}));
        QCOMPARE(http->samples[0].value, 1027.0);
        QCOMPARE(*http->samples[0].timestampMs, Q_INT64_C(1395066363000));

        const Sample *ms = find(e, QStringLiteral("msdos_file_access_time_seconds"),
                                L({{"error", "Cannot find file:\n\"FILE.TXT\""}, {"path", "C:\\DIR\\FILE.TXT"}}));
        QVERIFY2(ms, "labels are unescaped and sorted by name");
        QCOMPARE(ms->value, 1.458255915e9);
        QVERIFY(!ms->timestampMs);
        QCOMPARE(find(e, QStringLiteral("metric_without_timestamp_and_labels"))->value, 12.47);
        const Sample *weird = find(e, QStringLiteral("something_weird"), L({{"problem", "division by zero"}}));
        QVERIFY(std::isinf(weird->value) && weird->value > 0);
        QCOMPARE(*weird->timestampMs, Q_INT64_C(-3982045));
        QVERIFY(std::isinf(find(e, QStringLiteral("neg_inf"))->value) && find(e, QStringLiteral("neg_inf"))->value < 0);
        QVERIFY(std::isinf(find(e, QStringLiteral("plain_inf"))->value));
        QVERIFY(std::isnan(find(e, QStringLiteral("nan_value"))->value));
        QCOMPARE(find(e, QStringLiteral("exp_small"))->value, -0.02);
        QCOMPARE(find(e, QStringLiteral("exp_plus"))->value, 1500.0);
        QCOMPARE(find(e, QStringLiteral("leading_dot"))->value, 0.5);
        QCOMPARE(find(e, QStringLiteral("leading_blanks"))->value, 1.0);
        QCOMPARE(*find(e, QStringLiteral("tabs"))->timestampMs, Q_INT64_C(42));
        QCOMPARE(find(e, QStringLiteral("spaced_labels"), L({{"a", "1"}, {"b", "2"}}))->value, 3.0);
        QCOMPARE(find(e, QStringLiteral("empty_labels"))->value, 4.0);
        QCOMPARE(find(e, QStringLiteral("colon:name_total"))->value, 5.0);
        QCOMPARE(e.family(QStringLiteral("nan_value"))->type, MetricType::Untyped);
        QVERIFY(!e.family(QStringLiteral("not_a_help_line")));
        QCOMPARE(e.sampleCount(), 16);
        QCOMPARE(seriesKey(ms->name, ms->labels),
                 QStringLiteral("msdos_file_access_time_seconds{error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\","
                                "path=\"C:\\\\DIR\\\\FILE.TXT\"}"));
    }

    void histogramsAndSummaries()
    {
        const QByteArray text = "# HELP rpc_duration_seconds A summary\n"
                                "# TYPE rpc_duration_seconds summary\n"
                                "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
                                "rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
                                "rpc_duration_seconds_sum 1.7560473e+07\n"
                                "rpc_duration_seconds_count 2693\n"
                                "# TYPE req_seconds histogram\n"
                                "req_seconds_bucket{le=\"0.5\"} 129389\n"   // unsorted buckets: parsed as is
                                "req_seconds_bucket{le=\"0.05\"} 24054\n"
                                "req_seconds_bucket{le=\"1\"} 133988\n"
                                "req_seconds_bucket{le=\"+Inf\"} 144320\n"
                                "req_seconds_sum 53423\n"
                                "req_seconds_count 144320\n"
                                "untyped_bucket{le=\"1\"} 1\n";
        const Exposition e = PromTextParser::parse(text);
        QVERIFY2(e.problems.isEmpty(), qPrintable(problemsText(e)));
        QCOMPARE(e.families.size(), 3);
        const MetricFamily *sum = e.family(QStringLiteral("rpc_duration_seconds"));
        QCOMPARE(sum->type, MetricType::Summary);
        QCOMPARE(sum->samples.size(), 4);
        QCOMPARE(sum->samples[2].name, QStringLiteral("rpc_duration_seconds_sum"));
        const MetricFamily *h = e.family(QStringLiteral("req_seconds"));
        QCOMPARE(h->type, MetricType::Histogram);
        QCOMPARE(h->samples.size(), 6);
        QCOMPARE(h->samples[0].labels, L({{"le", "0.5"}}));
        QCOMPARE(h->samples[5].name, QStringLiteral("req_seconds_count"));
        QCOMPARE(e.family(QStringLiteral("untyped_bucket"))->type, MetricType::Untyped);
    }

    void malformedLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing value") << QByteArray("m{a=\"1\"}") << "line 2: missing value for m";
        QTest::newRow("missing value bare") << QByteArray("m ") << "line 2: missing value for m";
        QTest::newRow("label without quotes") << QByteArray("m{a=1} 2") << "line 2: expected '\"' to start the value of label 'a' in m";
        QTest::newRow("label without =") << QByteArray("m{le \"1\"} 2") << "line 2: expected '=' after label name 'le' in m";
        QTest::newRow("bad label name") << QByteArray("m{1a=\"1\"} 2") << "line 2: invalid label name at '1a=\"1\"} 2' in m";
        QTest::newRow("missing comma") << QByteArray("m{a=\"1\" b=\"2\"} 2")
                                       << "line 2: expected ',' or '}' after the value of label 'a' in m, got 'b=\"2\"} 2'";
        QTest::newRow("unterminated quote") << QByteArray("m{a=\"1} 2") << "line 2: unterminated quoted value of label 'a' in m";
        QTest::newRow("unterminated set") << QByteArray("m{a=\"1\"") << "line 2: unterminated label set of m (missing '}')";
        QTest::newRow("bad escape") << QByteArray("m{a=\"x\\q\"} 2")
                                    << "line 2: invalid escape sequence '\\q' in the value of label 'a' in m (allowed: \\\\, \\\", \\n)";
        QTest::newRow("duplicate label") << QByteArray("m{a=\"1\",a=\"2\"} 2") << "line 2: duplicate label name 'a' in m";
        QTest::newRow("bad number") << QByteArray("m 12abc")
                                    << "line 2: invalid value '12abc' for m (expected a float, NaN, +Inf or -Inf)";
        QTest::newRow("signed NaN") << QByteArray("m -NaN") << "line 2: invalid value '-NaN' for m (expected a float, NaN, +Inf or -Inf)";
        QTest::newRow("bad timestamp") << QByteArray("m 1 12.5")
                                       << "line 2: invalid timestamp '12.5' for m (expected integer milliseconds)";
        QTest::newRow("text after timestamp") << QByteArray("m 1 12 extra") << "line 2: unexpected text after the timestamp of m: 'extra'";
        QTest::newRow("bad metric name") << QByteArray("0m 1") << "line 2: invalid metric name at '0m 1'";
        QTest::newRow("bad char in name") << QByteArray("m-x 1") << "line 2: invalid metric name 'm-'";
        QTest::newRow("unknown TYPE") << QByteArray("# TYPE m bogus")
                                      << "line 2: unknown metric type 'bogus' for m (expected counter, gauge, histogram, summary or untyped)";
        QTest::newRow("TYPE without type") << QByteArray("# TYPE m") << "line 2: TYPE line for m without a type";
        QTest::newRow("TYPE without name") << QByteArray("# TYPE") << "line 2: TYPE line without a metric name";
        QTest::newRow("HELP bad escape") << QByteArray("# HELP m a \\t tab") << "line 2: invalid escape sequence '\\t' in HELP text of m";
        QTest::newRow("CR line ending") << QByteArray("m 1\r") << "line 2: invalid value '1\r' for m (expected a float, NaN, +Inf or -Inf)";
        QTest::newRow("invalid utf8") << QByteArray("m{a=\"\xff\"} 1") << "line 2: value of label 'a' in m is not valid UTF-8";
        QTest::newRow("histogram base sample") << QByteArray("# TYPE h histogram\nh 1") << "line 3: histogram h: sample without _bucket, _sum or _count suffix";
        QTest::newRow("bucket without le") << QByteArray("# TYPE h histogram\nh_bucket 1") << "line 3: histogram bucket h_bucket without an 'le' label";
        QTest::newRow("bucket bad le") << QByteArray("# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_bucket{le=\"+Inf\"} 1")
                                       << "line 3: histogram bucket h_bucket: invalid le value 'x'";
        QTest::newRow("summary without quantile") << QByteArray("# TYPE s summary\ns 1") << "line 3: summary s: sample without a 'quantile' label";
    }

    void malformedLines()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, message);
        const Exposition e = PromTextParser::parse("ok_before 1\n" + line + "\nok_after 2\n");
        QVERIFY2(e.problems.size() == 1, qPrintable(problemsText(e)));
        QCOMPARE(e.problems[0].message, message);
        QVERIFY(e.problems[0].line >= 2);
        // the rest is kept
        QVERIFY(e.family(QStringLiteral("ok_before")));
        QVERIFY(e.family(QStringLiteral("ok_after")));
        QCOMPARE(e.problemsTotal, 1);
    }

    void typeRules()
    {
        const Exposition e = PromTextParser::parse("late_total 1\n"
                                                   "# TYPE late_total counter\n"
                                                   "# TYPE twice gauge\n"
                                                   "# TYPE twice gauge\n"
                                                   "# HELP twice one\n"
                                                   "# HELP twice two\n"
                                                   "h_bucket{le=\"1\"} 1\n"
                                                   "# TYPE h histogram\n");
        QCOMPARE(e.problems.size(), 4);
        QCOMPARE(e.problems[0].message, QStringLiteral("line 2: TYPE line for late_total after its samples (first on line 1)"));
        QCOMPARE(e.problems[1].message, QStringLiteral("line 4: second TYPE line for metric name twice"));
        QCOMPARE(e.problems[2].message, QStringLiteral("line 6: second HELP line for metric name twice"));
        QCOMPARE(e.problems[3].message, QStringLiteral("line 8: TYPE line for h after its samples (first on line 7)"));
        QCOMPARE(e.family(QStringLiteral("late_total"))->type, MetricType::Untyped);
        QCOMPARE(e.family(QStringLiteral("twice"))->help, QStringLiteral("one"));
    }

    void duplicatesLastWins()
    {
        const Exposition e = PromTextParser::parse("# TYPE c counter\n"
                                                   "c{a=\"1\",b=\"2\"} 1\n"
                                                   "c{b=\"2\",a=\"1\"} 5\n"   // same series, other label order
                                                   "c{a=\"1\"} 7\n");
        QCOMPARE(e.problems.size(), 1);
        QCOMPARE(e.problems[0].line, 3);
        QCOMPARE(e.problems[0].message,
                 QStringLiteral("line 3: duplicate series c{a=\"1\",b=\"2\"} (first on line 2); the last value wins"));
        const MetricFamily *c = e.family(QStringLiteral("c"));
        QCOMPARE(c->samples.size(), 2);
        QCOMPARE(c->samples[0].value, 5.0);
    }

    void histogramWithoutInf()
    {
        const Exposition e = PromTextParser::parse("# TYPE h histogram\n"
                                                   "h_bucket{x=\"a\",le=\"1\"} 1\n"
                                                   "h_bucket{x=\"a\",le=\"2\"} 2\n"
                                                   "h_bucket{x=\"b\",le=\"1\"} 1\n"
                                                   "h_bucket{x=\"b\",le=\"+Inf\"} 3\n"
                                                   "h_sum{x=\"a\"} 3\n");
        QCOMPARE(e.problems.size(), 1);
        QCOMPARE(e.problems[0].message,
                 QStringLiteral("line 2: histogram h{x=\"a\"} has no +Inf bucket (its quantiles are undefined)"));
        QCOMPARE(e.family(QStringLiteral("h"))->samples.size(), 5);  // kept
    }

    void malformedFile()
    {
        const Exposition e = PromTextParser::parse(testutil::readFile(QStringLiteral(CODEXADMIN_TEST_DATA "/metrics/malformed.prom")));
        QStringList lines;
        for (const auto &p : e.problems)
            lines << QString::number(p.line);
        QCOMPARE(lines.join(QLatin1Char(',')), QStringLiteral("4,5,6,7,8,12,13,15"));
        QCOMPARE(e.family(QStringLiteral("good_total"))->samples.size(), 2);
        QCOMPARE(e.family(QStringLiteral("good_total"))->samples[0].value, 8.0);
        QCOMPARE(e.family(QStringLiteral("late_total"))->type, MetricType::Counter);
        QVERIFY(std::isnan(e.family(QStringLiteral("nan_gauge"))->samples[0].value));
    }

    void realCcproxyExposition()
    {
        const Exposition e = PromTextParser::parse(testutil::readFile(QStringLiteral(CODEXADMIN_TEST_DATA "/metrics/ccproxy.prom")));
        QVERIFY2(e.problems.isEmpty(), qPrintable(problemsText(e)));
        QCOMPARE(e.familyNames(),
                 QStringList({"ccproxy_requests_total", "ccproxy_response_duration_seconds", "ccproxy_tokens_total",
                              "ccproxy_cost_usd_total", "ccproxy_errors_total", "ccproxy_active_requests", "up"}));
        const MetricFamily *req = e.family(QStringLiteral("ccproxy_requests_total"));
        QCOMPARE(req->samples.size(), 5);
        QCOMPARE(labelValue(req->samples[1].labels, QStringLiteral("status")), QStringLiteral("500"));
        QCOMPARE(labelValue(req->samples[1].labels, QStringLiteral("endpoint")), QStringLiteral("/codex/v1/responses"));
        const MetricFamily *h = e.family(QStringLiteral("ccproxy_response_duration_seconds"));
        QCOMPARE(h->type, MetricType::Histogram);
        QCOMPARE(h->samples.size(), 13);
        QCOMPARE(e.sampleCount(), 5 + 13 + 2 + 1 + 1 + 1 + 1);
    }

    void bigExpositionAndProblemCap()
    {
        // 20 MB: valid series with one bad line every 100 lines → thousands of problems, 1,000 listed.
        QByteArray text;
        text.reserve(21 * 1024 * 1024);
        text += "# HELP ccproxy_requests_total Total number of requests processed\n# TYPE ccproxy_requests_total counter\n";
        int i = 0, bad = 0;
        while (text.size() < 20 * 1024 * 1024) {
            if (i % 100 == 99) {
                text += "ccproxy_requests_total{endpoint=\"/x\" 1\n";
                ++bad;
            } else {
                text += "ccproxy_requests_total{endpoint=\"/codex/v1/responses/" + QByteArray::number(i)
                        + "\",method=\"POST\",model=\"gpt-5\",service_type=\"codex\",status=\"200\"} " + QByteArray::number(i)
                        + ".0\n";
            }
            ++i;
        }
        QElapsedTimer t;
        t.start();
        const Exposition e = PromTextParser::parse(text);
        const qint64 ms = t.elapsed();
        qInfo("20 MB exposition (%d lines): %lld ms", i, ms);
        QVERIFY2(ms < 10000, "bounded time");
        QCOMPARE(e.problemsTotal, bad);
        QVERIFY(bad > Exposition::kMaxProblems);
        QCOMPARE(e.problems.size(), Exposition::kMaxProblems + 1);
        QCOMPARE(e.problems.last().message,
                 QStringLiteral("line %1: %2 more problems not listed (%3 in all)").arg(i + 2).arg(bad - 1000).arg(bad));
        QCOMPARE(e.family(QStringLiteral("ccproxy_requests_total"))->samples.size(), i - bad);
    }
};

QTEST_GUILESS_MAIN(TstPromText)
#include "tst_promtext.moc"
