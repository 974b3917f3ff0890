// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/response.h"

namespace Tidings::Imap {

QByteArray responseCodeName(ResponseCode::Kind kind)
{
    using K = ResponseCode::Kind;
    switch (kind) {
    case K::None:
    case K::Unknown: return {};
    case K::Alert: return QByteArrayLiteral("ALERT");
    case K::BadCharset: return QByteArrayLiteral("BADCHARSET");
    case K::Capability: return QByteArrayLiteral("CAPABILITY");
    case K::Parse: return QByteArrayLiteral("PARSE");
    case K::PermanentFlags: return QByteArrayLiteral("PERMANENTFLAGS");
    case K::ReadOnly: return QByteArrayLiteral("READ-ONLY");
    case K::ReadWrite: return QByteArrayLiteral("READ-WRITE");
    case K::TryCreate: return QByteArrayLiteral("TRYCREATE");
    case K::UidNext: return QByteArrayLiteral("UIDNEXT");
    case K::UidValidity: return QByteArrayLiteral("UIDVALIDITY");
    case K::Unseen: return QByteArrayLiteral("UNSEEN");
    case K::HighestModSeq: return QByteArrayLiteral("HIGHESTMODSEQ");
    case K::NoModSeq: return QByteArrayLiteral("NOMODSEQ");
    case K::Modified: return QByteArrayLiteral("MODIFIED");
    case K::AppendUid: return QByteArrayLiteral("APPENDUID");
    case K::CopyUid: return QByteArrayLiteral("COPYUID");
    case K::UidNotSticky: return QByteArrayLiteral("UIDNOTSTICKY");
    case K::Closed: return QByteArrayLiteral("CLOSED");
    case K::Unavailable: return QByteArrayLiteral("UNAVAILABLE");
    case K::AuthenticationFailed: return QByteArrayLiteral("AUTHENTICATIONFAILED");
    case K::AuthorizationFailed: return QByteArrayLiteral("AUTHORIZATIONFAILED");
    case K::Expired: return QByteArrayLiteral("EXPIRED");
    case K::PrivacyRequired: return QByteArrayLiteral("PRIVACYREQUIRED");
    case K::ContactAdmin: return QByteArrayLiteral("CONTACTADMIN");
    case K::NoPerm: return QByteArrayLiteral("NOPERM");
    case K::InUse: return QByteArrayLiteral("INUSE");
    case K::ExpungeIssued: return QByteArrayLiteral("EXPUNGEISSUED");
    case K::Corruption: return QByteArrayLiteral("CORRUPTION");
    case K::ServerBug: return QByteArrayLiteral("SERVERBUG");
    case K::ClientBug: return QByteArrayLiteral("CLIENTBUG");
    case K::Cannot: return QByteArrayLiteral("CANNOT");
    case K::Limit: return QByteArrayLiteral("LIMIT");
    case K::OverQuota: return QByteArrayLiteral("OVERQUOTA");
    case K::AlreadyExists: return QByteArrayLiteral("ALREADYEXISTS");
    case K::NonExistent: return QByteArrayLiteral("NONEXISTENT");
    case K::HasChildren: return QByteArrayLiteral("HASCHILDREN");
    case K::NotSaved: return QByteArrayLiteral("NOTSAVED");
    }
    return {};
}

bool ListEntry::hasAttribute(QByteArrayView attribute) const
{
    for (const QByteArray &a : attributes) {
        if (QByteArrayView(a).compare(attribute, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray BodyStructure::parameter(QByteArrayView name) const
{
    for (const BodyParameter &p : parameters) {
        if (p.name.size() == name.size() && QByteArrayView(p.name).compare(name, Qt::CaseInsensitive) == 0)
            return p.value;
    }
    return {};
}

const BodySection *Fetch::findSection(QByteArrayView section, BodySection::Kind kind) const
{
    for (const BodySection &s : sections) {
        if (s.kind == kind && QByteArrayView(s.section).compare(section, Qt::CaseInsensitive) == 0)
            return &s;
    }
    return nullptr;
}

} // namespace Tidings::Imap
