// Rendering DOT through Graphviz's gvc library, in memory.
#include "stack/scheduler/graph_render.hpp"

#include <gvc.h>

#include "stack/core/error.hpp"

namespace halab::scheduler {

std::string render_dot(const std::string& dot, const std::string& format) {
  GVC_t* gvc = gvContext();
  Agraph_t* g = agmemread(dot.c_str());
  if (!g) {
    gvFreeContext(gvc);
    throw core::Error("graphviz: cannot parse the DOT graph");
  }
  if (gvLayout(gvc, g, "dot") != 0) {
    agclose(g);
    gvFreeContext(gvc);
    throw core::Error("graphviz: layout failed");
  }
  char* data = nullptr;
  unsigned int len = 0;
  int rc = gvRenderData(gvc, g, format.c_str(), &data, &len);
  std::string out;
  if (rc == 0 && data) out.assign(data, len);
  if (data) gvFreeRenderData(data);
  gvFreeLayout(gvc, g);
  agclose(g);
  gvFreeContext(gvc);
  if (rc != 0) throw core::Error("graphviz: cannot render as " + format);
  return out;
}

}  // namespace halab::scheduler
