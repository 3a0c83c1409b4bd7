# automl_set_warnings(target): the project's warning flags, applied to every target it builds.
function(automl_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Woverloaded-virtual)
  if(AUTOML_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
