// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/folderroles.h"

#include <QSet>

namespace Tidings::Sync {

namespace {

const QList<QByteArray> &roleAttributes()
{
    static const QList<QByteArray> roles{"\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"};
    return roles;
}

struct NameRole {
    const char16_t *name; // case-folded
    const char *role;
};

// Names seen on Dovecot, Courier, Cyrus, Exchange, Gmail ("[Gmail]/..."), Yandex, Mail.ru,
// GMX, Orange, La Poste and Thunderbird's defaults, case-folded. Only the last hierarchy level
// is compared.
constexpr NameRole NameRoles[] = {
    // Sent
    {u"sent", "\\Sent"}, {u"sent items", "\\Sent"}, {u"sent messages", "\\Sent"}, {u"sent mail", "\\Sent"},
    {u"отправленные", "\\Sent"}, {u"отправленные письма", "\\Sent"}, {u"éléments envoyés", "\\Sent"},
    {u"messages envoyés", "\\Sent"}, {u"envoyés", "\\Sent"}, {u"gesendet", "\\Sent"},
    {u"gesendete objekte", "\\Sent"}, {u"gesendete elemente", "\\Sent"}, {u"enviados", "\\Sent"},
    {u"elementos enviados", "\\Sent"}, {u"posta inviata", "\\Sent"}, {u"inviata", "\\Sent"},
    {u"verzonden items", "\\Sent"}, {u"wysłane", "\\Sent"}, {u"надіслані", "\\Sent"},
    // Drafts
    {u"drafts", "\\Drafts"}, {u"draft", "\\Drafts"}, {u"черновики", "\\Drafts"}, {u"brouillons", "\\Drafts"},
    {u"entwürfe", "\\Drafts"}, {u"borradores", "\\Drafts"}, {u"bozze", "\\Drafts"}, {u"concepten", "\\Drafts"},
    {u"kopie robocze", "\\Drafts"}, {u"чернетки", "\\Drafts"},
    // Trash
    {u"trash", "\\Trash"}, {u"deleted items", "\\Trash"}, {u"deleted messages", "\\Trash"}, {u"bin", "\\Trash"},
    {u"корзина", "\\Trash"}, {u"удаленные", "\\Trash"}, {u"удалённые", "\\Trash"}, {u"corbeille", "\\Trash"},
    {u"éléments supprimés", "\\Trash"}, {u"papierkorb", "\\Trash"}, {u"gelöschte objekte", "\\Trash"},
    {u"gelöschte elemente", "\\Trash"}, {u"papelera", "\\Trash"}, {u"cestino", "\\Trash"},
    {u"prullenbak", "\\Trash"}, {u"kosz", "\\Trash"}, {u"кошик", "\\Trash"},
    // Junk
    {u"junk", "\\Junk"}, {u"spam", "\\Junk"}, {u"junk e-mail", "\\Junk"}, {u"junk email", "\\Junk"},
    {u"bulk mail", "\\Junk"}, {u"спам", "\\Junk"}, {u"courrier indésirable", "\\Junk"}, {u"indésirables", "\\Junk"},
    {u"pourriel", "\\Junk"}, {u"junk-e-mail", "\\Junk"}, {u"correo no deseado", "\\Junk"},
    {u"posta indesiderata", "\\Junk"}, {u"ongewenste e-mail", "\\Junk"},
    // Archive
    {u"archive", "\\Archive"}, {u"archives", "\\Archive"}, {u"архив", "\\Archive"}, {u"archiv", "\\Archive"},
    {u"archivo", "\\Archive"}, {u"archivio", "\\Archive"}, {u"archief", "\\Archive"}, {u"archiwum", "\\Archive"},
};

} // namespace

QString specialUseFromAttributes(const QList<QByteArray> &attributes)
{
    for (const QByteArray &role : roleAttributes()) {
        for (const QByteArray &a : attributes) {
            if (a.compare(role, Qt::CaseInsensitive) == 0)
                return QString::fromLatin1(role);
        }
    }
    return {};
}

QString specialUseFromName(const QString &displayName, QChar delimiter)
{
    if (displayName.compare(u"INBOX", Qt::CaseInsensitive) == 0)
        return {};
    QString leaf = displayName;
    if (!delimiter.isNull()) {
        const qsizetype cut = leaf.lastIndexOf(delimiter);
        if (cut >= 0)
            leaf = leaf.mid(cut + 1);
    }
    leaf = leaf.trimmed().toCaseFolded();
    for (const NameRole &entry : NameRoles) {
        if (leaf == QStringView(entry.name))
            return QString::fromLatin1(entry.role);
    }
    return {};
}

QList<QString> assignSpecialUse(const QList<Imap::ListEntry> &entries)
{
    QList<QString> roles;
    roles.reserve(entries.size());
    QSet<QString> byAttribute;
    for (const Imap::ListEntry &e : entries) {
        roles << specialUseFromAttributes(e.attributes);
        if (!roles.last().isEmpty())
            byAttribute.insert(roles.last());
    }
    QSet<QString> byName;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        if (!roles[i].isEmpty())
            continue;
        const Imap::ListEntry &e = entries[i];
        const QString guess = specialUseFromName(e.mailbox.display, e.delimiter ? QChar::fromLatin1(e.delimiter) : QChar());
        if (guess.isEmpty() || byAttribute.contains(guess) || byName.contains(guess))
            continue;
        roles[i] = guess;
        byName.insert(guess);
    }
    return roles;
}

} // namespace Tidings::Sync
