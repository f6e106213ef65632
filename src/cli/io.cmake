# The command's input/output modules of issue 6, as one static library the
# command links: database sinks (SQLite, PostgreSQL), CSV/TSV rows,
# compressed and archived input (libarchive), --progress. Included from the
# top CMakeLists.txt; each module is tested on its own under tests/io/.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)

# The sinks run docs/schema.sql and docs/schema-sqlite.sql as they are: the
# files become C strings at configure time (and again when they change), in
# two parts: the tables, and the CREATE INDEX statements that end each file
# (a load into tables it creates builds the indexes at its end).
function(newsmine_c_string var text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
  set(${var} "\"${text}\"" PARENT_SCOPE)
endfunction()
function(newsmine_schema_to_c_strings prefix file)
  file(READ "${file}" sql)
  string(FIND "${sql}" "\nCREATE INDEX" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${file}: no CREATE INDEX statements at its end")
  endif()
  math(EXPR at "${at} + 1")
  string(SUBSTRING "${sql}" 0 ${at} tables)
  string(SUBSTRING "${sql}" ${at} -1 indexes)
  newsmine_c_string(t "${tables}")
  newsmine_c_string(i "${indexes}")
  set(${prefix}_TABLES "${t}" PARENT_SCOPE)
  set(${prefix}_INDEXES "${i}" PARENT_SCOPE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
endfunction()
newsmine_schema_to_c_strings(NEWSMINE_SCHEMA_POSTGRESQL ${PROJECT_SOURCE_DIR}/docs/schema.sql)
newsmine_schema_to_c_strings(NEWSMINE_SCHEMA_SQLITE ${PROJECT_SOURCE_DIR}/docs/schema-sqlite.sql)
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
  src/cli/lazylib.c
  src/cli/progress.c)
target_compile_options(newsmine_cli_io PRIVATE ${NEWSMINE_WARNINGS})
target_compile_definitions(newsmine_cli_io PRIVATE _POSIX_C_SOURCE=200809L)
target_include_directories(newsmine_cli_io PUBLIC ${PROJECT_SOURCE_DIR}/src/cli)
# libpq and libarchive are opened when a run needs them (lazylib.h): only
# their headers here, and the names of the libraries the packages install.
set(NEWSMINE_LIBPQ_SONAME "libpq.so.5" CACHE STRING "libpq to open for --out postgresql://")
set(NEWSMINE_LIBARCHIVE_SONAME "libarchive.so.13" CACHE STRING
    "libarchive to open for compressed or archived input")
target_compile_definitions(newsmine_cli_io PRIVATE
  NEWSMINE_LIBPQ_SONAME="${NEWSMINE_LIBPQ_SONAME}"
  NEWSMINE_LIBARCHIVE_SONAME="${NEWSMINE_LIBARCHIVE_SONAME}")
target_include_directories(newsmine_cli_io PRIVATE ${LIBPQ_INCLUDE_DIRS} ${LIBARCHIVE_INCLUDE_DIRS})
target_link_libraries(newsmine_cli_io PUBLIC newsmine_static
  PRIVATE PkgConfig::SQLITE3 Threads::Threads ${CMAKE_DL_LIBS})

target_link_libraries(newsmine PRIVATE newsmine_cli_io)
