# What `cmake --install` puts where (FHS through GNUInstallDirs). Only the two programs and what
# an operator reads; nothing of the tests, benchmarks or fuzzers.
include(GNUInstallDirs)

install(TARGETS burgernetd burgernetctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit in config/ names /usr/bin/burgernetd (the package's place). Its installed copy is
# written at install time (cmake/install_unit.cmake), naming the daemon where this install puts
# it: /usr/bin in the .deb, /usr/local/bin for a plain `cmake --install`, PREFIX/bin with --prefix.
install(CODE "set(burgernet_unit_source [[${CMAKE_SOURCE_DIR}/config/burgernetd.service]])
set(burgernet_bindir [[${CMAKE_INSTALL_BINDIR}]])
set(burgernet_build_dir [[${CMAKE_BINARY_DIR}]])")
install(SCRIPT cmake/install_unit.cmake)

install(FILES config/burgernet.example.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# Prometheus alerting rules (docs/alerts.md says what to do for each), to copy into Prometheus.
install(FILES config/alerts.yml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})

# For reading only: the migrations and queries are compiled into both programs
# (cmake/embed_sql.cmake), and `burgernetctl migrate` never reads these files.
install(DIRECTORY sql/ DESTINATION ${CMAKE_INSTALL_DATADIR}/burgernet/sql)

# The live configuration, only in the package (cmake/packaging.cmake lists this component):
# /etc/burgernet/burgernet.json, a conffile, 0640 (the postinst gives it to group burgernet).
# A plain `cmake --install` leaves /etc alone. It is the example, whose key files are in
# /etc/burgernet/secrets, where the unit's LoadCredential= reads them: `burgernetctl keys init`,
# run by an operator with this config, writes the very files the service loads.
install(FILES ${CMAKE_SOURCE_DIR}/config/burgernet.example.json DESTINATION /etc/burgernet RENAME burgernet.json
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
        COMPONENT package-config EXCLUDE_FROM_ALL)
