// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/mainwindow.h"

#include "core/common/version.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTreeView>

namespace Tidings::Ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("Tidings"));

    m_folderTree = new QTreeView(this);
    m_folderTree->setObjectName(QStringLiteral("folderTree"));
    m_folderTree->setHeaderHidden(true);

    m_messageList = new QTableView(this);
    m_messageList->setObjectName(QStringLiteral("messageList"));

    m_viewer = new QLabel(tr("No accounts yet. Add one from File → Add Account."), this);
    m_viewer->setObjectName(QStringLiteral("viewer"));
    m_viewer->setAlignment(Qt::AlignCenter);
    m_viewer->setWordWrap(true);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_messageList);
    right->addWidget(m_viewer);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(m_folderTree);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 3);
    setCentralWidget(m_splitter);

    createMenus();
    resize(1100, 700);
}

MainWindow::~MainWindow() = default;

void MainWindow::showStatus(const QString &text)
{
    statusBar()->showMessage(text);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Tidings"));
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Tidings"),
                           tr("Tidings %1\nA mail client for many mailboxes.").arg(Tidings::version()));
    });
}

} // namespace Tidings::Ui
