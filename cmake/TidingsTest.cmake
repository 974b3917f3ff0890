# SPDX-License-Identifier: GPL-3.0-or-later
# tidings_add_test(NAME
#     SOURCES file.cpp ...
#     [LIBS lib ...]
#     LABELS unit|protocol|integration|gui
#     [MAILSERVER]   needs the harness Dovecot: the fixture starts it once per ctest run
#     [KEYCHAIN]     runs inside dbus-run-session with an unlocked gnome-keyring
#     [TIMEOUT s])
#
# Every test gets QT_QPA_PLATFORM=offscreen, TIDINGS_SOURCE_DIR, TIDINGS_TEST_DATA and
# TIDINGS_TEST_CERT_DIR (a throw-away CA and server certificate for scripted TLS servers).
# MAILSERVER tests also get TIDINGS_MAILSERVER_ENV, the path of the harness's env file.

set(TIDINGS_TEST_CERT_DIR ${CMAKE_BINARY_DIR}/test-certs)
set(TIDINGS_TEST_MAILSERVER_DIR ${CMAKE_BINARY_DIR}/test-mailserver)

function(tidings_add_test name)
    cmake_parse_arguments(ARG "MAILSERVER;KEYCHAIN" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT ARG_LABELS)
        message(FATAL_ERROR "tidings_add_test(${name}): LABELS is required")
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE tidings_options tidings_test_support ${ARG_LIBS} Qt6::Test)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)

    set(command $<TARGET_FILE:${name}>)
    if(ARG_KEYCHAIN)
        set(command ${PROJECT_SOURCE_DIR}/tests/support/with-keyring.sh ${command})
    endif()
    add_test(NAME ${name} COMMAND ${command})

    set(env
        QT_QPA_PLATFORM=offscreen
        QT_LOGGING_RULES=qt.qpa.*=false
        TIDINGS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
        TIDINGS_BINARY_DIR=${CMAKE_BINARY_DIR}
        TIDINGS_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data
        TIDINGS_TEST_CERT_DIR=${TIDINGS_TEST_CERT_DIR})
    if(ARG_MAILSERVER)
        list(APPEND env TIDINGS_MAILSERVER_ENV=${TIDINGS_TEST_MAILSERVER_DIR}/env)
        set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED mailserver)
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${ARG_LABELS}"
        ENVIRONMENT "${env}"
        TIMEOUT ${ARG_TIMEOUT})
endfunction()
