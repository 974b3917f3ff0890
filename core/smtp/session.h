// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/common/lineconnection.h"
#include "core/common/tls.h"
#include "core/smtp/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <chrono>
#include <deque>
#include <memory>

namespace Tidings::Smtp {

enum class AuthMethod {
    Automatic, ///< XOAUTH2 with a token, else PLAIN, else LOGIN
    Plain,     ///< RFC 4616
    Login,     ///< the de-facto LOGIN mechanism
    XOAuth2,   ///< Google/Microsoft bearer token (Settings::oauthToken)
    None,      ///< no AUTH (a relay that trusts the network)
};

struct Settings {
    QString host;
    quint16 port = 465;
    Security security = Security::ImplicitTls;
    TlsPolicy tls;
    QString username;
    QString password;
    QString oauthToken;
    AuthMethod auth = AuthMethod::Automatic;
    /// The name given in EHLO; a literal "[127.0.0.1]"-style value is fine.
    QString heloName = QStringLiteral("localhost");
    /// RFC 5321 §4.5.3.2: minutes for every reply; the DATA end gets dataEndTimeout.
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds dataEndTimeout{std::chrono::minutes(10)};
    /// With a refused recipient nothing is sent (so a retry cannot duplicate mail for the others);
    /// false sends to the accepted ones and reports the refused ones.
    bool allOrNothing = true;
    QString protocolLogDir;
};

/// The envelope (RFC 5321 §2.3.1). Bcc recipients belong here and only here: the session sends
/// the message bytes as given, so the composer must leave Bcc out of the headers.
struct Envelope {
    QString from;
    QStringList recipients;
};

struct RecipientResult {
    QString address;
    Reply reply;
    [[nodiscard]] bool accepted() const { return reply.isPositive(); }
    friend bool operator==(const RecipientResult &, const RecipientResult &) = default;
};

struct SendResult {
    Error error; ///< empty when the server took the message
    Problem problem = Problem::None;
    QList<RecipientResult> recipients; ///< every recipient's answer, in envelope order
    Reply finalReply;                  ///< the answer to the end of DATA
    /// The connection ended after the message's final dot and before the server's answer:
    /// the message may or may not have been accepted (Problem::DeliveryUncertain).
    bool deliveryUncertain = false;
    /// True when the message went to every accepted recipient.
    [[nodiscard]] bool sent() const { return finalReply.isPositive(); }
    [[nodiscard]] QStringList refusedRecipients() const;
};

class Session;

/// One message to send; made by Session::send(). finished() comes from the event loop, then
/// the job deletes itself: read result() in the slot.
class SendJob final : public QObject
{
    Q_OBJECT
public:
    [[nodiscard]] const SendResult &result() const { return m_result; }
    [[nodiscard]] const Envelope &envelope() const { return m_envelope; }
    /// True for a job made by Session::checkEnvelope(): it never sends DATA.
    [[nodiscard]] bool isEnvelopeCheck() const { return m_envelopeCheck; }

Q_SIGNALS:
    void finished(Tidings::Smtp::SendJob *job);

private:
    friend class Session;
    SendJob(Session *session, Envelope envelope, QByteArray message);
    Envelope m_envelope;
    QByteArray m_message;
    SendResult m_result;
    bool m_envelopeCheck = false;
};

/// One SMTP submission connection (RFC 5321, 3207, 4954, 2920, 1870, 6152, 6531).
///
/// States: Disconnected → Connecting → Greeting → Negotiating (EHLO, STARTTLS, EHLO again) →
/// Authenticating → Ready ⇄ Sending → Quitting → Disconnected. Sends are queued and run one at a
/// time in Ready; with PIPELINING, MAIL and every RCPT go out in one write, and DATA follows
/// only when the recipients' answers allow it, so an all-or-nothing send never delivers half.
///
/// Security: as for POP3: StartTls without STARTTLS in EHLO, a refused STARTTLS, or bytes after
/// the 220 to STARTTLS end the session before AUTH (Kind::Tls / Kind::Protocol).
///
/// Message: encodeData() normalises line ends to CRLF and dot-stuffs, so the recipient receives
/// canonicalMessage() of the bytes given. SIZE is checked before MAIL FROM; 8-bit content needs
/// 8BITMIME (BODY=8BITMIME is sent), non-ASCII addresses need SMTPUTF8.
///
/// Failure: a lost connection fails the current send and every queued one. A loss after the
/// final dot and before the answer is reported as Problem::DeliveryUncertain, never as a plain
/// failure, so the outbox does not blindly resend. open() works again after any failure.
class Session final : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Disconnected,
        Connecting,
        Greeting,
        Negotiating,
        Authenticating,
        Ready,
        Sending,
        Quitting
    };
    Q_ENUM(State)

    explicit Session(Settings settings, Clock &clock = SystemClock::instance(), QObject *parent = nullptr);
    ~Session() override;
    Q_DISABLE_COPY_MOVE(Session)

    void open();
    /// QUIT after the queued sends; closed() follows.
    void quit();
    /// Drops the connection; queued sends fail with Kind::Cancelled.
    void abort();
    /// Queues a message; runs after open() succeeded.
    SendJob *send(const Envelope &envelope, const QByteArray &message);
    /// Asks the server whether it would take mail from @p envelope's sender to its recipients
    /// (MAIL FROM, RCPT TO, then RSET) and sends nothing: no DATA, so nothing is delivered.
    /// The connection test uses it to learn before the first real send that a server refuses a
    /// sender the login does not own. The job's result has no error when every address was
    /// accepted; otherwise error and problem are those a real send would have had.
    SendJob *checkEnvelope(const Envelope &envelope);

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const Capabilities &capabilities() const { return m_caps; }
    [[nodiscard]] const Error &lastError() const { return m_lastError; }
    [[nodiscard]] bool isEncrypted() const;
    [[nodiscard]] const Settings &settings() const { return m_settings; }
    void setSettings(Settings settings) { m_settings = std::move(settings); }

Q_SIGNALS:
    void opened();
    void failed(const Tidings::Error &error);
    void closed();
    void certificateRejected(const Tidings::CertificateProblem &problem);

private:
    enum class Step {
        None,
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        StartTlsAccepted,
        AuthPlain,
        AuthLoginUser,
        AuthLoginPass,
        AuthXoauth2,
        AuthDone,
        Mail,
        Rcpt,
        Data,
        DataEnd,
        Rset,
        Quit
    };

    void onReady();
    void onEncrypted();
    void onReadyRead();
    void onClosed();
    void handle(const Reply &reply);
    void sendLine(Step step, const QByteArray &line, QByteArrayView logVisible = {}, bool secret = false);
    void afterEhlo();
    void authenticate();
    void authFailed(const Reply &reply);
    void enterReady();
    void startNextSend();
    void afterRecipients();
    void finishSend(SendResult result);
    void failSend(Problem problem, const Error &error);
    void fail(const Error &error);
    void updateWaiting();

    Settings m_settings;
    LineConnection *m_conn;
    std::unique_ptr<ReplyParser> m_parser;
    State m_state = State::Disconnected;
    Step m_step = Step::None;
    std::deque<Step> m_expected; ///< replies owed, in order (pipelined MAIL/RCPT)
    Capabilities m_caps;
    Error m_lastError;
    std::deque<QPointer<SendJob>> m_queue;
    QPointer<SendJob> m_current;
    SendResult m_result;
    Reply m_mailReply;
    int m_rcptIndex = 0;
    bool m_quitRequested = false;
    bool m_resetNeeded = false;
};

} // namespace Tidings::Smtp
