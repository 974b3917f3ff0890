// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "ui/viewermessage.h"

#include <QWidget>

#include <functional>
#include <memory>

class QListWidget;
class QPushButton;
class QTemporaryDir;

namespace Tidings::Ui {

/// The attachments of a message: name, type and size of each, with Open, Save and Save All.
///
/// Names come from the message and are never used as they are: Mime::FileName::sanitize()
/// gives the name proposed for saving and the name of the file opened. Saving never
/// replaces an existing file without asking (Replace / Keep both / Skip). Opening writes
/// the attachment, read-only, into a private temporary directory (0700, removed with the
/// bar) and hands it to the desktop's handler, after a warning when it may be a program.
/// An attachment whose data has not arrived is asked for through contentRequested(); the
/// action runs when setContent() delivers it.
class AttachmentBar final : public QWidget
{
    Q_OBJECT
public:
    explicit AttachmentBar(QWidget *parent = nullptr);
    ~AttachmentBar() override;
    Q_DISABLE_COPY_MOVE(AttachmentBar)

    void setAttachments(const QList<AttachmentInfo> &attachments);
    [[nodiscard]] const QList<AttachmentInfo> &attachments() const { return m_attachments; }
    /// Data for an attachment that was requested (or is simply known now).
    void setContent(const QString &id, const QByteArray &data);

    /// The sanitised file name for attachment index.
    [[nodiscard]] QString safeName(int index) const;
    /// "name.pdf (PDF document, 1.2 MB)"
    [[nodiscard]] QString describe(int index) const;

    void open(int index);
    void save(int index);
    void saveAll();

    enum class Collision { Replace, KeepBoth, Skip };
    /// Where to save one attachment; the default is a file dialog. Empty: cancelled.
    using SavePathChooser = std::function<QString(const QString &suggestedPath)>;
    /// Where to save all; the default is a directory dialog. Empty: cancelled.
    using DirectoryChooser = std::function<QString()>;
    /// What to do when the target exists; the default asks with a message box.
    using CollisionAsker = std::function<Collision(const QString &existingPath)>;
    /// Whether to open a file that may be a program; the default warns with a message box.
    using ExecutableConfirmer = std::function<bool(const QString &safeName)>;
    /// Hands a file to the desktop; the default is QDesktopServices::openUrl.
    using FileOpener = std::function<bool(const QUrl &file)>;
    void setSavePathChooser(SavePathChooser f) { m_chooseSavePath = std::move(f); }
    void setDirectoryChooser(DirectoryChooser f) { m_chooseDirectory = std::move(f); }
    void setCollisionAsker(CollisionAsker f) { m_askCollision = std::move(f); }
    void setExecutableConfirmer(ExecutableConfirmer f) { m_confirmExecutable = std::move(f); }
    void setFileOpener(FileOpener f) { m_openFile = std::move(f); }

    /// The private directory opened attachments go to (empty until the first open).
    [[nodiscard]] QString temporaryDirectory() const;
    [[nodiscard]] QListWidget *list() const { return m_list; }

Q_SIGNALS:
    void contentRequested(const QString &id);
    void saved(const QString &path);
    void opened(const QString &path);
    /// Something went wrong, in words for the person.
    void failed(const QString &message);

private:
    void withContent(int index, std::function<void(const QByteArray &)> action);
    bool writeFile(const QString &path, const QByteArray &data);
    /// Resolves a collision at path; empty when the person chose to skip.
    QString resolveCollision(const QString &path);
    int currentIndex() const;
    void updateButtons();

    QList<AttachmentInfo> m_attachments;
    QList<std::pair<QString, std::function<void(const QByteArray &)>>> m_pending;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QListWidget *m_list = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_saveAll = nullptr;
    SavePathChooser m_chooseSavePath;
    DirectoryChooser m_chooseDirectory;
    CollisionAsker m_askCollision;
    ExecutableConfirmer m_confirmExecutable;
    FileOpener m_openFile;
};

} // namespace Tidings::Ui
