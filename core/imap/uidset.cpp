// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/uidset.h"

#include <algorithm>

namespace Tidings::Imap {

UidSet::UidSet(std::initializer_list<Value> values)
{
    for (Value v : values)
        insert(v);
}

UidSet UidSet::range(Value first, Value last)
{
    UidSet set;
    set.insert(first, last);
    return set;
}

namespace {
// A sequence number: nz-number or "*" (RFC 3501 §9 seq-number).
bool parseSeqNumber(QByteArrayView text, UidSet::Value &out)
{
    if (text == "*") {
        out = UidSet::Star;
        return true;
    }
    if (text.isEmpty() || text.size() > 10)
        return false;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + std::uint64_t(c - '0');
    }
    if (value == 0 || value > 0xFFFFFFFFull)
        return false;
    out = UidSet::Value(value);
    return true;
}
} // namespace

std::optional<UidSet> UidSet::parse(QByteArrayView text)
{
    if (text.isEmpty())
        return std::nullopt;
    UidSet set;
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype comma = text.indexOf(',', start);
        if (comma < 0)
            comma = text.size();
        const QByteArrayView element = text.sliced(start, comma - start);
        const qsizetype colon = element.indexOf(':');
        Value first = 0;
        Value last = 0;
        if (colon < 0) {
            if (!parseSeqNumber(element, first))
                return std::nullopt;
            last = first;
        } else if (!parseSeqNumber(element.first(colon), first)
                   || !parseSeqNumber(element.sliced(colon + 1), last)) {
            return std::nullopt;
        }
        set.insert(std::min(first, last), std::max(first, last));
        start = comma + 1;
    }
    return set;
}

void UidSet::insert(Value first, Value last)
{
    if (first > last)
        std::swap(first, last);
    // Find the first range that could touch [first, last] (its end + 1 >= first).
    auto it = std::lower_bound(m_ranges.begin(), m_ranges.end(), first, [](const Range &r, Value v) {
        return r.last != Star && r.last + 1 < v;
    });
    if (it == m_ranges.end() || (last != Star && last + 1 < it->first)) {
        m_ranges.insert(it, Range{first, last});
        return;
    }
    // Merge every range overlapping or adjacent to [first, last] into *it.
    it->first = std::min(it->first, first);
    auto next = it + 1;
    Value end = std::max(it->last, last);
    while (next != m_ranges.end() && (end == Star || next->first <= end + 1)) {
        end = std::max(end, next->last);
        ++next;
    }
    it->last = end;
    m_ranges.erase(it + 1, next);
}

void UidSet::insert(const UidSet &other)
{
    for (const Range &r : other.m_ranges)
        insert(r.first, r.last);
}

void UidSet::remove(Value value)
{
    auto it = std::lower_bound(m_ranges.begin(), m_ranges.end(), value,
                               [](const Range &r, Value v) { return r.last < v; });
    if (it == m_ranges.end() || it->first > value)
        return;
    if (it->first == value && it->last == value) {
        m_ranges.erase(it);
    } else if (it->first == value) {
        ++it->first;
    } else if (it->last == value) {
        --it->last;
    } else {
        const Range tail{value + 1, it->last};
        it->last = value - 1;
        m_ranges.insert(it + 1, tail);
    }
}

bool UidSet::contains(Value value) const
{
    auto it = std::lower_bound(m_ranges.begin(), m_ranges.end(), value,
                               [](const Range &r, Value v) { return r.last < v; });
    return it != m_ranges.end() && it->first <= value;
}

quint64 UidSet::size() const
{
    quint64 n = 0;
    for (const Range &r : m_ranges)
        n += quint64(r.last) - r.first + 1;
    return n;
}

std::optional<UidSet::Value> UidSet::min() const
{
    if (m_ranges.isEmpty())
        return std::nullopt;
    return m_ranges.constFirst().first;
}

std::optional<UidSet::Value> UidSet::max() const
{
    if (m_ranges.isEmpty())
        return std::nullopt;
    return m_ranges.constLast().last;
}

QByteArray UidSet::toByteArray() const
{
    QByteArray out;
    out.reserve(m_ranges.size() * 12);
    auto number = [&out](Value v) {
        if (v == Star)
            out.append('*');
        else
            out.append(QByteArray::number(v));
    };
    for (const Range &r : m_ranges) {
        if (!out.isEmpty())
            out.append(',');
        number(r.first);
        if (r.last != r.first) {
            out.append(':');
            number(r.last);
        }
    }
    return out;
}

UidSet::const_iterator &UidSet::const_iterator::operator++()
{
    const Range &r = m_set->m_ranges.at(m_range);
    if (m_value < r.last) {
        ++m_value;
    } else {
        ++m_range;
        m_value = m_range < m_set->m_ranges.size() ? m_set->m_ranges.at(m_range).first : 0;
    }
    return *this;
}

UidSet::const_iterator UidSet::begin() const
{
    return m_ranges.isEmpty() ? end() : const_iterator(this, 0, m_ranges.constFirst().first);
}

UidSet::const_iterator UidSet::end() const
{
    return const_iterator(this, m_ranges.size(), 0);
}

} // namespace Tidings::Imap
