// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// For the pop3 and smtp benchmarks: a private tools/mailserver in a temporary directory (or a
// running one named with --env FILE), and the few values they read from its env file.
#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTextStream>

#include <memory>
#include <optional>

namespace Tidings::Bench {

class MailHarness final
{
public:
    ~MailHarness()
    {
        if (m_started)
            run({QStringLiteral("stop"), m_dir->path()});
    }

    /// tools/mailserver from TIDINGS_SOURCE_DIR, or found above the executable.
    /// The arguments `[COUNT] [--env DIR/env]` shared by the harness benchmarks; false (after
    /// printing @p usage) when COUNT is not a positive number.
    static bool countAndEnv(const QStringList &args, int &count, QString &envFile, QTextStream &out,
                            const char *usage)
    {
        for (qsizetype i = 0; i < args.size(); ++i) {
            if (args.at(i) == u"--env" && i + 1 < args.size())
                envFile = args.at(++i);
            else
                count = args.at(i).toInt();
        }
        if (count > 0)
            return true;
        out << "usage: " << usage << Qt::endl;
        return false;
    }

    static QString tool()
    {
        QString source = qEnvironmentVariable("TIDINGS_SOURCE_DIR");
        if (source.isEmpty()) {
            QDir dir(QCoreApplication::applicationDirPath());
            for (int i = 0; i < 5 && !dir.exists(QStringLiteral("tools/mailserver")); ++i)
                dir.cdUp();
            source = dir.path();
        }
        return source + QStringLiteral("/tools/mailserver");
    }

    static int run(const QStringList &args, QByteArray *output = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(tool(), args);
        if (!p.waitForFinished(600000))
            return -1;
        if (output)
            *output = p.readAll();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

    /// Starts a private server (envFile empty) or reads a running one's env file.
    bool open(const QString &envFile, QTextStream &out)
    {
        QString path = envFile;
        if (path.isEmpty()) {
            m_dir = std::make_unique<QTemporaryDir>();
            QByteArray output;
            if (!m_dir->isValid() || run({QStringLiteral("start"), m_dir->path()}, &output) != 0) {
                out << "could not start " << tool() << ": " << output << Qt::endl;
                return false;
            }
            m_started = true;
            path = m_dir->path() + QStringLiteral("/env");
        }
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            out << "cannot read " << path << Qt::endl;
            return false;
        }
        while (!f.atEnd()) {
            const QString line = QString::fromUtf8(f.readLine()).trimmed();
            const qsizetype eq = line.indexOf(u'=');
            if (eq > 0)
                m_values.insert(line.left(eq), line.mid(eq + 1));
        }
        return true;
    }

    /// Stops the private server and starts it again on the same DIR (mail kept) with
    /// @p startOptions (e.g. --no-condstore); the env values are read again (new ports).
    /// False for a server named with --env, which is not ours to restart.
    bool restart(const QStringList &startOptions, QTextStream &out)
    {
        if (!m_started)
            return false;
        QByteArray output;
        run({QStringLiteral("stop"), m_dir->path()}, &output);
        m_started = false;
        if (run(QStringList{QStringLiteral("start"), m_dir->path()} + startOptions, &output) != 0) {
            out << "could not restart " << tool() << ": " << output << Qt::endl;
            return false;
        }
        m_started = true;
        m_values.clear();
        return open(m_dir->path() + QStringLiteral("/env"), out);
    }

    [[nodiscard]] QString value(const QString &key) const { return m_values.value(key); }
    [[nodiscard]] quint16 port(const QString &key) const { return quint16(value(key).toUInt()); }
    [[nodiscard]] QList<QSslCertificate> ca() const
    {
        return QSslCertificate::fromPath(value(QStringLiteral("CA_FILE")));
    }
    [[nodiscard]] QString dir() const { return value(QStringLiteral("DIR")); }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QHash<QString, QString> m_values;
    bool m_started = false;
};

} // namespace Tidings::Bench
