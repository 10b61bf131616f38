# Run by `cmake --install` and by cpack (install(SCRIPT) in cmake/install.cmake): installs
# config/burgernetd.service into lib/systemd/system with every Exec*= path of burgernetd
# pointing at the installed binary. CMAKE_INSTALL_PREFIX is the final prefix here (cpack sets
# DESTDIR for its staging, cmake/packaging.cmake), so the path is the one the daemon will have.
if(IS_ABSOLUTE "${burgernet_bindir}")
  set(bindir "${burgernet_bindir}")
else()
  set(bindir "${CMAKE_INSTALL_PREFIX}/${burgernet_bindir}")
endif()
file(READ "${burgernet_unit_source}" unit)
string(REGEX REPLACE "(Exec[A-Za-z]*=[-@:+!]*)[^ \n]*/burgernetd" "\\1${bindir}/burgernetd" unit "${unit}")

# A directory of its own: two installs at once (a test's cpack and scripts/package) must not
# write the same file.
string(RANDOM LENGTH 12 nonce)
set(staged "${burgernet_build_dir}/install-unit-${nonce}/burgernetd.service")
file(WRITE "${staged}" "${unit}")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE FILES "${staged}")
file(REMOVE_RECURSE "${burgernet_build_dir}/install-unit-${nonce}")
