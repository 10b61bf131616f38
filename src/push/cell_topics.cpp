// The topics of a point (GET /v1/push/cells), read in PostGIS: the grid is RD New, the point WGS84.
#include <sstream>

#include "burgernet/db/connection.hpp"
#include "burgernet/push/device_matching.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::push {

CellTopics cell_topics(db::Connection& c, double lat, double lon) {
  const auto r = c.exec(sql::query("PushCellsAt"), lat, lon);
  CellTopics topics;
  std::istringstream cells(r.string(0, r.column("cells")));
  for (std::string cell; std::getline(cells, cell, ',');) topics.cells.push_back(cell);
  topics.own_cell = r.string(0, r.column("own_cell"));
  topics.municipality = r.string(0, r.column("municipality"));
  return topics;
}

}  // namespace burgernet::push
