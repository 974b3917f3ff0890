// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli compose: writes a message file through the same MessageBuilder as the composer.
#include "cli/command.h"
#include "core/mime/messagebuilder.h"
#include "core/mime/parser.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace {

using namespace Tidings::Mime;

constexpr qint64 kMaxInputSize = 256LL * 1024 * 1024;

bool readFile(const QString &path, QByteArray *out, QTextStream &err)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        err << "tidings-cli compose: cannot read " << path << ": " << file.errorString() << Qt::endl;
        return false;
    }
    if (file.size() > kMaxInputSize) {
        err << "tidings-cli compose: " << path << " is larger than 256 MB" << Qt::endl;
        return false;
    }
    *out = file.readAll();
    return true;
}

int composeCommand(Tidings::Cli::Context &c)
{
    QString from;
    QStringList to;
    QStringList cc;
    QString subject;
    QString bodyFile;
    QStringList attachments;
    QString outFile;
    bool haveSubject = false;
    const QStringList &args = c.args;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &option = args.at(i);
        if (i + 1 >= args.size()) {
            c.err << "tidings-cli compose: " << option << " needs a value" << Qt::endl;
            return 2;
        }
        const QString value = args.at(++i);
        if (option == u"--from")
            from = value;
        else if (option == u"--to")
            to.append(value);
        else if (option == u"--cc")
            cc.append(value);
        else if (option == u"--subject") {
            subject = value;
            haveSubject = true;
        } else if (option == u"--body-file")
            bodyFile = value;
        else if (option == u"--attach")
            attachments.append(value);
        else if (option == u"--out")
            outFile = value;
        else {
            c.err << "tidings-cli compose: unknown option " << option << Qt::endl;
            return 2;
        }
    }
    if (from.isEmpty() || to.isEmpty() || !haveSubject || bodyFile.isEmpty() || outFile.isEmpty()) {
        c.err << "usage: tidings-cli compose --from A --to B [--cc C] --subject S --body-file F [--attach F]... "
                 "--out FILE.eml"
              << Qt::endl;
        return 2;
    }

    auto addresses = [](const QStringList &values) {
        QList<Address> list;
        for (const QString &v : values)
            list += Parser::parseAddresses(v.toUtf8());
        return list;
    };
    MessageBuilder builder;
    const QList<Address> fromList = addresses({from});
    if (fromList.isEmpty() || fromList.constFirst().address.isEmpty()) {
        c.err << "tidings-cli compose: --from is not an address: " << from << Qt::endl;
        return 2;
    }
    builder.setFrom(fromList.constFirst());
    builder.setTo(addresses(to));
    builder.setCc(addresses(cc));
    builder.setSubject(subject);
    QByteArray body;
    if (!readFile(bodyFile, &body, c.err))
        return 1;
    builder.setPlainText(QString::fromUtf8(body));
    for (const QString &path : std::as_const(attachments)) {
        QByteArray data;
        if (!readFile(path, &data, c.err))
            return 1;
        builder.addAttachment({QFileInfo(path).fileName(), {}, data});
    }

    QSaveFile out(outFile);
    if (!out.open(QIODevice::WriteOnly) || out.write(builder.build()) < 0 || !out.commit()) {
        c.err << "tidings-cli compose: cannot write " << outFile << ": " << out.errorString() << Qt::endl;
        return 1;
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("compose",
                    "compose --from A --to B [--cc C] --subject S --body-file F [--attach F]... --out FILE.eml",
                    "write a message file (RFC 5322) from the given fields", &composeCommand);
