// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Running the real tidings-cli (build/bin) from a test: arguments, a line on stdin, and what
// came back.

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace Tidings::Sync::TestHelpers {

inline QString cliPath()
{
    return qEnvironmentVariable("TIDINGS_BINARY_DIR") + QStringLiteral("/bin/tidings-cli");
}

struct CliRun {
    int exitCode = -1;
    bool finished = false;
    QByteArray out;
    QByteArray err;

    /// The non-empty lines of stderr.
    [[nodiscard]] QList<QByteArray> errLines() const
    {
        QList<QByteArray> lines;
        for (const QByteArray &l : err.split('\n')) {
            if (!l.trimmed().isEmpty())
                lines << l;
        }
        return lines;
    }
    /// stdout as JSON lines (one object per line).
    [[nodiscard]] QList<QJsonObject> jsonLines() const
    {
        QList<QJsonObject> objects;
        for (const QByteArray &l : out.split('\n')) {
            if (!l.trimmed().isEmpty())
                objects << QJsonDocument::fromJson(l).object();
        }
        return objects;
    }
    [[nodiscard]] QString describe() const
    {
        return QStringLiteral("exit %1%2\n--- stdout\n%3--- stderr\n%4")
            .arg(exitCode)
            .arg(finished ? QString() : QStringLiteral(" (did not finish)"), QString::fromUtf8(out),
                 QString::fromUtf8(err));
    }
};

/// Runs `tidings-cli --profile PROFILE ARGS...`, writing @p stdinLine (plus a newline) when given,
/// in @p environment (this process's by default).
inline CliRun runCli(const QString &profile, const QStringList &args,
                     const std::optional<QString> &stdinLine = std::nullopt, int timeoutMs = 120000,
                     const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(environment);
    p.setProgram(cliPath());
    p.setArguments(QStringList{QStringLiteral("--profile"), profile} + args);
    p.start();
    CliRun r;
    if (!p.waitForStarted(30000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (stdinLine)
        p.write(stdinLine->toUtf8() + '\n');
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(10000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace Tidings::Sync::TestHelpers
