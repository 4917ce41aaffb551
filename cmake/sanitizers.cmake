# COWIN_SANITIZE=address;undefined (the test build) or thread. Never recover: a report fails the test.
if(COWIN_SANITIZE)
  list(JOIN COWIN_SANITIZE "," _cowin_san)
  add_compile_options(-fsanitize=${_cowin_san} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_cowin_san})
endif()
