// DeliveriesClaim and the opening of the sealed fields it returns.
#include "queue/claimer.hpp"

#include <algorithm>

#include "burgernet/sql/query.hpp"

namespace burgernet::queue {

namespace {

void open_sealed(const privacy::PersonalDataKeys& keys, ClaimedRow& row) {
  try {
    if (row.phone) row.phone = keys.open(*row.phone, "phone");
    if (row.email) row.email = keys.open(*row.email, "email");
    if (row.push_token) row.push_token = keys.open(*row.push_token, "push_token");
    if (row.body) row.body = keys.open(*row.body, "verification");
  } catch (const privacy::KeyError& e) {
    row.open_error = std::string("cannot open the sealed recipient data: ") + e.what();
  }
}

// "GM0363,PI-01": area codes never hold a comma (the areas table's CHECK).
std::vector<std::string> split_codes(const std::string& joined) {
  std::vector<std::string> codes;
  std::size_t begin = 0;
  while (begin < joined.size()) {
    const std::size_t comma = std::min(joined.find(',', begin), joined.size());
    codes.push_back(joined.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return codes;
}

}  // namespace

boost::asio::awaitable<std::vector<ClaimedRow>> claim_rows(db::Pool& pool, const privacy::PersonalDataKeys& keys,
                                                           const std::string& channel, int limit,
                                                           const std::string& owner, double lease_s) {
  co_return co_await pool.run([&](db::Connection& c) {
    const auto r = c.exec(sql::query("DeliveriesClaim"), channel, limit, owner, lease_s);
    const int id = r.column("id"), action_id = r.column("action_id"), kind = r.column("kind"),
              skip = r.column("skip"), body = r.column("body"), phone = r.column("phone"),
              email = r.column("email"), push_token = r.column("push_token"),
              message_text = r.column("message_text"), title = r.column("title"), category = r.column("category"),
              action_kind = r.column("action_kind"), attempt = r.column("attempt"),
              parent_due = r.column("parent_due_s"), language = r.column("language"),
              centre_areas = r.column("centre_areas"), target = r.column("target"),
              push_area = r.column("push_area");
    std::vector<ClaimedRow> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      ClaimedRow row;
      row.id = r.int64(i, id);
      row.action_id = r.optional_string(i, action_id);
      row.kind = r.string(i, kind);
      row.skip = r.string(i, skip);
      row.body = r.optional_string(i, body);
      row.target = r.optional_string(i, target);
      row.push_area = r.optional_string(i, push_area);
      row.phone = r.optional_string(i, phone);
      row.email = r.optional_string(i, email);
      row.push_token = r.optional_string(i, push_token);
      row.message_text = r.optional_string(i, message_text);
      row.title = r.optional_string(i, title);
      row.category = r.optional_string(i, category);
      row.action_kind = r.optional_string(i, action_kind);
      row.attempt = static_cast<int>(r.int64(i, attempt));
      if (!r.is_null(i, parent_due)) row.parent_due_s = r.float64(i, parent_due);
      row.language = r.optional_string(i, language).value_or("");
      row.centre_areas = split_codes(r.optional_string(i, centre_areas).value_or(""));
      open_sealed(keys, row);
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace burgernet::queue
