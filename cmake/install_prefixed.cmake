# Runs at install time (install(CODE) in CMakeLists.txt): writes the files that name the install
# prefix -- dnasync.pc and the systemd units -- for the prefix actually installed to, so
# `cmake --install --prefix P` and DESTDIR both give files that point into P.
# In: DNASYNC_SOURCE_DIR, DNASYNC_BINARY_DIR, PROJECT_VERSION and the GNUInstallDirs relative
# dirs CMAKE_INSTALL_{BINDIR,LIBDIR,INCLUDEDIR,SYSCONFDIR}; CMAKE_INSTALL_PREFIX is cmake's own.

# As GNUInstallDirs: an absolute dir stays; the prefix /usr keeps its configuration in /etc.
function(dnasync_full_dir var rel)
  if(IS_ABSOLUTE "${rel}")
    set(${var} "${rel}" PARENT_SCOPE)
  elseif(rel STREQUAL "etc" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(${var} "/etc" PARENT_SCOPE)
  else()
    set(${var} "${CMAKE_INSTALL_PREFIX}/${rel}" PARENT_SCOPE)
  endif()
endfunction()

dnasync_full_dir(DNASYNC_BINDIR "${CMAKE_INSTALL_BINDIR}")
dnasync_full_dir(DNASYNC_SYSCONFDIR "${CMAKE_INSTALL_SYSCONFDIR}")
dnasync_full_dir(DNASYNC_PCDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
# One directory per destination: installs to two prefixes may run at once (the tests do).
string(MD5 dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(out "${DNASYNC_BINARY_DIR}/install-prefixed/${dest}")
configure_file("${DNASYNC_SOURCE_DIR}/dnasync.pc.in" "${out}/dnasync.pc" @ONLY)
configure_file("${DNASYNC_SOURCE_DIR}/dist/systemd/dnasync.service.in" "${out}/dnasync.service"
  @ONLY)
configure_file("${DNASYNC_SOURCE_DIR}/dist/systemd/dnasync-node.service.in"
  "${out}/dnasync-node.service" @ONLY)

# file(INSTALL) prepends DESTDIR and records the files in install_manifest.txt.
file(INSTALL "${out}/dnasync.pc" DESTINATION "${DNASYNC_PCDIR}")
# systemd looks for units of packages under <prefix>/lib/systemd, never under a multiarch libdir.
file(INSTALL "${out}/dnasync.service" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/user")
file(INSTALL "${out}/dnasync-node.service"
  DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
file(INSTALL "${DNASYNC_SOURCE_DIR}/dist/systemd/dnasync-node.default"
  DESTINATION "${DNASYNC_SYSCONFDIR}/default" RENAME dnasync-node)
file(REMOVE_RECURSE "${out}")
