# SPDX-License-Identifier: GPL-3.0-or-later
# Compile options shared by every Tidings target.

add_library(tidings_options INTERFACE)
target_compile_definitions(tidings_options INTERFACE
    QT_NO_KEYWORDS
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_CAST_FROM_BYTEARRAY
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    TIDINGS_VERSION="${PROJECT_VERSION}")
target_include_directories(tidings_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(tidings_options INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
        -Wcast-align -Wimplicit-fallthrough)
    if(TIDINGS_WERROR)
        target_compile_options(tidings_options INTERFACE -Werror)
    endif()
endif()

if(TIDINGS_SANITIZE)
    target_compile_options(tidings_options INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(tidings_options INTERFACE -fsanitize=address,undefined)
endif()

if(TIDINGS_BUILD_FUZZERS)
    # Coverage instrumentation for every library the fuzzers link.
    target_compile_options(tidings_options INTERFACE
        -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    target_link_options(tidings_options INTERFACE -fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

# tidings_add_library(NAME SOURCES ... LINKS ...): one static library per layer.
function(tidings_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LINKS;PUBLIC_LINKS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_link_libraries(${name} PUBLIC tidings_options ${ARG_PUBLIC_LINKS} PRIVATE ${ARG_LINKS})
endfunction()
