// A date a calendar has: checked before a time from a request reaches PostgreSQL, so that
// "2026-02-30" is a 400 naming the field rather than the database's own error.
#pragma once

namespace burgernet::domain {

// Whether year-month-day exists (leap years included), for years from 1.
bool is_calendar_date(int year, int month, int day);

}  // namespace burgernet::domain
