// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "tests/support/scriptedserver.h"

#include <QFile>
#include <QDeadlineTimer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QCoreApplication>
#include <QTimer>

namespace Tidings::Test {

namespace {

QString certDir()
{
    return qEnvironmentVariable("TIDINGS_TEST_CERT_DIR");
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("scripted server: cannot read %s (is TIDINGS_TEST_CERT_DIR set?)", qPrintable(path));
    return file.readAll();
}

int hexValue(QChar c)
{
    if (c >= u'0' && c <= u'9')
        return c.unicode() - u'0';
    if (c >= u'a' && c <= u'f')
        return c.unicode() - u'a' + 10;
    if (c >= u'A' && c <= u'F')
        return c.unicode() - u'A' + 10;
    return -1;
}

} // namespace

class ScriptedServerWorker final : public QTcpServer
{
    Q_OBJECT
public:
    ScriptedServerWorker(const QString &script, ScriptedServer::Transport transport);
    ~ScriptedServerWorker() override;

    void setDrip(bool drip) { m_drip = drip; }
    void setCertificate(const QSslCertificate &certificate, const QSslKey &key);
    void proceed();
    [[nodiscard]] bool scriptFinished() const;
    [[nodiscard]] int currentStep() const { return m_next; }
    [[nodiscard]] QByteArray received() const { return m_received; }
    [[nodiscard]] QStringList errors() const { return m_errors; }
    [[nodiscard]] bool hadConnection() const { return m_socket != nullptr; }
    [[nodiscard]] QStringList finalProblems();
    void shutdown();

protected:
    void incomingConnection(qintptr handle) override;

private:
    struct Step {
        enum class Kind { Send, SendRaw, Expect, Wait, Close, StartTls };
        Kind kind;
        QByteArray data;
        int line = 0;
    };
    void parseScript(const QString &script);
    void advance();
    void onReadyRead();
    void sendBytes(const QByteArray &bytes);
    void dripNext();
    void fail(const QString &message);

    QList<Step> m_steps;
    int m_next = 0;
    ScriptedServer::Transport m_transport;
    bool m_drip = false;
    bool m_waiting = false;
    bool m_handshaking = false;
    bool m_closed = false;
    QByteArray m_dripQueue;
    QByteArray m_inBuffer;
    QByteArray m_received;
    QStringList m_errors;
    QSslSocket *m_socket = nullptr;
    QSslCertificate m_certificate;
    QSslKey m_key;
};


QByteArray unescapeScriptText(const QString &text)
{
    QByteArray out;
    QString pending;
    auto flush = [&] {
        out += pending.toUtf8();
        pending.clear();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c != u'\\' || i + 1 >= text.size()) {
            pending += c;
            continue;
        }
        const QChar n = text.at(i + 1);
        if (n == u'r') {
            flush();
            out += '\r';
            ++i;
        } else if (n == u'n') {
            flush();
            out += '\n';
            ++i;
        } else if (n == u'\\') {
            pending += u'\\';
            ++i;
        } else if (n == u'x' && i + 3 < text.size() && hexValue(text.at(i + 2)) >= 0
                   && hexValue(text.at(i + 3)) >= 0) {
            flush();
            out += char(hexValue(text.at(i + 2)) * 16 + hexValue(text.at(i + 3)));
            i += 3;
        } else {
            pending += c;
        }
    }
    flush();
    return out;
}

ScriptedServerWorker::ScriptedServerWorker(const QString &script, ScriptedServer::Transport transport)
    : m_transport(transport)
{
    parseScript(script);
}

ScriptedServerWorker::~ScriptedServerWorker() = default;

void ScriptedServerWorker::shutdown()
{
    close();
    if (m_socket) {
        m_socket->abort();
        delete m_socket;
        m_socket = nullptr;
    }
}

void ScriptedServerWorker::parseScript(const QString &script)
{
    const QStringList lines = script.split(u'\n');
    for (int n = 0; n < lines.size(); ++n) {
        QString line = lines.at(n);
        if (line.endsWith(u'\r'))
            line.chop(1);
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#'))
            continue;
        Step step{Step::Kind::Send, {}, n + 1};
        if (line.startsWith(u"S: ")) {
            step.data = unescapeScriptText(line.mid(3)) + "\r\n";
        } else if (line.startsWith(u"S+ ")) {
            step.kind = Step::Kind::SendRaw;
            step.data = unescapeScriptText(line.mid(3));
        } else if (line.startsWith(u"C: ")) {
            step.kind = Step::Kind::Expect;
            step.data = unescapeScriptText(line.mid(3));
        } else if (trimmed == u"C:") {
            step.kind = Step::Kind::Expect;
        } else if (trimmed == u"W:") {
            step.kind = Step::Kind::Wait;
        } else if (trimmed == u"X") {
            step.kind = Step::Kind::Close;
        } else if (trimmed == u"TLS") {
            step.kind = Step::Kind::StartTls;
        } else {
            qFatal("scripted server: cannot read script line %d: %s", n + 1, qPrintable(line));
        }
        m_steps.append(step);
    }
}

void ScriptedServerWorker::setCertificate(const QSslCertificate &certificate, const QSslKey &key)
{
    m_certificate = certificate;
    m_key = key;
}

QList<QSslCertificate> ScriptedServer::testCaCertificates()
{
    return QSslCertificate::fromData(readFile(certDir() + QStringLiteral("/ca.pem")));
}

std::pair<QSslCertificate, QSslKey> ScriptedServer::untrustedCertificate()
{
    return {QSslCertificate(readFile(certDir() + QStringLiteral("/untrusted.pem"))),
            QSslKey(readFile(certDir() + QStringLiteral("/untrusted.key")), QSsl::Rsa)};
}

void ScriptedServerWorker::incomingConnection(qintptr handle)
{
    if (m_socket) {
        fail(QStringLiteral("a second connection arrived; the scripted server serves one"));
        QTcpSocket extra;
        extra.setSocketDescriptor(handle);
        extra.abort();
        return;
    }
    m_socket = new QSslSocket(this);
    if (!m_socket->setSocketDescriptor(handle)) {
        fail(QStringLiteral("cannot adopt the client socket"));
        return;
    }
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_certificate.isNull()) {
        m_certificate = QSslCertificate(readFile(certDir() + QStringLiteral("/server.pem")));
        m_key = QSslKey(readFile(certDir() + QStringLiteral("/server.key")), QSsl::Rsa);
    }
    m_socket->setLocalCertificate(m_certificate);
    m_socket->setPrivateKey(m_key);
    m_socket->setPeerVerifyMode(QSslSocket::VerifyNone);

    connect(m_socket, &QSslSocket::readyRead, this, &ScriptedServerWorker::onReadyRead);
    connect(m_socket, &QSslSocket::disconnected, this, [this] {
        if (!m_closed && !scriptFinished()) {
            // Let the client's last bytes be matched before judging the disconnect.
            onReadyRead();
            if (!scriptFinished())
                fail(QStringLiteral("client disconnected before the script ended (at step %1)").arg(m_next));
        }
        m_closed = true;
    });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        if (m_handshaking) {
            m_handshaking = false;
            advance();
        }
    });
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            fail(QStringLiteral("server-side TLS error: ") + e.errorString());
    });

    if (m_transport == ScriptedServer::Transport::ImplicitTls) {
        m_handshaking = true;
        m_socket->startServerEncryption();
        return;
    }
    advance();
}

void ScriptedServerWorker::sendBytes(const QByteArray &bytes)
{
    if (!m_drip) {
        m_socket->write(bytes);
        m_socket->flush();
        return;
    }
    m_dripQueue += bytes;
    if (m_dripQueue.size() == bytes.size())
        dripNext();
}

void ScriptedServerWorker::dripNext()
{
    if (m_dripQueue.isEmpty() || !m_socket) {
        advance();
        return;
    }
    m_socket->write(m_dripQueue.left(1));
    m_socket->flush();
    m_dripQueue.remove(0, 1);
    // One event-loop turn per byte, so the client sees one byte per read.
    QTimer::singleShot(1, this, &ScriptedServerWorker::dripNext);
}

void ScriptedServerWorker::advance()
{
    while (m_socket && m_next < m_steps.size() && !m_waiting && !m_handshaking && m_dripQueue.isEmpty()) {
        const Step &step = m_steps.at(m_next);
        switch (step.kind) {
        case Step::Kind::Send:
        case Step::Kind::SendRaw:
            ++m_next;
                        sendBytes(step.data);
            if (m_drip)
                return; // dripNext() continues
            break;
        case Step::Kind::Expect: {
            const qsizetype eol = m_inBuffer.indexOf("\r\n");
            if (eol < 0)
                return; // wait for more client bytes
            const QByteArray line = m_inBuffer.left(eol);
            m_inBuffer.remove(0, eol + 2);
            if (line != step.data) {
                fail(QStringLiteral("script line %1: expected client line \"%2\", got \"%3\"")
                         .arg(step.line)
                         .arg(QString::fromUtf8(step.data), QString::fromUtf8(line)));
            }
            ++m_next;
                        break;
        }
        case Step::Kind::Wait:
            m_waiting = true;
                        return;
        case Step::Kind::Close:
            ++m_next;
                        m_closed = true;
            m_socket->flush();
            m_socket->disconnectFromHost();
            break;
        case Step::Kind::StartTls:
            ++m_next;
                        m_handshaking = true;
            m_socket->startServerEncryption();
            return;
        }
    }
}

void ScriptedServerWorker::onReadyRead()
{
    if (!m_socket)
        return;
    const QByteArray bytes = m_socket->readAll();
    m_received += bytes;
    if (m_handshaking)
        return;
    if (scriptFinished()) {
        if (!bytes.isEmpty())
            fail(QStringLiteral("client sent bytes after the script ended: \"%1\"").arg(QString::fromUtf8(bytes)));
        return;
    }
    m_inBuffer += bytes;
    advance();
}

void ScriptedServerWorker::proceed()
{
    if (!m_waiting)
        return;
    m_waiting = false;
    ++m_next;
    advance();
}

bool ScriptedServerWorker::scriptFinished() const
{
    return m_next >= m_steps.size();
}

QStringList ScriptedServerWorker::finalProblems()
{
    if (m_socket && m_socket->bytesAvailable() > 0)
        onReadyRead();
    QStringList problems = m_errors;
    if (!scriptFinished())
        problems << QStringLiteral("script stopped at step %1 of %2 (script line %3)")
                        .arg(m_next)
                        .arg(m_steps.size())
                        .arg(m_steps.at(m_next).line);
    if (!m_inBuffer.isEmpty())
        problems << QStringLiteral("unmatched client bytes: \"%1\"").arg(QString::fromUtf8(m_inBuffer));
    return problems;
}

void ScriptedServerWorker::fail(const QString &message)
{
    m_errors << message;
}

ScriptedServer::ScriptedServer(const QString &script, Transport transport, QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
    , m_worker(new ScriptedServerWorker(script, transport))
{
    m_thread->setObjectName(QStringLiteral("ScriptedServer"));
    m_worker->moveToThread(m_thread);
    m_thread->start();
    bool listening = false;
    QString error;
    QMetaObject::invokeMethod(m_worker, [&] {
        listening = m_worker->listen(QHostAddress::LocalHost, 0);
        error = m_worker->errorString();
        m_port = m_worker->serverPort();
    }, Qt::BlockingQueuedConnection);
    if (!listening)
        qFatal("scripted server: cannot listen: %s", qPrintable(error));
}

ScriptedServer::~ScriptedServer()
{
    QMetaObject::invokeMethod(m_worker, [this] {
        m_worker->shutdown();
        delete m_worker;
    }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

template<typename F>
auto ScriptedServer::onWorker(F &&f) const
{
    using Result = decltype(f());
    if constexpr (std::is_void_v<Result>) {
        QMetaObject::invokeMethod(m_worker, std::forward<F>(f), Qt::BlockingQueuedConnection);
    } else {
        Result result{};
        QMetaObject::invokeMethod(m_worker, [&] { result = f(); }, Qt::BlockingQueuedConnection);
        return result;
    }
}

void ScriptedServer::setDrip(bool drip)
{
    onWorker([this, drip] { m_worker->setDrip(drip); });
}

void ScriptedServer::setCertificate(const QSslCertificate &certificate, const QSslKey &key)
{
    onWorker([&] { m_worker->setCertificate(certificate, key); });
}

void ScriptedServer::proceed()
{
    onWorker([this] { m_worker->proceed(); });
}

bool ScriptedServer::scriptFinished() const
{
    return onWorker([this] { return m_worker->scriptFinished(); });
}

int ScriptedServer::currentStep() const
{
    return onWorker([this] { return m_worker->currentStep(); });
}

QByteArray ScriptedServer::received() const
{
    return onWorker([this] { return m_worker->received(); });
}

QStringList ScriptedServer::errors() const
{
    return onWorker([this] { return m_worker->errors(); });
}

bool ScriptedServer::hadConnection() const
{
    return onWorker([this] { return m_worker->hadConnection(); });
}

bool ScriptedServer::waitForStep(int index, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (currentStep() < index) {
        if (deadline.hasExpired())
            return false;
        // Runs the test thread's events (the client under test) while the server works.
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::yieldCurrentThread();
    }
    return true;
}

bool ScriptedServer::waitForScript(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!scriptFinished()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::yieldCurrentThread();
    }
    return true;
}

QStringList ScriptedServer::verify(int timeoutMs)
{
    waitForScript(timeoutMs);
    // Let trailing client bytes arrive, so "nothing else was sent" means something.
    QCoreApplication::processEvents();
    return onWorker([this] { return m_worker->finalProblems(); });
}

} // namespace Tidings::Test

#include "scriptedserver.moc"
