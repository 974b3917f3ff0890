// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/attachmentbar.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QListWidget>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using Tidings::Ui::AttachmentBar;
using Tidings::Ui::AttachmentInfo;

namespace {

AttachmentInfo attachment(const QString &id, const QString &name, const QString &type, const QByteArray &data)
{
    AttachmentInfo a;
    a.id = id;
    a.fileName = name;
    a.mimeType = type;
    a.size = data.size();
    a.data = data;
    a.loaded = true;
    return a;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
}

} // namespace

class TestAttachmentBar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void list_showsNameTypeAndSize()
    {
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("2"), QStringLiteral("../report.pdf"), QStringLiteral("application/pdf"),
                                       QByteArray(2048, 'x'))});
        QCOMPARE(bar.list()->count(), 1);
        const QString text = bar.list()->item(0)->text();
        QVERIFY2(text.startsWith(QStringLiteral("report.pdf (")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("PDF")), qPrintable(text));
        QVERIFY2(text.contains(QLocale().formattedDataSize(2048)), qPrintable(text));
    }

    void safeName_coversPathsControlsReservedAndEmpty()
    {
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("1"), QStringLiteral("..\\..\\Windows\\system.ini"), {}, "a"),
                            attachment(QStringLiteral("2"), QStringLiteral("a\x01\x1b[31mb.txt"), {}, "b"),
                            attachment(QStringLiteral("3"), QStringLiteral("CON.txt"), {}, "c"),
                            attachment(QStringLiteral("4"), QString(), QStringLiteral("image/png"), "d"),
                            attachment(QStringLiteral("5"), QStringLiteral(".."), QStringLiteral("application/octet-stream"), "e")});
        QCOMPARE(bar.safeName(0), QStringLiteral("system.ini"));
        QCOMPARE(bar.safeName(1), QStringLiteral("a[31mb.txt"));
        QCOMPARE(bar.safeName(2), QStringLiteral("_CON.txt"));
        QCOMPARE(bar.safeName(3), QStringLiteral("attachment.png"));
        QVERIFY(bar.safeName(4).startsWith(QStringLiteral("attachment")));
    }

    void save_usesSafeName_andNeverOverwritesWithoutAsking()
    {
        QTemporaryDir dir;
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("1"), QStringLiteral("/etc/../notes.txt"), QStringLiteral("text/plain"), "new")});
        QString suggested;
        bar.setSavePathChooser([&](const QString &s) {
            suggested = s;
            return QDir(dir.path()).filePath(QFileInfo(s).fileName());
        });
        QList<QString> asked;
        AttachmentBar::Collision answer = AttachmentBar::Collision::Skip;
        bar.setCollisionAsker([&](const QString &p) {
            asked << p;
            return answer;
        });
        QSignalSpy saved(&bar, &AttachmentBar::saved);
        const QString target = QDir(dir.path()).filePath(QStringLiteral("notes.txt"));

        bar.save(0);
        QCOMPARE(QFileInfo(suggested).fileName(), QStringLiteral("notes.txt"));
        QCOMPARE(readAll(target), QByteArray("new"));
        QVERIFY(asked.isEmpty());

        writeFile(target, "old");
        bar.save(0); // Skip
        QCOMPARE(asked, QList<QString>{target});
        QCOMPARE(readAll(target), QByteArray("old"));

        answer = AttachmentBar::Collision::KeepBoth;
        bar.save(0);
        QCOMPARE(readAll(target), QByteArray("old"));
        QCOMPARE(readAll(QDir(dir.path()).filePath(QStringLiteral("notes (2).txt"))), QByteArray("new"));

        answer = AttachmentBar::Collision::Replace;
        bar.save(0);
        QCOMPARE(readAll(target), QByteArray("new"));
        QCOMPARE(saved.size(), 3);
    }

    void saveAll_givesDuplicateNamesDistinctFiles_andAsksForExistingOnes()
    {
        QTemporaryDir dir;
        writeFile(QDir(dir.path()).filePath(QStringLiteral("photo.jpg")), "existing");
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("1"), QStringLiteral("scan.pdf"), QStringLiteral("application/pdf"), "one"),
                            attachment(QStringLiteral("2"), QStringLiteral("a/scan.pdf"), QStringLiteral("application/pdf"), "two"),
                            attachment(QStringLiteral("3"), QStringLiteral("photo.jpg"), QStringLiteral("image/jpeg"), "three"),
                            attachment(QStringLiteral("4"), QString(), QStringLiteral("text/plain"), "four")});
        bar.setDirectoryChooser([&] { return dir.path(); });
        int asked = 0;
        bar.setCollisionAsker([&](const QString &) {
            ++asked;
            return AttachmentBar::Collision::KeepBoth;
        });
        bar.saveAll();
        QCOMPARE(asked, 1);
        const QDir d(dir.path());
        QCOMPARE(readAll(d.filePath(QStringLiteral("scan.pdf"))), QByteArray("one"));
        QCOMPARE(readAll(d.filePath(QStringLiteral("scan (2).pdf"))), QByteArray("two"));
        QCOMPARE(readAll(d.filePath(QStringLiteral("photo.jpg"))), QByteArray("existing"));
        QCOMPARE(readAll(d.filePath(QStringLiteral("photo (2).jpg"))), QByteArray("three"));
        QCOMPARE(readAll(d.filePath(QStringLiteral("attachment.txt"))), QByteArray("four"));
    }

    void open_writesReadOnlyCopyInPrivateTemporaryDirectory()
    {
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("1"), QStringLiteral("../../x/report.pdf"), QStringLiteral("application/pdf"), "%PDF")});
        QList<QUrl> opened;
        bar.setFileOpener([&](const QUrl &u) {
            opened << u;
            return true;
        });
        bar.setExecutableConfirmer([](const QString &) -> bool {
            QTest::qFail("a PDF is not a program", __FILE__, __LINE__);
            return false;
        });
        bar.open(0);
        QCOMPARE(opened.size(), 1);
        const QString path = opened.first().toLocalFile();
        QCOMPARE(QFileInfo(path).fileName(), QStringLiteral("report.pdf"));
        QCOMPARE(QFileInfo(path).absolutePath(), bar.temporaryDirectory());
        QCOMPARE(readAll(path), QByteArray("%PDF"));
        QCOMPARE(QFileInfo(path).permissions() & (QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        const QFile::Permissions dirPerms = QFileInfo(bar.temporaryDirectory()).permissions();
        QCOMPARE(dirPerms & (QFile::ReadGroup | QFile::ReadOther | QFile::ExeGroup | QFile::ExeOther), QFile::Permissions());
        // Opening again does not overwrite the first copy (the handler may still have it open).
        bar.open(0);
        QCOMPARE(QFileInfo(opened.at(1).toLocalFile()).fileName(), QStringLiteral("report (2).pdf"));

        const QString tempDir = bar.temporaryDirectory();
        {
            AttachmentBar other;
            other.setAttachments({attachment(QStringLiteral("1"), QStringLiteral("a.txt"), QStringLiteral("text/plain"), "a")});
            other.setFileOpener([](const QUrl &) { return true; });
            other.open(0);
            QVERIFY(other.temporaryDirectory() != tempDir);
            QVERIFY(QFileInfo::exists(other.temporaryDirectory()));
        }
    }

    void open_executable_warnsFirst_andCancelOpensNothing()
    {
        AttachmentBar bar;
        bar.setAttachments({attachment(QStringLiteral("1"), QString::fromUtf16(u"invoice\u202Efdp.exe"), QStringLiteral("application/octet-stream"), "MZ")});
        QStringList warned;
        bool answer = false;
        bar.setExecutableConfirmer([&](const QString &name) {
            warned << name;
            return answer;
        });
        int opens = 0;
        bar.setFileOpener([&](const QUrl &) {
            ++opens;
            return true;
        });
        bar.open(0);
        QCOMPARE(warned, QStringList{QStringLiteral("invoicefdp.exe")});
        QCOMPARE(opens, 0);
        QVERIFY(bar.temporaryDirectory().isEmpty());
        answer = true;
        bar.open(0);
        QCOMPARE(opens, 1);
    }

    void contentNotYetFetched_isRequested_thenSaved()
    {
        QTemporaryDir dir;
        AttachmentBar bar;
        AttachmentInfo lazy = attachment(QStringLiteral("3.2"), QStringLiteral("big.zip"), QStringLiteral("application/zip"), {});
        lazy.loaded = false;
        lazy.size = 5000;
        bar.setAttachments({lazy});
        bar.setSavePathChooser([&](const QString &s) { return QDir(dir.path()).filePath(QFileInfo(s).fileName()); });
        QSignalSpy requested(&bar, &AttachmentBar::contentRequested);
        QSignalSpy saved(&bar, &AttachmentBar::saved);
        bar.save(0);
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("3.2"));
        QCOMPARE(saved.size(), 0);
        bar.setContent(QStringLiteral("3.2"), "PK\x03\x04");
        QCOMPARE(saved.size(), 1);
        QCOMPARE(readAll(QDir(dir.path()).filePath(QStringLiteral("big.zip"))), QByteArray("PK\x03\x04"));
    }
};

QTEST_MAIN(TestAttachmentBar)
#include "test_attachmentbar.moc"
