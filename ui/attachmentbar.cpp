// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/attachmentbar.h"

#include "core/mime/filename.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QMimeDatabase>
#include <QPushButton>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>
#include <QVBoxLayout>

namespace Tidings::Ui {

AttachmentBar::AttachmentBar(QWidget *parent)
    : QWidget(parent)
    , m_list(new QListWidget(this))
    , m_open(new QPushButton(tr("Open"), this))
    , m_save(new QPushButton(tr("Save…"), this))
    , m_saveAll(new QPushButton(tr("Save All…"), this))
{
    setObjectName(QStringLiteral("attachmentBar"));
    m_list->setFlow(QListView::LeftToRight);
    m_list->setWrapping(true);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setMaximumHeight(96);
    m_open->setObjectName(QStringLiteral("openAttachment"));
    m_save->setObjectName(QStringLiteral("saveAttachment"));
    m_saveAll->setObjectName(QStringLiteral("saveAllAttachments"));

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_open);
    buttons->addWidget(m_save);
    buttons->addWidget(m_saveAll);
    buttons->addStretch(1);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);

    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) { open(m_list->row(item)); });
    connect(m_list, &QListWidget::currentRowChanged, this, &AttachmentBar::updateButtons);
    connect(m_open, &QPushButton::clicked, this, [this] { open(currentIndex()); });
    connect(m_save, &QPushButton::clicked, this, [this] { save(currentIndex()); });
    connect(m_saveAll, &QPushButton::clicked, this, &AttachmentBar::saveAll);

    m_chooseSavePath = [this](const QString &suggested) {
        // Overwriting is asked about by the bar itself, the same way for every chooser.
        return QFileDialog::getSaveFileName(this, tr("Save Attachment"), suggested, {}, nullptr,
                                            QFileDialog::DontConfirmOverwrite);
    };
    m_chooseDirectory = [this] {
        return QFileDialog::getExistingDirectory(
            this, tr("Save All Attachments"), QStandardPaths::writableLocation(QStandardPaths::DownloadLocation));
    };
    m_askCollision = [this](const QString &path) {
        QMessageBox box(QMessageBox::Warning, tr("File Exists"),
                        tr("“%1” already exists.").arg(QDir::toNativeSeparators(path)), QMessageBox::NoButton, this);
        box.setInformativeText(tr("Replace it, or keep both files?"));
        QPushButton *replace = box.addButton(tr("Replace"), QMessageBox::DestructiveRole);
        QPushButton *keep = box.addButton(tr("Keep Both"), QMessageBox::AcceptRole);
        box.addButton(tr("Skip"), QMessageBox::RejectRole);
        box.setDefaultButton(keep);
        box.exec();
        if (box.clickedButton() == replace)
            return Collision::Replace;
        if (box.clickedButton() == keep)
            return Collision::KeepBoth;
        return Collision::Skip;
    };
    m_confirmExecutable = [this](const QString &name) {
        QMessageBox box(QMessageBox::Warning, tr("Open Attachment"),
                        tr("“%1” may be a program. Opening it can harm your computer.").arg(name),
                        QMessageBox::Open | QMessageBox::Cancel, this);
        box.setInformativeText(tr("Only open it if you expected it from this sender."));
        box.setDefaultButton(QMessageBox::Cancel);
        return box.exec() == QMessageBox::Open;
    };
    m_openFile = [](const QUrl &file) { return QDesktopServices::openUrl(file); };
    updateButtons();
}

AttachmentBar::~AttachmentBar() = default;

void AttachmentBar::setAttachments(const QList<AttachmentInfo> &attachments)
{
    m_attachments = attachments;
    m_pending.clear();
    m_list->clear();
    QMimeDatabase mimes;
    for (int i = 0; i < m_attachments.size(); ++i) {
        auto *item = new QListWidgetItem(describe(i), m_list);
        const QMimeType type = mimes.mimeTypeForName(m_attachments.at(i).mimeType);
        QIcon icon = QIcon::fromTheme(type.iconName());
        if (icon.isNull())
            icon = QIcon::fromTheme(type.genericIconName());
        item->setIcon(icon);
        item->setToolTip(describe(i));
    }
    if (!m_attachments.isEmpty())
        m_list->setCurrentRow(0);
    updateButtons();
}

void AttachmentBar::setContent(const QString &id, const QByteArray &bytes)
{
    for (AttachmentInfo &a : m_attachments) {
        if (a.id == id) {
            a.data = bytes;
            a.loaded = true;
            a.size = bytes.size();
        }
    }
    const auto pending = std::exchange(m_pending, {});
    for (const auto &[pendingId, action] : pending) {
        if (pendingId == id)
            action(bytes);
        else
            m_pending.append({pendingId, action});
    }
}

QString AttachmentBar::safeName(int index) const
{
    if (index < 0 || index >= m_attachments.size())
        return {};
    const AttachmentInfo &a = m_attachments.at(index);
    QString fallback = tr("attachment");
    const QMimeType type = QMimeDatabase().mimeTypeForName(a.mimeType);
    if (type.isValid() && !type.preferredSuffix().isEmpty())
        fallback += u'.' + type.preferredSuffix();
    return Mime::FileName::sanitize(a.fileName, fallback);
}

QString AttachmentBar::describe(int index) const
{
    if (index < 0 || index >= m_attachments.size())
        return {};
    const AttachmentInfo &a = m_attachments.at(index);
    const QMimeType type = QMimeDatabase().mimeTypeForName(a.mimeType);
    const QString kind = type.isValid() && !type.comment().isEmpty() ? type.comment() : a.mimeType;
    const QString size = a.size >= 0 ? QLocale().formattedDataSize(a.size) : tr("size unknown");
    return tr("%1 (%2, %3)").arg(safeName(index), kind, size);
}

int AttachmentBar::currentIndex() const
{
    return m_list->currentRow();
}

void AttachmentBar::updateButtons()
{
    const bool has = currentIndex() >= 0;
    m_open->setEnabled(has);
    m_save->setEnabled(has);
    m_saveAll->setEnabled(m_attachments.size() > 1);
}

void AttachmentBar::withContent(int index, std::function<void(const QByteArray &)> action)
{
    const AttachmentInfo &a = m_attachments.at(index);
    if (a.loaded) {
        action(a.data);
        return;
    }
    m_pending.append({a.id, std::move(action)});
    Q_EMIT contentRequested(a.id);
}

bool AttachmentBar::writeFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        Q_EMIT failed(tr("Could not save “%1”: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    return true;
}

QString AttachmentBar::resolveCollision(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return path;
    switch (m_askCollision ? m_askCollision(path) : Collision::Skip) {
    case Collision::Replace:
        return path;
    case Collision::KeepBoth: {
        const QDir dir = info.dir();
        return dir.filePath(Mime::FileName::unique(info.fileName(), [&dir](const QString &name) {
            const QFileInfo candidate(dir.filePath(name));
            return candidate.exists() || candidate.isSymLink();
        }));
    }
    case Collision::Skip:
        break;
    }
    return {};
}

void AttachmentBar::save(int index)
{
    if (index < 0 || index >= m_attachments.size() || !m_chooseSavePath)
        return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    const QString chosen = m_chooseSavePath(QDir(dir).filePath(safeName(index)));
    if (chosen.isEmpty())
        return;
    const QString path = resolveCollision(chosen);
    if (path.isEmpty())
        return;
    withContent(index, [this, path](const QByteArray &bytes) {
        if (writeFile(path, bytes))
            Q_EMIT saved(path);
    });
}

void AttachmentBar::saveAll()
{
    if (m_attachments.isEmpty() || !m_chooseDirectory)
        return;
    const QString dirPath = m_chooseDirectory();
    if (dirPath.isEmpty())
        return;
    const QDir dir(dirPath);
    QSet<QString> taken; // two attachments with the same name in one message
    for (int i = 0; i < m_attachments.size(); ++i) {
        const QString name = Mime::FileName::unique(safeName(i), [&](const QString &n) { return taken.contains(n); });
        taken.insert(name);
        const QString path = resolveCollision(dir.filePath(name));
        if (path.isEmpty())
            continue;
        taken.insert(QFileInfo(path).fileName());
        withContent(i, [this, path](const QByteArray &bytes) {
            if (writeFile(path, bytes))
                Q_EMIT saved(path);
        });
    }
}

void AttachmentBar::open(int index)
{
    if (index < 0 || index >= m_attachments.size())
        return;
    const QString name = safeName(index);
    if (Mime::FileName::isPotentiallyExecutable(name, m_attachments.at(index).mimeType)
        && !(m_confirmExecutable && m_confirmExecutable(name)))
        return;
    if (!m_tempDir) {
        m_tempDir = std::make_unique<QTemporaryDir>(QDir::temp().filePath(QStringLiteral("tidings-XXXXXX")));
        if (!m_tempDir->isValid()) {
            Q_EMIT failed(tr("Could not create a temporary folder: %1").arg(m_tempDir->errorString()));
            m_tempDir.reset();
            return;
        }
        QFile::setPermissions(m_tempDir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    const QDir dir(m_tempDir->path());
    const QString path = dir.filePath(Mime::FileName::unique(name, [&dir](const QString &n) { return QFileInfo::exists(dir.filePath(n)); }));
    withContent(index, [this, path](const QByteArray &bytes) {
        if (!writeFile(path, bytes))
            return;
        // Read-only: a handler that edits in place should not silently lose work in /tmp.
        QFile::setPermissions(path, QFile::ReadOwner);
        if (m_openFile && !m_openFile(QUrl::fromLocalFile(path))) {
            Q_EMIT failed(tr("No application is set up to open “%1”.").arg(QFileInfo(path).fileName()));
            return;
        }
        Q_EMIT opened(path);
    });
}

QString AttachmentBar::temporaryDirectory() const
{
    return m_tempDir ? m_tempDir->path() : QString();
}

} // namespace Tidings::Ui
