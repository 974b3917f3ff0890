// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/pendingreplayer.h"

#include "core/imap/jobs.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"
#include "core/imap/utf7.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Tidings::Sync {

using Op = Store::PendingOperation;

namespace {

QJsonObject payloadOf(const Op &op)
{
    return QJsonDocument::fromJson(op.payload).object();
}

QList<QByteArray> atoms(const QJsonValue &value)
{
    QList<QByteArray> out;
    for (const QJsonValue &v : value.toArray())
        out << v.toString().toUtf8();
    return out;
}

bool transient(const Error &error)
{
    return error.kind == Error::Kind::Network || error.kind == Error::Kind::Timeout
        || error.kind == Error::Kind::Cancelled || error.kind == Error::Kind::Tls
        || error.kind == Error::Kind::Authentication || error.kind == Error::Kind::Storage
        || error.kind == Error::Kind::Protocol;
}

} // namespace

PendingReplayer::PendingReplayer(Imap::Session *session, Store::Database &db, qint64 accountId, QObject *parent)
    : QObject(parent), m_session(session), m_db(db), m_accountId(accountId)
{
}

PendingReplayer::~PendingReplayer() = default;

void PendingReplayer::start()
{
    next();
}

void PendingReplayer::stop(const Error &error)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished(error);
}

void PendingReplayer::next()
{
    if (m_finished)
        return;
    auto op = Store::PendingOperationStore(m_db).next(m_accountId);
    if (!op) {
        stop(op.error());
        return;
    }
    if (!op.value()) {
        stop({});
        return;
    }
    if (!m_session) {
        stop(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection is gone")));
        return;
    }
    run(*op.value());
}

void PendingReplayer::run(const Op &op)
{
    switch (op.kind) {
    case Op::Kind::StoreFlags:
        runFlags(op);
        return;
    case Op::Kind::Move:
    case Op::Kind::Copy:
        runMoveOrCopy(op);
        return;
    case Op::Kind::Expunge:
        runExpunge(op);
        return;
    case Op::Kind::Append:
        runAppend(op);
        return;
    case Op::Kind::CreateFolder:
    case Op::Kind::DeleteFolder:
    case Op::Kind::RenameFolder:
    case Op::Kind::Subscribe:
    case Op::Kind::Unsubscribe:
        runFolderCommand(op);
        return;
    }
}

QString PendingReplayer::folderDisplayName(const QByteArray &name)
{
    auto id = Store::FolderStore(m_db).findByName(m_accountId, name);
    if (id && id.value() != 0) {
        auto folder = Store::FolderStore(m_db).get(id.value());
        if (folder)
            return folder->displayName;
    }
    bool ok = false;
    const QString decoded = Imap::decodeModifiedUtf7(name, &ok);
    return ok ? decoded : QString::fromUtf8(name);
}

void PendingReplayer::done(const Op &op)
{
    if (Error e = Store::PendingOperationStore(m_db).markDone(op.id)) {
        stop(e);
        return;
    }
    Q_EMIT operationDone(op.id);
    next();
}

void PendingReplayer::drop(const Op &op, const QString &reason)
{
    Store::PendingOperationStore store(m_db);
    // A dropped operation was never sent (queued) or failed on the server (in flight).
    auto current = store.get(op.id);
    if (current && current->state == Op::State::Queued) {
        if (Error e = store.markInFlight(op.id)) {
            stop(e);
            return;
        }
    }
    if (Error e = store.markFailed(op.id, reason)) {
        stop(e);
        return;
    }
    Q_EMIT operationDropped(op.id, reason);
    next();
}

void PendingReplayer::jobFailed(const Op &op, const Error &error)
{
    if (transient(error)) {
        if (Error e = Store::PendingOperationStore(m_db).requeue(op.id, error.toString())) {
            stop(e);
            return;
        }
        stop(error);
        return;
    }
    drop(op, QStringLiteral("The server refused the change (%1); it was not applied.")
                 .arg(error.serverText.isEmpty() ? error.detail : error.serverText));
}

void PendingReplayer::selectChecked(const Op &op, std::function<void(const Imap::SelectedMailbox &)> then)
{
    auto *job = new Imap::SelectJob(m_session);
    job->setMailbox(folderDisplayName(op.folderName));
    connect(job, &Imap::Job::finished, this, [this, job, op, then = std::move(then)] {
        if (job->error()) {
            if (job->error().kind == Error::Kind::ServerNo) {
                drop(op, QStringLiteral("The folder \"%1\" no longer exists on the server; the change was dropped.")
                             .arg(folderDisplayName(op.folderName)));
                return;
            }
            jobFailed(op, job->error());
            return;
        }
        if (op.uidValidity != 0 && job->mailbox().uidValidity != op.uidValidity) {
            drop(op, QStringLiteral("The server renumbered the folder \"%1\"; the change no longer applies and was "
                                    "dropped.")
                         .arg(folderDisplayName(op.folderName)));
            return;
        }
        then(job->mailbox());
    });
    job->start();
}

void PendingReplayer::existingUids(const Op &op, std::function<void(const QList<quint32> &)> then)
{
    const auto uids = Imap::UidSet::parse(op.uids.toLatin1());
    if (!uids || uids->isEmpty() || uids->max() == Imap::UidSet::Star) {
        drop(op, QStringLiteral("The change named no valid message; it was dropped."));
        return;
    }
    auto *search = new Imap::SearchJob(m_session);
    search->setUidMode(true);
    search->setCriteria("UID " + uids->toByteArray());
    connect(search, &Imap::Job::finished, this, [this, search, op, uids = *uids, then = std::move(then)] {
        if (search->error()) {
            jobFailed(op, search->error());
            return;
        }
        QList<quint32> present;
        for (quint32 uid : uids) {
            if (search->results().contains(uid))
                present << uid;
        }
        if (present.isEmpty()) {
            drop(op, QStringLiteral("The message is no longer on the server; the change was dropped."));
            return;
        }
        then(present);
    });
    search->start();
}

static Imap::UidSet toSet(const QList<quint32> &uids)
{
    Imap::UidSet set;
    for (quint32 uid : uids)
        set.insert(uid);
    return set;
}

void PendingReplayer::runFlags(const Op &op)
{
    selectChecked(op, [this, op](const Imap::SelectedMailbox &) {
        existingUids(op, [this, op](const QList<quint32> &uids) {
            const QJsonObject p = payloadOf(op);
            const QList<QByteArray> add = atoms(p.value(QStringLiteral("add")));
            const QList<QByteArray> remove = atoms(p.value(QStringLiteral("remove")));
            if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
                stop(e);
                return;
            }
            auto removeStep = [this, op, uids, remove] {
                if (remove.isEmpty()) {
                    done(op);
                    return;
                }
                auto *job = new Imap::StoreJob(m_session);
                job->setUids(toSet(uids));
                job->setMode(Imap::StoreJob::Mode::Remove);
                job->setFlags(remove);
                connect(job, &Imap::Job::finished, this, [this, job, op] {
                    if (job->error())
                        jobFailed(op, job->error());
                    else
                        done(op);
                });
                job->start();
            };
            if (add.isEmpty()) {
                removeStep();
                return;
            }
            auto *job = new Imap::StoreJob(m_session);
            job->setUids(toSet(uids));
            job->setMode(Imap::StoreJob::Mode::Add);
            job->setFlags(add);
            connect(job, &Imap::Job::finished, this, [this, job, op, removeStep] {
                if (job->error())
                    jobFailed(op, job->error());
                else
                    removeStep();
            });
            job->start();
        });
    });
}

void PendingReplayer::runMoveOrCopy(const Op &op)
{
    const bool move = op.kind == Op::Kind::Move;
    if (!move && op.attempts > 0) {
        // A COPY that may have reached the server is not repeated: a second copy is worse than
        // a missing one the person can make again.
        drop(op, QStringLiteral("A copy was interrupted and may already be on the server; it was not repeated."));
        return;
    }
    selectChecked(op, [this, op, move](const Imap::SelectedMailbox &) {
        existingUids(op, [this, op, move](const QList<quint32> &uids) {
            if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
                stop(e);
                return;
            }
            const QString target = folderDisplayName(op.targetFolderName);
            auto finishWith = [this, op](std::uint32_t destValidity, const Imap::UidSet &source, const Imap::UidSet &dest) {
                // Local rows made by the move/copy get their server UIDs (COPYUID, RFC 4315 §3).
                const QJsonArray rows = payloadOf(op).value(QStringLiteral("messages")).toArray();
                QList<quint32> src(source.begin(), source.end());
                QList<quint32> dst(dest.begin(), dest.end());
                Store::MessageStore messages(m_db);
                Store::Transaction t(m_db);
                QList<qint64> unmapped;
                for (const QJsonValue &row : rows) {
                    const qint64 messageId = row.toArray().at(0).toInteger();
                    const quint32 uid = quint32(row.toArray().at(1).toInteger());
                    const qsizetype i = src.indexOf(uid);
                    if (destValidity != 0 && i >= 0 && i < dst.size()) {
                        if (Error e = messages.assignUid(messageId, destValidity, dst[i]))
                            unmapped << messageId;
                    } else {
                        unmapped << messageId;
                    }
                }
                // Without COPYUID the target's next sync brings the server's copies.
                (void)messages.remove(unmapped);
                if (Error e = t.commit()) {
                    stop(e);
                    return;
                }
                done(op);
            };
            if (move) {
                auto *job = new Imap::MoveJob(m_session);
                job->setUids(toSet(uids));
                job->setDestination(target);
                connect(job, &Imap::Job::finished, this, [this, job, op, finishWith] {
                    if (job->error()) {
                        jobFailed(op, job->error());
                        return;
                    }
                    finishWith(job->destinationUidValidity(), job->sourceUids(), job->destinationUids());
                });
                job->start();
            } else {
                auto *job = new Imap::CopyJob(m_session);
                job->setUids(toSet(uids));
                job->setDestination(target);
                connect(job, &Imap::Job::finished, this, [this, job, op, finishWith] {
                    if (job->error()) {
                        jobFailed(op, job->error());
                        return;
                    }
                    finishWith(job->destinationUidValidity(), job->sourceUids(), job->destinationUids());
                });
                job->start();
            }
        });
    });
}

void PendingReplayer::runExpunge(const Op &op)
{
    selectChecked(op, [this, op](const Imap::SelectedMailbox &) {
        existingUids(op, [this, op](const QList<quint32> &uids) {
            if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
                stop(e);
                return;
            }
            auto *store = new Imap::StoreJob(m_session);
            store->setUids(toSet(uids));
            store->setMode(Imap::StoreJob::Mode::Add);
            store->setFlags({"\\Deleted"});
            connect(store, &Imap::Job::finished, this, [this, store, op, uids] {
                if (store->error()) {
                    jobFailed(op, store->error());
                    return;
                }
                if (!m_session || !m_session->capabilities().uidPlus()) {
                    // Without UID EXPUNGE a plain EXPUNGE could remove other messages someone
                    // marked \Deleted; the messages stay marked, which every client hides.
                    done(op);
                    return;
                }
                auto *expunge = new Imap::ExpungeJob(m_session);
                expunge->setUids(toSet(uids));
                connect(expunge, &Imap::Job::finished, this, [this, expunge, op] {
                    if (expunge->error())
                        jobFailed(op, expunge->error());
                    else
                        done(op);
                });
                expunge->start();
            });
            store->start();
        });
    });
}

void PendingReplayer::runAppend(const Op &op)
{
    const QJsonObject p = payloadOf(op);
    const QString messageIdHeader = p.value(QStringLiteral("messageIdHeader")).toString();
    if (op.attempts == 0 || messageIdHeader.isEmpty()) {
        sendAppend(op);
        return;
    }
    // Sent before a crash or a lost connection? Look for it before sending it again.
    selectChecked(op, [this, op, messageIdHeader](const Imap::SelectedMailbox &mailbox) {
        auto *search = new Imap::SearchJob(m_session);
        search->setUidMode(true);
        search->addText("HEADER Message-ID", messageIdHeader);
        connect(search, &Imap::Job::finished, this, [this, search, op, validity = mailbox.uidValidity] {
            if (search->error()) {
                jobFailed(op, search->error());
                return;
            }
            if (search->results().isEmpty()) {
                sendAppend(op);
                return;
            }
            const qint64 messageId = payloadOf(op).value(QStringLiteral("message")).toInteger();
            if (messageId != 0)
                (void)Store::MessageStore(m_db).assignUid(messageId, validity, *search->results().max());
            if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
                stop(e);
                return;
            }
            done(op);
        });
        search->start();
    });
}

void PendingReplayer::sendAppend(const Op &op)
{
    const QJsonObject p = payloadOf(op);
    const QByteArray raw = QByteArray::fromBase64(p.value(QStringLiteral("raw")).toString().toLatin1());
    if (raw.isEmpty()) {
        drop(op, QStringLiteral("The message to store was empty; nothing was sent."));
        return;
    }
    if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
        stop(e);
        return;
    }
    auto *job = new Imap::AppendJob(m_session);
    job->setMailbox(folderDisplayName(op.folderName));
    job->setContent(raw);
    job->setFlags(atoms(p.value(QStringLiteral("flags"))));
    connect(job, &Imap::Job::finished, this, [this, job, op] {
        if (job->error()) {
            jobFailed(op, job->error());
            return;
        }
        const qint64 messageId = payloadOf(op).value(QStringLiteral("message")).toInteger();
        if (messageId != 0) {
            Store::MessageStore messages(m_db);
            if (job->uid() != 0)
                (void)messages.assignUid(messageId, job->uidValidity(), job->uid());
            else
                (void)messages.remove({messageId}); // no APPENDUID: the next sync brings the server's copy
        }
        done(op);
    });
    job->start();
}

void PendingReplayer::runFolderCommand(const Op &op)
{
    const QJsonObject p = payloadOf(op);
    if (Error e = Store::PendingOperationStore(m_db).markInFlight(op.id)) {
        stop(e);
        return;
    }
    const QString name = p.value(QStringLiteral("display")).toString();
    Imap::Job *job = nullptr;
    switch (op.kind) {
    case Op::Kind::CreateFolder: {
        auto *j = new Imap::CreateJob(m_session);
        j->setMailbox(name);
        job = j;
        break;
    }
    case Op::Kind::DeleteFolder: {
        auto *j = new Imap::DeleteJob(m_session);
        j->setMailbox(name);
        job = j;
        break;
    }
    case Op::Kind::RenameFolder: {
        auto *j = new Imap::RenameJob(m_session);
        j->setMailbox(name);
        j->setNewName(p.value(QStringLiteral("to")).toString());
        job = j;
        break;
    }
    case Op::Kind::Subscribe:
    case Op::Kind::Unsubscribe: {
        auto *j = new Imap::SubscribeJob(m_session);
        j->setMailbox(name);
        j->setSubscribe(op.kind == Op::Kind::Subscribe);
        job = j;
        break;
    }
    default:
        drop(op, QStringLiteral("Unknown folder operation."));
        return;
    }
    connect(job, &Imap::Job::finished, this, [this, job, op] {
        const Error &e = job->error();
        if (!e) {
            done(op);
            return;
        }
        // Repeating a folder command that already took effect (RFC 5530 codes) is success.
        if ((op.kind == Op::Kind::CreateFolder && e.responseCode == "ALREADYEXISTS")
            || (op.kind == Op::Kind::DeleteFolder && e.responseCode == "NONEXISTENT")) {
            done(op);
            return;
        }
        jobFailed(op, e);
    });
    job->start();
}

} // namespace Tidings::Sync
