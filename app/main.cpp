// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The composition root: builds the services and the main window and passes them down.

#include "core/common/version.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QStandardPaths>
#include <QTextStream>
#include <QTranslator>

#include <cstdio>

int main(int argc, char *argv[])
{
    // --version must work without a display, so answer it before QApplication exists.
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--version") == 0 || qstrcmp(argv[i], "-v") == 0) {
            std::printf("%s\n", qPrintable(Tidings::versionLine(QStringLiteral("tidings"))));
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("tidings"));
    QApplication::setApplicationDisplayName(QStringLiteral("Tidings"));
    QApplication::setOrganizationName(QStringLiteral("tidings"));
    QApplication::setApplicationVersion(Tidings::version());
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/tidings.svg")));
    QApplication::setDesktopFileName(QStringLiteral("tidings"));

    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("tidings"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "A mail client for many mailboxes."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption profileOption(QStringLiteral("profile"),
                                           QApplication::translate("main", "Use the profile in <dir>."),
                                           QStringLiteral("dir"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        QApplication::translate("main", "Start with demo accounts on a local demo server."));
    parser.addOption(profileOption);
    parser.addOption(demoOption);
    parser.process(app);

    QString profileDir = parser.value(profileOption);
    if (profileDir.isEmpty())
        profileDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(profileDir);

    Tidings::Ui::MainWindow window;
    if (parser.isSet(demoOption))
        window.showStatus(QApplication::translate("main",
                                                  "Demo accounts are not available yet: the demo server is "
                                                  "started, but accounts arrive with the account engine."));
    window.show();
    return QApplication::exec();
}
