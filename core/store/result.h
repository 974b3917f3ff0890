// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <optional>
#include <utility>

namespace Tidings::Store {

/// A value or an Error (never both, never neither). Store calls that produce something
/// return this; calls that only act return a plain Error (kind None on success).
template<typename T>
class [[nodiscard]] Result final
{
public:
    Result(T value) : m_value(std::move(value)) {} // NOLINT(google-explicit-constructor)
    Result(Error error) : m_error(std::move(error)) // NOLINT(google-explicit-constructor)
    {
        Q_ASSERT(m_error.isError());
    }

    [[nodiscard]] bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Error &error() const { return m_error; }

    [[nodiscard]] const T &value() const &
    {
        Q_ASSERT(ok());
        return *m_value;
    }
    [[nodiscard]] T &value() &
    {
        Q_ASSERT(ok());
        return *m_value;
    }
    [[nodiscard]] T &&value() &&
    {
        Q_ASSERT(ok());
        return std::move(*m_value);
    }
    const T *operator->() const { return &value(); }
    const T &operator*() const & { return value(); }

private:
    std::optional<T> m_value;
    Error m_error;
};

} // namespace Tidings::Store
