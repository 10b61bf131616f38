// Routing: path parameters, 404 and 405 with the allowed methods.
#include "burgernet/http/router.hpp"

#include <gtest/gtest.h>

namespace burgernet::http {
namespace {

Handler noop() {
  return [](Request& r) -> boost::asio::awaitable<Response> { co_return empty_response(r, 204); };
}

TEST(Router, CapturesPathParameters) {
  Router router;
  router.add(beast_http::verb::post, "/v1/actions/{id}/close", {"operator"}, noop());
  std::map<std::string, std::string> params;
  const auto match = router.match(beast_http::verb::post, "/v1/actions/abc-123/close", params);
  EXPECT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.route, "/v1/actions/{id}/close");
  EXPECT_EQ(params.at("id"), "abc-123");
  ASSERT_NE(match.roles, nullptr);
  EXPECT_EQ(match.roles->front(), "operator");
}

TEST(Router, UnknownPathsAreNotFound) {
  Router router;
  router.add(beast_http::verb::get, "/v1/actions/{id}", {}, noop());
  std::map<std::string, std::string> params;
  EXPECT_EQ(router.match(beast_http::verb::get, "/v1/actions", params).kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.match(beast_http::verb::get, "/v1/actions/", params).kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.match(beast_http::verb::get, "/v1/actions/x/y", params).kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.match(beast_http::verb::get, "", params).kind, Router::Match::Kind::kNotFound);
}

TEST(Router, WrongMethodListsTheAllowedOnes) {
  Router router;
  router.add(beast_http::verb::get, "/v1/participants/{id}", {}, noop());
  router.add(beast_http::verb::patch, "/v1/participants/{id}", {}, noop());
  std::map<std::string, std::string> params;
  const auto match = router.match(beast_http::verb::put, "/v1/participants/7", params);
  EXPECT_EQ(match.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed, "GET, PATCH");
}

TEST(SplitTarget, DecodesQueryParameters) {
  std::string path;
  std::map<std::string, std::string> query;
  split_target("/v1/actions?status=active&cursor=a%2Fb&name=a+b&flag", path, query);
  EXPECT_EQ(path, "/v1/actions");
  EXPECT_EQ(query.at("status"), "active");
  EXPECT_EQ(query.at("cursor"), "a/b");
  EXPECT_EQ(query.at("name"), "a b");
  EXPECT_EQ(query.at("flag"), "");
}

TEST(SplitTarget, KeepsMalformedEscapesLiterally) {
  std::string path;
  std::map<std::string, std::string> query;
  split_target("/x?a=%zz&b=%4", path, query);
  EXPECT_EQ(query.at("a"), "%zz");
  EXPECT_EQ(query.at("b"), "%4");
}

}  // namespace
}  // namespace burgernet::http
