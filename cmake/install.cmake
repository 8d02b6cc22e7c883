# What `make install` (cmake --install) puts where, and `uninstall`.
#
#   PREFIX/bin/podium            PREFIX/sbin/podiumd
#   PREFIX/share/podium/         templates/ (all of it), calendars/, podium.ini
#   PREFIX/share/man/man{1,5,8}  podium.1, podium.ini.5, podiumd.8
#   PREFIX/share/doc/podium/     README.md
#   PODIUM_UNITDIR/podiumd.service   (default PREFIX/lib/systemd/system)
#   SYSCONFDIR/podium/podium.ini (only when missing)
#
# SYSCONFDIR is PODIUM_SYSCONFDIR when set, else /etc for the prefixes
# /usr and /usr/local (where podiumd.service's ConfigurationDirectory= and
# the CLI look), else PREFIX/etc, so that an install below a scratch
# prefix never touches the machine's /etc.
#
# The prefix is the one given at install time (cmake --install --prefix),
# not only the configured one: the unit names the binaries by their
# installed path, so it is written during the install.  The programs find
# PREFIX/share/podium from their own location (lib/datadir.c), so nothing
# here is compiled in.

include(GNUInstallDirs)

set(PODIUM_SYSCONFDIR "" CACHE PATH
  "Where podium/podium.ini goes (absolute; empty: /etc or PREFIX/etc)")
set(PODIUM_UNITDIR "${CMAKE_INSTALL_LIBDIR}/systemd/system" CACHE PATH
  "Where podiumd.service goes (relative: below the prefix)")
# GNUInstallDirs makes LIBDIR lib64 or lib/<triplet>; systemd looks in
# PREFIX/lib/systemd/system only.
if(PODIUM_UNITDIR STREQUAL "${CMAKE_INSTALL_LIBDIR}/systemd/system")
  set(PODIUM_UNITDIR "lib/systemd/system" CACHE PATH
    "Where podiumd.service goes (relative: below the prefix)" FORCE)
endif()

if(TARGET podium)
  install(TARGETS podium RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET podiumd)
  install(TARGETS podiumd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()

# The whole tree, so that a new subfolder of templates/ needs no edit here.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/templates
  DESTINATION ${CMAKE_INSTALL_DATADIR}/podium)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/calendars
  DESTINATION ${CMAKE_INSTALL_DATADIR}/podium FILES_MATCHING PATTERN "*.ics")
install(FILES ${CMAKE_SOURCE_DIR}/contrib/podium.ini
  DESTINATION ${CMAKE_INSTALL_DATADIR}/podium)

install(FILES ${CMAKE_SOURCE_DIR}/man/podium.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/man/podium.ini.5
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_SOURCE_DIR}/man/podiumd.8
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit, with the binaries' and the config's installed paths.
install(CODE "
  set(PODIUM_SYSCONFDIR \"${PODIUM_SYSCONFDIR}\")
  if(PODIUM_SYSCONFDIR STREQUAL \"\")
    if(CMAKE_INSTALL_PREFIX MATCHES \"^/usr(/local)?/?$\")
      set(PODIUM_SYSCONFDIR /etc)
    else()
      set(PODIUM_SYSCONFDIR \"\${CMAKE_INSTALL_PREFIX}/etc\")
    endif()
  endif()
  set(PODIUM_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  set(PODIUM_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/contrib/podiumd.service.in\"
    \"${CMAKE_BINARY_DIR}/podiumd.service\" @ONLY)
")
install(FILES ${CMAKE_BINARY_DIR}/podiumd.service
  DESTINATION ${PODIUM_UNITDIR})

# The configuration is the administrator's: installed when there is none,
# never overwritten, and left alone by uninstall (not in the manifest).
# PODIUM_SYSCONFDIR is the one the unit's block above worked out.
install(CODE "
  set(ini \"\$ENV{DESTDIR}\${PODIUM_SYSCONFDIR}/podium/podium.ini\")
  if(EXISTS \"\${ini}\")
    message(STATUS \"Kept: \${ini}\")
  else()
    message(STATUS \"Installing: \${ini}\")
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${PODIUM_SYSCONFDIR}/podium\")
    file(COPY \"${CMAKE_SOURCE_DIR}/contrib/podium.ini\"
      DESTINATION \"\$ENV{DESTDIR}\${PODIUM_SYSCONFDIR}/podium\"
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
")

add_custom_target(uninstall
  COMMAND ${CMAKE_COMMAND}
    -DMANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt
    -P ${CMAKE_SOURCE_DIR}/cmake/uninstall.cmake
  COMMENT "Removing what the last install put in place")
