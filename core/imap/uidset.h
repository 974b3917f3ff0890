// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <cstdint>
#include <iterator>
#include <optional>

namespace Tidings::Imap {

/// A set of UIDs or message sequence numbers: RFC 3501 §9 `sequence-set`, RFC 9051 §9.
///
/// Invariants: the ranges are sorted, non-empty, non-overlapping and non-adjacent (1:3 and 4:5
/// are merged into 1:5), so two sets with the same members compare equal and format the same.
/// `*` ("the largest number in use") is represented as UidSet::Star (UINT32_MAX): the client
/// cannot know it, so "9:*" is the range 9..Star, and formats back as "9:*".
class UidSet final
{
public:
    using Value = std::uint32_t;
    static constexpr Value Star = 0xFFFFFFFFu;

    struct Range {
        Value first = 0;
        Value last = 0; ///< inclusive; first <= last
        friend bool operator==(const Range &, const Range &) = default;
    };

    UidSet() = default;
    UidSet(std::initializer_list<Value> values);

    /// Parses "1:5,7,9:*" (also "5:1", which means 1:5). Zero, empty elements, garbage and
    /// numbers above 2^32-1 make it return nullopt; the set never keeps a partial parse.
    [[nodiscard]] static std::optional<UidSet> parse(QByteArrayView text);
    [[nodiscard]] static UidSet range(Value first, Value last);

    void insert(Value value) { insert(value, value); }
    void insert(Value first, Value last);
    void insert(const UidSet &other);
    void remove(Value value);

    [[nodiscard]] bool contains(Value value) const;
    [[nodiscard]] bool isEmpty() const { return m_ranges.isEmpty(); }
    /// Number of members (a range ending in * counts up to UINT32_MAX).
    [[nodiscard]] quint64 size() const;
    [[nodiscard]] std::optional<Value> min() const;
    [[nodiscard]] std::optional<Value> max() const;
    [[nodiscard]] const QList<Range> &ranges() const { return m_ranges; }

    /// The compact wire form: "1:5,7,9:12", "9:*"; an empty set formats as "" (callers must not
    /// send it: an empty sequence set is not valid IMAP).
    [[nodiscard]] QByteArray toByteArray() const;

    /// Iterates over members in ascending order (beware of ranges ending in *).
    class const_iterator
    {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Value;
        using difference_type = std::ptrdiff_t;
        using pointer = const Value *;
        using reference = Value;

        const_iterator() = default;
        Value operator*() const { return m_value; }
        const_iterator &operator++();
        const_iterator operator++(int)
        {
            auto copy = *this;
            ++*this;
            return copy;
        }
        friend bool operator==(const const_iterator &a, const const_iterator &b)
        {
            return a.m_set == b.m_set && a.m_range == b.m_range && a.m_value == b.m_value;
        }

    private:
        friend class UidSet;
        const_iterator(const UidSet *set, qsizetype range, Value value) : m_set(set), m_range(range), m_value(value) {}
        const UidSet *m_set = nullptr;
        qsizetype m_range = 0;
        Value m_value = 0;
    };
    [[nodiscard]] const_iterator begin() const;
    [[nodiscard]] const_iterator end() const;

    friend bool operator==(const UidSet &, const UidSet &) = default;

private:
    QList<Range> m_ranges;
};

} // namespace Tidings::Imap
