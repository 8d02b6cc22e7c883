# Removes every file of the last install (install_manifest.txt, below
# $DESTDIR as the install was), then the folders of podium's own
# that this leaves empty.  The configuration in /etc/podium and the state
# in /var/lib/podium are not in the manifest and stay.
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "${MANIFEST}: no install to undo (run make install first)")
endif()
file(STRINGS "${MANIFEST}" files)
set(dirs "")
foreach(f IN LISTS files)
  set(f "$ENV{DESTDIR}${f}")
  if(EXISTS "${f}" OR IS_SYMLINK "${f}")
    message(STATUS "Removing: ${f}")
    file(REMOVE "${f}")
  endif()
  get_filename_component(d "${f}" DIRECTORY)
  # Only podium's own folders: never PREFIX/bin or share/man/man1.
  while(d MATCHES "/share/(doc/)?podium(/|$)")
    list(APPEND dirs "${d}")
    get_filename_component(d "${d}" DIRECTORY)
  endwhile()
endforeach()
list(REMOVE_DUPLICATES dirs)
# Deepest first, so that a parent is empty by the time it is looked at.
list(SORT dirs)
list(REVERSE dirs)
foreach(d IN LISTS dirs)
  file(GLOB left "${d}/*")
  if(IS_DIRECTORY "${d}" AND NOT left)
    execute_process(COMMAND rmdir "${d}")
  endif()
endforeach()
file(REMOVE "${MANIFEST}")
