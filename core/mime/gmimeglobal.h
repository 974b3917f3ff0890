// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Internal to core/mime: GMime set-up and small RAII helpers. Never include this header
// outside core/mime; GMime types do not leave this directory.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <gmime/gmime.h>

namespace Tidings::Mime::Detail {

/// Initialises GMime once per process (thread-safe: a function-local static). Every entry
/// point of core/mime that touches GMime calls it first.
void ensureGMime();

/// Owns one GObject reference.
template <typename T> class GRef final
{
public:
    GRef() = default;
    explicit GRef(T *object)
        : m_object(object)
    {}
    ~GRef() { reset(); }
    GRef(const GRef &) = delete;
    GRef &operator=(const GRef &) = delete;
    GRef(GRef &&other) noexcept
        : m_object(other.m_object)
    {
        other.m_object = nullptr;
    }
    GRef &operator=(GRef &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_object = other.m_object;
            other.m_object = nullptr;
        }
        return *this;
    }
    void reset(T *object = nullptr)
    {
        if (m_object)
            g_object_unref(m_object);
        m_object = object;
    }
    [[nodiscard]] T *get() const { return m_object; }
    [[nodiscard]] T *release()
    {
        T *object = m_object;
        m_object = nullptr;
        return object;
    }
    explicit operator bool() const { return m_object != nullptr; }

private:
    T *m_object = nullptr;
};

/// Takes a g_malloc'ed string, frees it, returns the bytes.
[[nodiscard]] QByteArray takeGString(char *text);

/// A memory stream over a copy of bytes.
[[nodiscard]] GMimeStream *newMemoryStream(QByteArrayView bytes);

/// A memory stream that reads bytes in place instead of copying them. holder is filled
/// in to describe bytes; bytes and holder must outlive the stream and every GMime object
/// parsed from it (substreams refer to the same memory), and nothing may write to the
/// stream.
[[nodiscard]] GMimeStream *newBorrowedMemoryStream(QByteArrayView bytes, GByteArray *holder);

/// The bytes a GMimeStreamMem holds.
[[nodiscard]] QByteArray memoryStreamBytes(GMimeStream *stream);

} // namespace Tidings::Mime::Detail
