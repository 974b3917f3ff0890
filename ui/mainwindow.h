// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QMainWindow>

class QSplitter;
class QTreeView;
class QTableView;
class QLabel;

namespace Tidings::Ui {

/// The main window: folder tree | message list | viewer. Each pane is its own class as the
/// panes grow; this class only arranges them and owns the menus.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;
    Q_DISABLE_COPY_MOVE(MainWindow)

    /// Shows a line in the status bar, e.g. "Demo mode is not available yet".
    void showStatus(const QString &text);

private:
    void createMenus();

    QSplitter *m_splitter = nullptr;
    QTreeView *m_folderTree = nullptr;
    QTableView *m_messageList = nullptr;
    QLabel *m_viewer = nullptr;
};

} // namespace Tidings::Ui
