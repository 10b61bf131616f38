# The Debian package (CPack DEB): `scripts/package`, or `cpack` in the build directory. One .deb,
# burgernet_<version>_<arch>.deb, with what cmake/install.cmake installs plus /etc/burgernet.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME burgernet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "burgernet")
# The Maintainer field; whoever builds a package for their site puts their own address here.
set(BURGERNET_PACKAGE_MAINTAINER "burgernet maintainers" CACHE STRING "the .deb's Maintainer field")
set(CPACK_PACKAGE_CONTACT "${BURGERNET_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "alert dispatch server for Burgernet actions")
set(CPACK_PACKAGE_DESCRIPTION
    "burgernetd sends a police action's message to every participant in the area around the\n\
incident, by voice, SMS, push and e-mail; burgernetctl migrates the database, makes tokens and\n\
keys and imports participants. Needs PostgreSQL 15 with PostGIS.")
# Installed with DESTDIR into cpack's staging directory and CMAKE_INSTALL_PREFIX=/usr, so that
# what is computed at install time (the unit's ExecStart=) sees the package's real prefix, and
# /etc/burgernet lands in the package, not on this machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Release programs, not 185 MB of debug information.
set(CPACK_STRIP_FILES ON)

# Components only to bring in package-config (EXCLUDE_FROM_ALL, so that `cmake --install` skips
# /etc); they all go into the one package.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified package-config)

set(CPACK_DEBIAN_PACKAGE_NAME burgernet)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# dpkg-shlibdeps (dpkg-dev) turns the programs' shared libraries into Depends (libpq5, libssl3,
# ...); passwd brings the useradd and groupadd the postinst runs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-15-postgis-3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
