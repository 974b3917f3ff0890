// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/structurescan.h"

#include <QList>

#include <algorithm>
#include <cstring>

namespace Tidings::Mime {

namespace {

bool isLwsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isTokenChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F)
        return false;
    return !std::strchr("()<>@,;:\\\"/[]?=", c);
}

/// One open container: a multipart with its boundary ("--" included; empty when it cannot
/// match), or an encapsulated message, which closes only with an enclosing boundary.
struct Level {
    QByteArray boundary;
    bool digest = false;
};

/// What the Content-Type fields of one header block say.
struct HeaderBlock {
    qsizetype start = 0;
    int contentTypes = 0;
    QByteArray contentType; // the last Content-Type value, unfolded
    bool anyMultipart = false;
    bool anyMessage = false;
    bool inContentType = false;
    bool inParameterField = false; // Content-Type or Content-Disposition
    int semicolons = 0;            // in the current parameter field

    void finishField()
    {
        inParameterField = false;
        semicolons = 0;
        if (!inContentType)
            return;
        inContentType = false;
        QByteArray type = contentType;
        const qsizetype semicolon = type.indexOf(';');
        if (semicolon >= 0)
            type.truncate(semicolon);
        type = type.trimmed().toLower();
        // Any mention counts: GMime's reading of a mangled type may differ from ours.
        if (type.contains("multipart"))
            anyMultipart = true;
        if (type.startsWith("message") || type.contains("rfc822"))
            anyMessage = true;
    }
};

} // namespace

QByteArray StructureScan::unambiguousBoundary(QByteArrayView value)
{
    const QByteArray text = value.toByteArray();
    if (text.contains('(') || text.contains('\\'))
        return {};
    qsizetype pos = text.indexOf(';');
    if (pos < 0)
        return {};
    QByteArray boundary;
    int found = 0;
    while (pos >= 0 && pos < text.size()) {
        ++pos; // past ';'
        while (pos < text.size() && isLwsp(text.at(pos)))
            ++pos;
        const qsizetype nameStart = pos;
        while (pos < text.size() && text.at(pos) != '=' && text.at(pos) != ';')
            ++pos;
        if (pos >= text.size())
            break;
        if (text.at(pos) == ';')
            continue;
        const QByteArray name = text.mid(nameStart, pos - nameStart).trimmed().toLower();
        ++pos; // past '='
        while (pos < text.size() && isLwsp(text.at(pos)))
            ++pos;
        QByteArray parameterValue;
        bool clean = true;
        if (pos < text.size() && text.at(pos) == '"') {
            const qsizetype close = text.indexOf('"', pos + 1);
            if (close < 0)
                return {};
            parameterValue = text.mid(pos + 1, close - pos - 1);
            pos = close + 1;
            for (char c : parameterValue) {
                const auto u = static_cast<unsigned char>(c);
                if (u < 0x20 || u >= 0x7F)
                    clean = false;
            }
            while (pos < text.size() && text.at(pos) != ';') {
                if (!isLwsp(text.at(pos)))
                    clean = false; // junk after the closing quote
                ++pos;
            }
        } else {
            const qsizetype end = text.indexOf(';', pos);
            parameterValue = text.mid(pos, (end < 0 ? text.size() : end) - pos).trimmed();
            pos = end < 0 ? text.size() : end;
            for (char c : parameterValue) {
                if (!isTokenChar(c))
                    clean = false;
            }
        }
        if (name.startsWith("boundary")) {
            ++found;
            if (name != "boundary" || !clean)
                return {};
            boundary = parameterValue;
        }
    }
    if (found != 1 || boundary.isEmpty())
        return {};
    return boundary;
}

namespace {

/// Whether a header line starts a field GMime reads parameters from.
bool isParameterField(QByteArrayView line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return false;
    const QByteArrayView name = line.first(colon).trimmed();
    return name.compare("content-type", Qt::CaseInsensitive) == 0 ||
           name.compare("content-disposition", Qt::CaseInsensitive) == 0;
}

/// Counts the ';' of one line of a parameter field into block and records the part of the
/// line past the allowed number of parameters.
void countParameters(QByteArrayView line, qsizetype lineStart, HeaderBlock &block, const ParseLimits &limits,
                     QList<QPair<qsizetype, qsizetype>> &excess)
{
    const qsizetype length = line.size() - (line.endsWith('\r') ? 1 : 0);
    const int allowed = std::max(0, limits.maxParameters);
    if (block.semicolons > allowed) {
        if (length > 0)
            excess.append({lineStart, length});
        return;
    }
    for (qsizetype i = 0; i < length; ++i) {
        if (line[i] == ';' && ++block.semicolons > allowed) {
            excess.append({lineStart + i, length - i});
            return;
        }
    }
}

} // namespace

StructureScan::Result StructureScan::scan(QByteArrayView bytes, const ParseLimits &limits)
{
    Result result;
    QList<Level> stack;
    bool inHeaders = true;
    HeaderBlock block;
    result.headerBlocks = 1;

    const char *data = bytes.data();
    const qsizetype size = bytes.size();
    qsizetype lineStart = 0;

    auto cut = [&result](qsizetype offset, Complexity reason) {
        result.cutOffset = offset;
        result.reason = reason;
        // A cut falls on a line start and a range never spans lines: drop those after it.
        result.excessParameters.removeIf(
            [offset](const QPair<qsizetype, qsizetype> &range) { return range.first >= offset; });
        return result;
    };

    while (lineStart < size) {
        const char *newline =
            static_cast<const char *>(std::memchr(data + lineStart, '\n', size_t(size - lineStart)));
        const qsizetype lineEnd = newline ? newline - data : size;
        const qsizetype next = newline ? lineEnd + 1 : size;
        const QByteArrayView line(data + lineStart, lineEnd - lineStart);

        // A boundary line of any open multipart, innermost first, as GMime checks them.
        if (line.size() >= 2 && line[0] == '-' && line[1] == '-' && !stack.isEmpty()) {
            int matched = -1;
            bool closing = false;
            for (qsizetype i = stack.size() - 1; i >= 0 && matched < 0; --i) {
                const QByteArray &b = stack.at(i).boundary;
                if (b.isEmpty() || !line.startsWith(b))
                    continue;
                QByteArrayView rest = line.sliced(b.size());
                bool isClose = false;
                if (rest.startsWith("--")) {
                    isClose = true;
                    rest = rest.sliced(2);
                }
                bool onlySpace = true;
                for (char c : rest) {
                    if (!isLwsp(c)) {
                        onlySpace = false;
                        break;
                    }
                }
                if (onlySpace) {
                    matched = int(i);
                    closing = isClose;
                } else if (!isClose) {
                    // "--b--junk" is not a close boundary, but "--b" + "--junk" is not an
                    // opening one either; nothing to do.
                }
            }
            if (matched >= 0) {
                block.finishField();
                if (closing) {
                    stack.resize(matched);
                    inHeaders = false;
                } else {
                    stack.resize(matched + 1);
                    inHeaders = true;
                    block = HeaderBlock{};
                    block.start = next;
                    if (++result.headerBlocks > limits.maxParts)
                        return cut(lineStart, Complexity::TooManyParts);
                }
                lineStart = next;
                continue;
            }
        }

        if (inHeaders) {
            const bool blank = line.isEmpty() || (line.size() == 1 && line[0] == '\r');
            // The line that would take the block over the bound is not parsed: a single
            // unfolded line can be as long as the message.
            if (next - block.start > limits.maxHeaderBytes)
                return cut(lineStart, Complexity::HeaderTooLarge);
            if (blank) {
                block.finishField();
                const bool digestChild =
                    block.contentTypes == 0 && !stack.isEmpty() && stack.constLast().digest;
                if (block.anyMultipart) {
                    Level level;
                    if (block.contentTypes == 1) {
                        const QByteArray boundary = unambiguousBoundary(block.contentType);
                        if (!boundary.isEmpty())
                            level.boundary = QByteArray("--" + boundary);
                        level.digest = block.contentType.toLower().contains("multipart/digest");
                    }
                    stack.append(level);
                    result.maxDepth = std::max(result.maxDepth, int(stack.size()));
                    if (stack.size() > limits.maxDepth)
                        return cut(block.start, Complexity::TooDeep);
                }
                if (block.anyMessage || digestChild) {
                    // An encapsulated message: its own header block follows at once.
                    stack.append(Level{});
                    result.maxDepth = std::max(result.maxDepth, int(stack.size()));
                    if (stack.size() > limits.maxDepth)
                        return cut(block.start, Complexity::TooDeep);
                    block = HeaderBlock{};
                    block.start = next;
                    if (++result.headerBlocks > limits.maxParts)
                        return cut(next, Complexity::TooManyParts);
                    inHeaders = true;
                } else if (block.anyMultipart && block.contentTypes != 1) {
                    // Conflicting Content-Type fields: GMime may read what follows as
                    // headers of a message; keep reading it as headers so nothing is missed.
                    block = HeaderBlock{};
                    block.start = next;
                    inHeaders = true;
                } else {
                    inHeaders = false;
                }
            } else if (line[0] == ' ' || line[0] == '\t') {
                if (block.inContentType)
                    block.contentType.append(line.data(), line.size() - (line.endsWith('\r') ? 1 : 0));
                if (block.inParameterField)
                    countParameters(line, lineStart, block, limits, result.excessParameters);
            } else {
                block.finishField();
                if (isParameterField(line)) {
                    block.inParameterField = true;
                    countParameters(line, lineStart, block, limits, result.excessParameters);
                }
                if (line.size() >= 13 &&
                    QByteArrayView(line.data(), 13).compare("content-type:", Qt::CaseInsensitive) == 0) {
                    block.inContentType = true;
                    ++block.contentTypes;
                    block.contentType = line.sliced(13).toByteArray();
                    if (block.contentType.endsWith('\r'))
                        block.contentType.chop(1);
                } else if (line.size() > 12 &&
                           QByteArrayView(line.data(), 12).compare("content-type", Qt::CaseInsensitive) ==
                               0) {
                    // "Content-Type :" with space before the colon: GMime may accept it.
                    const QByteArrayView rest = line.sliced(12).trimmed();
                    if (rest.startsWith(':')) {
                        block.inContentType = true;
                        block.contentTypes += 2; // never trust its boundary
                        block.contentType = rest.sliced(1).toByteArray();
                    }
                }
            }
        }
        lineStart = next;
    }
    return result;
}

} // namespace Tidings::Mime
