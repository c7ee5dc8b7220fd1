#pragma once
// A small JSON value for the lab's own files (results lines, figures): what
// it writes it must read back for merge and report. Not a general library.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace halab::lab {

class Json {
 public:
  enum class Type { null, boolean, number, string, array, object };
  Json() = default;
  Json(bool b) : type_(Type::boolean), bool_(b) {}
  Json(double d) : type_(Type::number), num_(d) {}
  Json(int i) : type_(Type::number), num_(i) {}
  Json(std::int64_t i) : type_(Type::number), num_(double(i)) {}
  Json(std::uint64_t i) : type_(Type::number), num_(double(i)) {}
  Json(const char* s) : type_(Type::string), str_(s) {}
  Json(std::string s) : type_(Type::string), str_(std::move(s)) {}
  static Json array() { Json j; j.type_ = Type::array; return j; }
  static Json object() { Json j; j.type_ = Type::object; return j; }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  Json& push(Json v);                       // array
  Json& operator[](const std::string& key);  // object (inserts)
  const Json& at(const std::string& key) const;  // throws core::Error naming the key
  bool has(const std::string& key) const;
  const std::vector<Json>& items() const { return arr_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return obj_; }
  double number() const;
  bool boolean() const;
  const std::string& string() const;

  std::string dump() const;
  // Throws core::Error("<where>: offset N: ...") on bad input.
  static Json parse(std::string_view text, const std::string& where);

 private:
  Type type_ = Type::null;
  bool bool_ = false;
  double num_ = 0;
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;  // insertion order: stable output
};

}  // namespace halab::lab
