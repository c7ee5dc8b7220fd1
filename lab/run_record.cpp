#include "lab/run_record.hpp"

#include <cstdio>
#include <cstdlib>

#include "stack/core/error.hpp"

namespace halab::lab {

std::size_t RunRecord::violations() const {
  std::size_t v = 0;
  for (auto& a : audits) v += !a.ok;
  return v;
}

std::string RunRecord::first_violation() const {
  for (auto& a : audits)
    if (!a.ok) return a.name;
  return {};
}

std::string hash_hex(std::uint64_t h) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

namespace {
Json interval_json(const Interval& i) {
  Json j = Json::object();
  j["start_ns"] = i.start_ns;
  j["end_ns"] = i.end_ns;
  if (i.open) j["open"] = true;
  if (!i.what.empty()) j["what"] = i.what;
  return j;
}
Interval interval_from(const Json& j) {
  Interval i;
  i.start_ns = std::int64_t(j.at("start_ns").number());
  i.end_ns = std::int64_t(j.at("end_ns").number());
  if (j.has("open")) i.open = j.at("open").boolean();
  if (j.has("what")) i.what = j.at("what").string();
  return i;
}
}  // namespace

Json to_json(const RunRecord& r) {
  Json j = Json::object();
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["trace_hash"] = hash_hex(r.hash);  // a string: 64 bits do not fit a JSON number exactly
  j["duration_ns"] = r.duration_ns;
  j["ok"] = r.ok;
  j["violations"] = std::uint64_t(r.violations());
  Json& audits = j["audits"] = Json::array();
  for (auto& a : r.audits) {
    Json x = Json::object();
    x["name"] = a.name;
    x["ok"] = a.ok;
    x["detail"] = a.detail;
    audits.push(std::move(x));
  }
  auto records = [](const std::vector<NodeRecord>& list) {
    Json out = Json::array();
    for (auto& n : list) {
      Json x = Json::object();
      x["name"] = n.name;
      x["availability"] = n.availability;
      Json& o = x["outages"] = Json::array();
      for (auto& i : n.outages) o.push(interval_json(i));
      out.push(std::move(x));
    }
    return out;
  };
  Json& nodes = j["nodes"] = Json::array();
  for (auto& n : r.nodes) {
    Json x = Json::object();
    x["name"] = n.name;
    x["availability"] = n.availability;
    x["mtbf_cfg_ns"] = n.mtbf_cfg_ns;
    x["mttr_cfg_ns"] = n.mttr_cfg_ns;
    x["peer_losses"] = n.peer_losses;
    Json& o = x["outages"] = Json::array();
    for (auto& i : n.outages) o.push(interval_json(i));
    nodes.push(std::move(x));
  }
  Json& parts = j["partitions"] = Json::array();
  for (auto& p : r.partitions) parts.push(interval_json(p));
  if (!r.resources.empty()) j["resources"] = records(r.resources);
  if (!r.failovers.empty()) {  // absent in runs without modelled resources (older files read the same)
    Json& fo = j["failovers"] = Json::array();
    for (auto& f : r.failovers) fo.push(to_json(f));
  }
  if (!r.graphs.empty()) {
    Json& g = j["graphs"] = Json::array();
    for (auto& x : r.graphs) g.push(to_json(x));
  }
  return j;
}

RunRecord run_record_from_json(const Json& j) {
  RunRecord r;
  r.scenario = j.at("scenario").string();
  r.seed = std::uint64_t(j.at("seed").number());
  const std::string& h = j.at("trace_hash").string();
  char* end = nullptr;
  r.hash = std::strtoull(h.c_str(), &end, 16);
  if (h.empty() || *end) throw core::Error("bad trace_hash '" + h + "'");
  r.duration_ns = std::int64_t(j.at("duration_ns").number());
  r.ok = j.at("ok").boolean();
  for (auto& a : j.at("audits").items())
    r.audits.push_back({a.at("name").string(), a.at("ok").boolean(), a.at("detail").string()});
  for (auto& x : j.at("nodes").items()) {
    NodeRecord n;
    n.name = x.at("name").string();
    n.availability = x.at("availability").number();
    n.mtbf_cfg_ns = x.at("mtbf_cfg_ns").number();
    n.mttr_cfg_ns = x.at("mttr_cfg_ns").number();
    n.peer_losses = std::uint64_t(x.at("peer_losses").number());
    for (auto& o : x.at("outages").items()) n.outages.push_back(interval_from(o));
    r.nodes.push_back(std::move(n));
  }
  for (auto& p : j.at("partitions").items()) r.partitions.push_back(interval_from(p));
  if (j.has("resources"))
    for (auto& x : j.at("resources").items()) {
      NodeRecord n;
      n.name = x.at("name").string();
      n.availability = x.at("availability").number();
      for (auto& o : x.at("outages").items()) n.outages.push_back(interval_from(o));
      r.resources.push_back(std::move(n));
    }
  if (j.has("failovers"))
    for (auto& f : j.at("failovers").items()) r.failovers.push_back(failover_from_json(f));
  if (j.has("graphs"))
    for (auto& g : j.at("graphs").items()) r.graphs.push_back(graph_from_json(g));
  return r;
}

}  // namespace halab::lab
