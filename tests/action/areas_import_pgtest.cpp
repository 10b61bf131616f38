// `burgernetctl areas import`: good features stored in RD New, bad ones reported by index,
// a code imported again replaced.
#include <gtest/gtest.h>

#include <fstream>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

json square(double lon, double lat, double size) {
  return {{"type", "Polygon"},
          {"coordinates",
           {{{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}, {lon, lat}}}}};
}

json feature(json geometry, json properties) {
  return {{"type", "Feature"}, {"geometry", std::move(geometry)}, {"properties", std::move(properties)}};
}

class AreasImportTest : public DatabaseTest {
 protected:
  std::string write(const json& document) {
    const auto path = dir_ + "/areas.geojson";
    std::ofstream(path) << document.dump();
    return path;
  }
  int import(const std::string& path, std::string& out, std::string& err) {
    const auto config = dir_ + "/config.json";
    std::ofstream(config) << daemon_config(database.url(), dir_).dump();
    return run_ctl(config, {"areas", "import", path}, &out, &err);
  }
  std::string dir_ = make_temp_dir("burgernet-areas-");
};

TEST_F(AreasImportTest, StoresGoodFeaturesRepairsSlipsReportsBadOnesAndReplacesByCode) {
  // A bowtie: its repair would make an area out of lobes that cancel each other; refused.
  const json bowtie = {{"type", "Polygon"},
                       {"coordinates", {{{4.0, 52.0}, {4.1, 52.1}, {4.1, 52.0}, {4.0, 52.1}, {4.0, 52.0}}}}};
  // A square whose generalised corner crosses itself over a few metres, as two of CBS's 342
  // boundaries do: mended, and said so.
  const json slip = {{"type", "Polygon"},
                     {"coordinates",
                      {{{5.5, 52.0}, {5.6, 52.0}, {5.6, 52.1}, {5.5, 52.1}, {5.5002, 52.0998}, {5.5002, 52.0999},
                        {5.4998, 52.0997}, {5.5, 52.0}}}}};
  json multi = {
      {"type", "MultiPolygon"},
      {"coordinates", {square(5.0, 52.0, 0.1)["coordinates"], square(5.2, 52.0, 0.1)["coordinates"]}}};
  const json document = {
      {"type", "FeatureCollection"},
      {"features",
       {feature(square(4.85, 52.33, 0.1), {{"code", "GM0363"}, {"name", "Amsterdam"}}),
        feature(multi, {{"code", "GM0344"}, {"name", "Utrecht"}}),
        feature({{"type", "Point"}, {"coordinates", {4.9, 52.3}}}, {{"code", "GM0001"}, {"name", "Punt"}}),
        feature(square(4.0, 52.0, 0.1), {{"name", "Zonder code"}}),
        feature(bowtie, {{"code", "GM0002"}, {"name", "Vlinder"}}),
        feature(slip, {{"code", "GM0003"}, {"name", "Bocht"}})}}};
  std::string out, err;
  EXPECT_EQ(import(write(document), out, err), 1) << out << err;
  EXPECT_NE(out.find("feature 2: rejected: geometry is Point"), std::string::npos) << out;
  EXPECT_NE(out.find("feature 3: rejected: properties.code"), std::string::npos) << out;
  EXPECT_NE(out.find("feature 4: rejected: invalid geometry"), std::string::npos) << out;
  EXPECT_NE(out.find("feature 5 (GM0003): repaired: Self-intersection"), std::string::npos) << out;
  EXPECT_NE(out.find("imported 3 areas (1 repaired), rejected 3"), std::string::npos) << out;
  EXPECT_EQ(
      database.scalar("SELECT string_agg(code || ':' || GeometryType(geom) || ':' || ST_SRID(geom), ',' "
                      "ORDER BY code) FROM areas"),
      "GM0003:MULTIPOLYGON:28992,GM0344:MULTIPOLYGON:28992,GM0363:MULTIPOLYGON:28992");
  EXPECT_EQ(database.scalar("SELECT ST_IsValid(geom) FROM areas WHERE code = 'GM0003'"), "t");
  // The Dam lies inside the imported Amsterdam square.
  EXPECT_EQ(
      database.scalar("SELECT ST_Covers(geom, " + sql_point(centre()) + ") FROM areas WHERE code = 'GM0363'"),
      "t");

  const json again = {
      {"type", "FeatureCollection"},
      {"features", {feature(square(4.80, 52.30, 0.2), {{"code", "GM0363"}, {"name", "Amsterdam (nieuw)"}})}}};
  EXPECT_EQ(import(write(again), out, err), 0) << out << err;
  EXPECT_EQ(database.scalar("SELECT count(*) || ' ' || max(name) FROM areas WHERE code = 'GM0363'"),
            "1 Amsterdam (nieuw)");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM areas"), "3");
}

TEST_F(AreasImportTest, AFileThatIsNotAFeatureCollectionIsRefused) {
  std::string out, err;
  EXPECT_EQ(import(write({{"type", "Feature"}}), out, err), 2);
  EXPECT_NE(err.find("not a GeoJSON FeatureCollection"), std::string::npos) << err;
  std::ofstream(dir_ + "/broken.geojson") << "{ nope";
  EXPECT_EQ(import(dir_ + "/broken.geojson", out, err), 2);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM areas"), "0");
}

}  // namespace
}  // namespace burgernet::testing
