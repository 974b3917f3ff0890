// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/pop3/responseparser.h"

#include <cstring>

namespace Tidings::Pop3 {

namespace {

bool startsWithNoCase(QByteArrayView text, QByteArrayView prefix)
{
    return text.size() >= prefix.size() && text.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0;
}

QByteArrayView chompLine(QByteArrayView line)
{
    if (line.endsWith('\n'))
        line.chop(1);
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

} // namespace

ResponseHandler::~ResponseHandler() = default;

ResponseParser::ResponseParser(ResponseHandler &handler)
    : ResponseParser(handler, Limits{})
{
}

ResponseParser::ResponseParser(ResponseHandler &handler, Limits limits)
    : m_handler(handler)
    , m_limits(limits)
{
}

void ResponseParser::expect(ReplyShape shape)
{
    m_expected.push_back(shape);
}

bool ResponseParser::parseStatusLine(QByteArrayView line, bool allowContinuation, StatusLine *out)
{
    StatusLine status;
    QByteArrayView rest;
    if (startsWithNoCase(line, "+OK")) {
        status.kind = StatusLine::Kind::Ok;
        rest = line.sliced(3);
    } else if (startsWithNoCase(line, "-ERR")) {
        status.kind = StatusLine::Kind::Err;
        rest = line.sliced(4);
    } else if (allowContinuation && (line == "+" || line.startsWith("+ "))) {
        status.kind = StatusLine::Kind::Continuation;
        rest = line.sliced(1);
    } else {
        return false;
    }
    // "+OK" must be followed by a space or the line end; "+OKAY" is not a status.
    if (!rest.isEmpty() && rest.front() != ' ' && rest.front() != '\t')
        return false;
    while (!rest.isEmpty() && (rest.front() == ' ' || rest.front() == '\t'))
        rest = rest.sliced(1);
    status.text = rest.toByteArray();
    if (status.kind != StatusLine::Kind::Continuation && rest.startsWith('[')) {
        const qsizetype close = rest.indexOf(']');
        if (close > 1 && close <= 64) {
            const QByteArrayView code = rest.sliced(1, close - 1);
            bool printable = true;
            for (char c : code)
                printable = printable && c > ' ' && c < 0x7f;
            if (printable)
                status.responseCode = code.toByteArray().toUpper();
        }
    }
    *out = std::move(status);
    return true;
}

void ResponseParser::setError(QByteArray what, QByteArrayView excerpt)
{
    m_error = std::move(what);
    if (!excerpt.isEmpty()) {
        m_error += ": \"";
        m_error += excerpt.first(std::min<qsizetype>(excerpt.size(), 80)).toByteArray().toPercentEncoding(" +-[]/.:@_=<>");
        m_error += '"';
    }
}

void ResponseParser::finishReply()
{
    m_state = State::Status;
    m_line.clear();
    m_bodyBytes = 0;
    m_expected.pop_front();
}

qsizetype ResponseParser::feed(QByteArrayView bytes)
{
    const char *const begin = bytes.data();
    const char *p = begin;
    const char *const end = begin + bytes.size();
    while (p < end && !hasError() && !m_expected.empty()) {
        switch (m_state) {
        case State::Status: p += feedStatus(p, end); break;
        case State::ListLine: p += feedLines(p, end); break;
        case State::LineStart:
        case State::InLine:
        case State::Dot:
        case State::DotCr: p += feedStream(p, end); break;
        }
    }
    return p - begin;
}

qsizetype ResponseParser::feedStatus(const char *p, const char *end)
{
    const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
    const qsizetype take = lf ? (lf - p + 1) : (end - p);
    if (m_line.size() + take > m_limits.maxStatusLine) {
        m_line.append(p, take);
        setError("status line too long", m_line);
        return take;
    }
    m_line.append(p, take);
    if (!lf)
        return take;

    const ReplyShape shape = m_expected.front();
    StatusLine status;
    if (!parseStatusLine(chompLine(m_line), shape == ReplyShape::Auth, &status)) {
        setError("not a POP3 status line", m_line);
        return take;
    }
    m_line.clear();
    const bool multi = status.isOk() && (shape == ReplyShape::MultiLines || shape == ReplyShape::MultiStream);
    if (multi) {
        m_state = shape == ReplyShape::MultiLines ? State::ListLine : State::LineStart;
        m_bodyBytes = 0;
    } else {
        finishReply();
    }
    m_handler.statusLine(status);
    return take;
}

bool ResponseParser::emitBody(const char *p, qsizetype n)
{
    if (n <= 0)
        return true;
    m_bodyBytes += n;
    if (m_bodyBytes > m_limits.maxBodyBytes) {
        setError("message body larger than the limit of " + QByteArray::number(m_limits.maxBodyBytes) + " bytes", {});
        return false;
    }
    m_handler.data(QByteArrayView(p, n));
    return true;
}

qsizetype ResponseParser::feedStream(const char *const start, const char *end)
{
    const char *p = start;
    while (p < end) {
        switch (m_state) {
        case State::LineStart:
            if (*p == '.') {
                m_state = State::Dot;
                ++p;
                continue;
            }
            m_state = State::InLine;
            [[fallthrough]];
        case State::InLine: {
            const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
            const char *stop = lf ? lf + 1 : end;
            if (!emitBody(p, stop - p))
                return end - start;
            p = stop;
            if (lf)
                m_state = State::LineStart;
            continue;
        }
        case State::Dot:
            if (*p == '\r') {
                m_state = State::DotCr;
                ++p;
                continue;
            }
            if (*p == '\n') { // ".\n": a server that ends lines with LF alone
                ++p;
                finishReply();
                m_handler.end();
                return p - start;
            }
            m_state = State::InLine; // the dot was stuffing; the line goes on without it
            continue;
        case State::DotCr:
            if (*p == '\n') {
                ++p;
                finishReply();
                m_handler.end();
                return p - start;
            }
            // ".\rX": stuffing, and the CR is content.
            m_state = State::InLine;
            if (!emitBody("\r", 1))
                return end - start;
            continue;
        case State::Status:
        case State::ListLine: return p - start;
        }
    }
    return p - start;
}

qsizetype ResponseParser::feedLines(const char *p, const char *end)
{
    const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
    const qsizetype take = lf ? (lf - p + 1) : (end - p);
    if (m_line.size() + take > m_limits.maxListLine + 2) {
        m_line.append(p, take);
        setError("line of a multi-line reply too long", m_line);
        return take;
    }
    m_line.append(p, take);
    if (!lf)
        return take;
    QByteArrayView line = chompLine(m_line);
    if (line == ".") {
        finishReply();
        m_handler.end();
        return take;
    }
    if (line.startsWith('.'))
        line = line.sliced(1);
    m_bodyBytes += line.size() + 2;
    if (m_bodyBytes > m_limits.maxListBytes) {
        setError("multi-line reply larger than the limit of " + QByteArray::number(m_limits.maxListBytes) + " bytes", {});
        return take;
    }
    m_handler.data(line);
    m_line.clear();
    return take;
}

} // namespace Tidings::Pop3
