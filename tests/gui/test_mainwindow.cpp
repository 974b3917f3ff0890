// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/mainwindow.h"

#include <QLabel>
#include <QMenuBar>
#include <QTableView>
#include <QTest>
#include <QTreeView>

class TestMainWindow final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mainWindow_opensWithThreePanesAndCloses()
    {
        Tidings::Ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.findChild<QTreeView *>(QStringLiteral("folderTree")));
        QVERIFY(window.findChild<QTableView *>(QStringLiteral("messageList")));
        auto *viewer = window.findChild<QLabel *>(QStringLiteral("viewer"));
        QVERIFY(viewer);
        QVERIFY(viewer->isVisible());
        QVERIFY(!window.menuBar()->actions().isEmpty());
        QVERIFY(window.close());
        QVERIFY(!window.isVisible());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
