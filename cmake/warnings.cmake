# One INTERFACE target carries the warning flags; every project target links it PRIVATE.
add_library(cowin_warnings INTERFACE)
target_compile_options(cowin_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wpedantic)
if(COWIN_WARNINGS_AS_ERRORS)
  target_compile_options(cowin_warnings INTERFACE -Werror)
endif()
# GCC reads Asio's coroutine frame allocator (awaitable_frame_base's class operator new with its sized
# operator delete) as a mismatched pair after inlining: a known false positive (GCC PR middle-end/109224,
# also hit by other Asio users on Debian 12's GCC). Clang has no such diagnostic.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cowin_warnings INTERFACE -Wno-mismatched-new-delete)
endif()
