# The command's input/output modules of issue 6, as one static library the
# command links: database sinks (SQLite, PostgreSQL), CSV/TSV rows,
# compressed and archived input (libarchive), --progress. Included from the
# top CMakeLists.txt; each module is tested on its own under tests/io/.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)

# The sinks run docs/schema.sql and docs/schema-sqlite.sql as they are: the
# files become C strings at configure time (and again when they change).
function(newsmine_sql_to_c_string var file)
  file(READ "${file}" sql)
  string(REPLACE "\\" "\\\\" sql "${sql}")
  string(REPLACE "\"" "\\\"" sql "${sql}")
  string(REPLACE "\n" "\\n\"\n    \"" sql "${sql}")
  set(${var} "\"${sql}\"" PARENT_SCOPE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
endfunction()
newsmine_sql_to_c_string(NEWSMINE_SCHEMA_POSTGRESQL ${PROJECT_SOURCE_DIR}/docs/schema.sql)
newsmine_sql_to_c_string(NEWSMINE_SCHEMA_SQLITE ${PROJECT_SOURCE_DIR}/docs/schema-sqlite.sql)
configure_file(${PROJECT_SOURCE_DIR}/src/cli/sink_schema.c.in
               ${PROJECT_BINARY_DIR}/generated/sink_schema.c @ONLY)

add_library(newsmine_cli_io STATIC
  src/cli/entity_id.c
  src/cli/format_csv.c
  src/cli/sink.c
  src/cli/sink_sqlite.c
  src/cli/sink_pg.c
  ${PROJECT_BINARY_DIR}/generated/sink_schema.c
  src/cli/input.c
  src/cli/progress.c)
target_compile_options(newsmine_cli_io PRIVATE ${NEWSMINE_WARNINGS})
target_compile_definitions(newsmine_cli_io PRIVATE _POSIX_C_SOURCE=200809L)
target_include_directories(newsmine_cli_io PUBLIC ${PROJECT_SOURCE_DIR}/src/cli)
target_link_libraries(newsmine_cli_io PUBLIC newsmine_static
  PRIVATE PkgConfig::SQLITE3 PkgConfig::LIBPQ PkgConfig::LIBARCHIVE Threads::Threads)

target_link_libraries(newsmine PRIVATE newsmine_cli_io)
