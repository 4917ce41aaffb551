# One INTERFACE target carries the warning flags; every project target links it PRIVATE.
add_library(cowin_warnings INTERFACE)
target_compile_options(cowin_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wpedantic)
if(COWIN_WARNINGS_AS_ERRORS)
  target_compile_options(cowin_warnings INTERFACE -Werror)
endif()
