#pragma once
#include <string>

namespace halab::scheduler {
// Lays out `dot` with Graphviz's dot engine and renders it ("svg", "png"...).
std::string render_dot(const std::string& dot, const std::string& format);
}  // namespace halab::scheduler
