# `cmake --install` and the .deb: programs in bin, the unit where systemd looks, the example config
# in /etc only when none is there, an empty credentials folder, the docs.
include(GNUInstallDirs)

install(TARGETS cowin-notifier cowin-sandbox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/cowin-notifier.service DESTINATION lib/systemd/system)
install(DIRECTORY tools/sandbox/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cowin-notifier/sandbox)
install(FILES README.md config/cowin-notifier.example.yaml config/demo.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# /etc whatever the prefix: it is where the daemon and the unit look.
set(COWIN_ETC /etc/cowin-notifier)
install(DIRECTORY DESTINATION ${COWIN_ETC}/credentials
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

# An operator's edited config is never overwritten by a reinstall. (The .deb marks it a conffile,
# which dpkg treats the same way.)
set(COWIN_ETC_CONFIG "${COWIN_ETC}/config.yaml")
install(CODE "
  if(NOT EXISTS \"\$ENV{DESTDIR}${COWIN_ETC_CONFIG}\")
    file(INSTALL \"${PROJECT_SOURCE_DIR}/config/cowin-notifier.example.yaml\"
         DESTINATION \"${COWIN_ETC}\"
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ RENAME config.yaml)
  else()
    message(STATUS \"Kept: \$ENV{DESTDIR}${COWIN_ETC_CONFIG}\")
  endif()")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cowin-notifier)
set(CPACK_PACKAGE_VENDOR "cowin-notifier developers")
set(CPACK_PACKAGE_CONTACT "cowin-notifier developers <maintainers@cowin-notifier.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "alerts subscribers when CoWIN vaccination slots open")
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Depends computed from the binaries by dpkg-shlibdeps: Debian's runtime library packages only.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server")
# No maintainer scripts: installing enables and starts nothing.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/systemd/conffiles")
include(CPack)
