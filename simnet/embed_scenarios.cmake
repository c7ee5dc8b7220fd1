# Writes a .cpp holding every scenarios/*.scn as a string, so `halab sim NAME`
# works without the source tree. Run by CMake with -DOUT= -DSOURCES=.
set(body "// Generated from scenarios/*.scn by simnet/embed_scenarios.cmake. Do not edit.\n")
string(APPEND body "#include \"simnet/scenario.hpp\"\nnamespace halab::simnet {\n")
string(APPEND body "const std::map<std::string, std::string_view>& embedded_scenarios() {\n")
string(APPEND body "  static const std::map<std::string, std::string_view> all = {\n")
foreach(f ${SOURCES})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"HALAB_SCENARIO(${text})HALAB_SCENARIO\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n}  // namespace halab::simnet\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
