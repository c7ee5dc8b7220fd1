#include "stack/cib/shadow.hpp"

#include "stack/core/error.hpp"

namespace halab::cib {

using core::Sync;

Shadows::Shadows(core::Storage& storage, std::string dir) : storage_(storage), dir_(std::move(dir)) {}

std::string Shadows::file(std::string_view name) const {
  if (!core::valid_storage_name(name) || name.find('/') != std::string_view::npos)
    throw core::Error("invalid shadow CIB name '" + std::string(name) + "'");
  return (dir_.empty() ? "" : dir_ + "/") + "shadow." + std::string(name);
}

bool Shadows::exists(std::string_view name) const { return storage_.read(file(name)).has_value(); }

void Shadows::create(std::string_view name, const Cib& live, bool force) {
  if (!force && exists(name))
    throw core::Error("shadow CIB '" + std::string(name) + "' already exists (use --force to overwrite)");
  write(name, live);
}

void Shadows::create_empty(std::string_view name, bool force) { create(name, Cib::empty(), force); }

Cib Shadows::read(std::string_view name) const {
  const std::string f = file(name);
  auto text = storage_.read_text(f);
  if (!text) throw core::Error("shadow CIB '" + std::string(name) + "' does not exist (" + f + ")");
  return Cib::parse(*text, f);
}

void Shadows::write(std::string_view name, const Cib& cib) {
  storage_.write(file(name), cib.to_xml(), Sync::durable);
}

XmlDocPtr Shadows::diff(std::string_view name, const Cib& live) const { return cib::diff(live, read(name)); }

void Shadows::commit(std::string_view name, CibStore& live) {
  Cib shadow = read(name);
  live.save(shadow);
}

void Shadows::remove(std::string_view name) {
  if (!storage_.remove(file(name), Sync::durable))
    throw core::Error("shadow CIB '" + std::string(name) + "' does not exist");
}

std::vector<std::string> Shadows::list() const {
  std::vector<std::string> out;
  for (const auto& f : storage_.list(dir_))
    if (f.starts_with("shadow.")) out.push_back(f.substr(7));
  return out;
}

}  // namespace halab::cib
